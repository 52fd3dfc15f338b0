/**
 * The packing buffer: documents are appended whole (tokens, loss mask, source id, start position) and
 * fixed-length sequences are cut from the front, so a document can span sequences and stage boundaries
 * but no token is dropped or repeated.
 */
export interface PackBufferState {
  tokens: Uint8Array;
  lossMask: Uint8Array;
  sources: Uint8Array;
  docStarts: number[];
}

export class PackBuffer {
  private tokens: Int32Array;
  private mask: Uint8Array;
  private sources: Uint16Array;
  private starts: number[];
  /** The pending tokens are [head, head + length) of the arrays; taking only moves `head`. */
  private head = 0;
  length: number;

  constructor(
    private readonly eosId: number,
    state?: PackBufferState,
  ) {
    const length = state ? state.lossMask.byteLength : 0;
    const cap = Math.max(1024, length);
    this.tokens = new Int32Array(cap);
    this.mask = new Uint8Array(cap);
    this.sources = new Uint16Array(cap);
    this.starts = state ? [...state.docStarts] : [];
    this.length = length;
    if (state) {
      // msgpack hands back byte views at any alignment; copy them into the typed arrays
      new Uint8Array(this.tokens.buffer).set(state.tokens);
      this.mask.set(state.lossMask);
      new Uint8Array(this.sources.buffer).set(state.sources);
    }
  }

  /** Appends one document and, unless it already ends with one, an EOS (trainable when the document's last token is). */
  append(
    ids: ArrayLike<number>,
    lossMask: ArrayLike<number> | null,
    source: number,
    endsWithEos: boolean,
  ): void {
    const n = ids.length + (endsWithEos ? 0 : 1);
    this.reserve(n);
    this.starts.push(this.length);
    const at = this.head + this.length;
    this.tokens.set(ids, at);
    if (lossMask) this.mask.set(lossMask, at);
    else this.mask.fill(1, at, at + ids.length);
    if (!endsWithEos) {
      this.tokens[at + ids.length] = this.eosId;
      this.mask[at + ids.length] = lossMask ? (ids.length > 0 ? lossMask[ids.length - 1] : 1) : 1;
    }
    this.sources.fill(source, at, at + n);
    this.length += n;
  }

  /** Removes and returns the first `n` tokens with their mask, source ids and document starts. */
  take(n: number): { tokens: Int32Array; lossMask: Uint8Array; sources: Uint16Array; docStarts: Int32Array } {
    const [from, to] = [this.head, this.head + n];
    let k = 0;
    while (k < this.starts.length && this.starts[k] < n) k++;
    const out = {
      tokens: this.tokens.slice(from, to),
      lossMask: this.mask.slice(from, to),
      sources: this.sources.slice(from, to),
      docStarts: Int32Array.from(this.starts.slice(0, k)),
    };
    this.starts = this.starts.slice(k);
    for (let i = 0; i < this.starts.length; i++) this.starts[i] -= n;
    this.head += n;
    this.length -= n;
    return out;
  }

  /** The pending tokens as little-endian bytes (msgpack `bin`), so any machine restores them alike. */
  state(): PackBufferState {
    const end = this.head + this.length;
    const bytes = (a: Int32Array | Uint16Array) =>
      new Uint8Array(a.buffer.slice(this.head * a.BYTES_PER_ELEMENT, end * a.BYTES_PER_ELEMENT));
    return {
      tokens: bytes(this.tokens),
      lossMask: this.mask.slice(this.head, end),
      sources: bytes(this.sources),
      docStarts: [...this.starts],
    };
  }

  /** Makes room for `n` more tokens: first by moving the pending tokens to the front, then by doubling. */
  private reserve(n: number): void {
    if (this.head + this.length + n <= this.tokens.length) return;
    const cap = Math.max(this.tokens.length, 2 * (this.length + n));
    const move = <T extends Int32Array | Uint8Array | Uint16Array>(a: T, make: (k: number) => T): T => {
      const b = cap === a.length ? a : make(cap);
      b.set(a.subarray(this.head, this.head + this.length));
      return b;
    };
    this.tokens = move(this.tokens, (k) => new Int32Array(k));
    this.mask = move(this.mask, (k) => new Uint8Array(k));
    this.sources = move(this.sources, (k) => new Uint16Array(k));
    this.head = 0;
  }
}
