import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const CHUNK = 1 << 20;
const utf8 = new TextDecoder();

/** Reads a file line by line from a byte offset, so a reader can stop and resume at an exact line. */
export class LineReader {
  private fd: number;
  private buf: Buffer;
  private start = 0;
  private end = 0;
  private eof = false;

  constructor(
    file: string,
    /** Byte offset of the next line to return. */
    public offset: number,
  ) {
    this.fd = openSync(file, 'r');
    // small files (often re-read by cycled sources) get a small buffer; fill() grows it for long lines
    this.buf = Buffer.allocUnsafe(Math.max(64, Math.min(CHUNK, fstatSync(this.fd).size - offset + 1)));
  }

  /** The next line without its newline (and a trailing \r), or null at end of file. */
  next(): string | null {
    for (;;) {
      const nl = this.buf.indexOf(10, this.start);
      if (nl !== -1 && nl < this.end) return this.take(nl, nl + 1);
      if (this.eof) return this.start < this.end ? this.take(this.end, this.end) : null;
      this.fill();
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  private take(stop: number, next: number): string {
    const lineEnd = stop > this.start && this.buf[stop - 1] === 13 ? stop - 1 : stop;
    const text = utf8.decode(this.buf.subarray(this.start, lineEnd));
    this.offset += next - this.start;
    this.start = next;
    return text;
  }

  private fill(): void {
    const pending = this.end - this.start;
    if (pending > this.buf.length / 2) {
      const bigger = Buffer.alloc(this.buf.length * 2);
      this.buf.copy(bigger, 0, this.start, this.end);
      this.buf = bigger;
    } else {
      this.buf.copy(this.buf, 0, this.start, this.end);
    }
    this.start = 0;
    this.end = pending;
    const n = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, this.offset + pending);
    if (n === 0) this.eof = true;
    this.end += n;
  }
}
