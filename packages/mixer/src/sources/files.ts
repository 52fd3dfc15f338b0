import { readFileSync } from 'node:fs';
import type { ChatDocument, MixDocument } from '../document.js';
import { MixerSourceError } from '../errors.js';
import { chatRecordProblem } from './chat-record.js';
import { LineReader } from './lines.js';
import {
  type ProblemHandler,
  type SourceItem,
  type SourcePosition,
  type SourceReader,
  startPosition,
} from './source.js';

/**
 * A source over a sorted list of files, read in order; subclasses say how to read one item at a position.
 * Exhaustion and restarts (`epoch`) are decided by the mixer, which calls `seek` to start over.
 */
abstract class FileSource implements SourceReader {
  protected pos = startPosition();

  constructor(
    readonly name: string,
    protected readonly files: string[],
    protected readonly onError: 'skip' | 'fail',
    protected readonly onProblem: ProblemHandler,
  ) {}

  async next(): Promise<SourceItem | null> {
    while (this.pos.file < this.files.length) {
      const item = await this.readAt(this.files[this.pos.file]);
      if (item) return item;
      this.closeFile();
      this.pos = { ...this.pos, file: this.pos.file + 1, offset: 0, line: 1 };
    }
    return null;
  }

  position(): SourcePosition {
    return { ...this.pos };
  }

  seek(pos: SourcePosition): void {
    this.closeFile();
    this.pos = { ...pos };
  }

  /** Reads the item at `this.pos` in `file` and advances; null at the end of the file. */
  protected abstract readAt(file: string): Promise<SourceItem | null>;
  protected abstract closeFile(): void;

  /** A malformed entry: throw under `fail`, otherwise report it (on the first pass only) and let the caller skip it. */
  protected problem(where: string, message: string): void {
    if (this.onError === 'fail') throw new MixerSourceError(message, where);
    if (this.pos.epoch === 0) this.onProblem(this.name, `${where}: ${message}`);
  }
}

/** Plain text files: each file, paragraph (blank-line separated) or line is one document. */
export class TextSource extends FileSource {
  private docs: string[] | null = null;

  constructor(
    name: string,
    files: string[],
    private readonly split: 'file' | 'paragraph' | 'line',
    onError: 'skip' | 'fail',
    onProblem: ProblemHandler,
  ) {
    super(name, files, onError, onProblem);
  }

  protected async readAt(file: string): Promise<SourceItem | null> {
    this.docs ??= splitText(readFileSync(file, 'utf8'), this.split);
    const i = this.pos.offset;
    if (i >= this.docs.length) return null;
    this.pos.offset++;
    return { doc: { text: this.docs[i] }, where: `${file}:${this.split === 'file' ? 1 : i + 1}` };
  }

  protected closeFile(): void {
    this.docs = null;
  }
}

function splitText(text: string, split: 'file' | 'paragraph' | 'line'): string[] {
  if (split === 'file') return text.trim() ? [text] : [];
  const parts = split === 'line' ? text.split(/\r?\n/) : text.split(/\r?\n\s*\r?\n/);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** JSON Lines: a string field per line, or a chat (`messages`, optional `tools`) per line. */
export class JsonlSource extends FileSource {
  private reader: LineReader | null = null;

  constructor(
    name: string,
    files: string[],
    private readonly format: 'text' | 'chat',
    private readonly field: string,
    private readonly keepUnverified: boolean,
    onError: 'skip' | 'fail',
    onProblem: ProblemHandler,
  ) {
    super(name, files, onError, onProblem);
  }

  protected async readAt(file: string): Promise<SourceItem | null> {
    this.reader ??= new LineReader(file, this.pos.offset);
    for (;;) {
      const line = this.reader.next();
      if (line === null) return null;
      const where = `${file}:${this.pos.line}`;
      this.pos.offset = this.reader.offset;
      this.pos.line++;
      if (line.trim() === '') continue;
      const parsed = this.parse(line, where);
      if (parsed) return { doc: parsed.doc, where, unverified: parsed.unverified && !this.keepUnverified };
    }
  }

  protected closeFile(): void {
    this.reader?.close();
    this.reader = null;
  }

  private parse(line: string, where: string): { doc: MixDocument; unverified: boolean } | null {
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (err) {
      this.problem(where, `malformed JSON (${(err as Error).message})`);
      return null;
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      this.problem(where, 'expected a JSON object');
      return null;
    }
    const record = obj as Record<string, unknown>;
    if (this.format === 'text') {
      const text = record[this.field];
      if (typeof text === 'string') return { doc: { text }, unverified: false };
      this.problem(where, `field "${this.field}" must be a string, got ${describe(text)}`);
      return null;
    }
    const problem = chatRecordProblem(record);
    if (problem !== null) {
      this.problem(where, problem);
      return null;
    }
    const verdict = record.verdict as { passed?: unknown } | undefined;
    return {
      doc: {
        messages: record.messages as ChatDocument['messages'],
        tools: record.tools as ChatDocument['tools'],
      },
      unverified: verdict?.passed === false,
    };
  }
}

function describe(v: unknown): string {
  return v === undefined ? 'nothing' : v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

const PARQUET_BATCH = 4096;

/** Parquet files read with hyparquet, a string column per row, in batches of rows. */
export class ParquetSource extends FileSource {
  private rows: unknown[] = [];
  private rowsStart = 0;
  private numRows = -1;

  constructor(
    name: string,
    files: string[],
    private readonly field: string,
    onError: 'skip' | 'fail',
    onProblem: ProblemHandler,
  ) {
    super(name, files, onError, onProblem);
  }

  protected async readAt(file: string): Promise<SourceItem | null> {
    for (;;) {
      const row = this.pos.offset;
      if (this.numRows < 0 || row < this.rowsStart || row >= this.rowsStart + this.rows.length) {
        if (!(await this.load(file, row))) return null;
      }
      const value = this.rows[row - this.rowsStart];
      const where = `${file}:${row + 1}`;
      this.pos.offset++;
      if (typeof value === 'string') return { doc: { text: value }, where };
      this.problem(where, `column "${this.field}" must be a string, got ${describe(value)}`);
    }
  }

  protected closeFile(): void {
    this.rows = [];
    this.numRows = -1;
  }

  /** Loads the batch holding `row`; false past the last row. */
  private async load(file: string, row: number): Promise<boolean> {
    const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = await import('hyparquet');
    try {
      const buffer = await asyncBufferFromFile(file);
      const metadata = await parquetMetadataAsync(buffer);
      this.numRows = Number(metadata.num_rows);
      if (row >= this.numRows) return false;
      const columns = metadata.schema.map((s) => s.name);
      if (!columns.includes(this.field))
        throw new Error(`no column "${this.field}" (columns: ${columns.slice(1).join(', ')})`);
      const rowEnd = Math.min(this.numRows, row + PARQUET_BATCH);
      const objects = await parquetReadObjects({
        file: buffer,
        metadata,
        columns: [this.field],
        rowStart: row,
        rowEnd,
      });
      this.rows = objects.map((o) => o[this.field]);
      this.rowsStart = row;
      return true;
    } catch (err) {
      throw new MixerSourceError(
        `source "${this.name}": cannot read parquet: ${(err as Error).message}`,
        file,
      );
    }
  }
}
