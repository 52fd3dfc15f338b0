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
    const at = this.length;
    this.starts.push(at);
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
    const out = {
      tokens: this.tokens.slice(0, n),
      lossMask: this.mask.slice(0, n),
      sources: this.sources.slice(0, n),
      docStarts: Int32Array.from(this.starts.filter((s) => s < n)),
    };
    this.tokens.copyWithin(0, n, this.length);
    this.mask.copyWithin(0, n, this.length);
    this.sources.copyWithin(0, n, this.length);
    this.starts = this.starts.filter((s) => s >= n).map((s) => s - n);
    this.length -= n;
    return out;
  }

  /** The pending tokens as little-endian bytes (msgpack `bin`), so any machine restores them alike. */
  state(): PackBufferState {
    const bytes = (a: Int32Array | Uint16Array) =>
      new Uint8Array(a.buffer.slice(0, this.length * a.BYTES_PER_ELEMENT));
    return {
      tokens: bytes(this.tokens),
      lossMask: this.mask.slice(0, this.length),
      sources: bytes(this.sources),
      docStarts: [...this.starts],
    };
  }

  private reserve(n: number): void {
    if (this.length + n <= this.tokens.length) return;
    const cap = Math.max(this.tokens.length * 2, this.length + n);
    const grow = <T extends Int32Array | Uint8Array | Uint16Array>(a: T, make: (n: number) => T) => {
      const b = make(cap);
      b.set(a.subarray(0, this.length));
      return b;
    };
    this.tokens = grow(this.tokens, (k) => new Int32Array(k));
    this.mask = grow(this.mask, (k) => new Uint8Array(k));
    this.sources = grow(this.sources, (k) => new Uint16Array(k));
  }
}
