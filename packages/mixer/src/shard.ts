import { readFileSync } from 'node:fs';
import { pack, unpack } from 'msgpackr';
import { MixerFormatError } from './errors.js';
import { bytesOf, writeFileAtomic } from './writers/atomic.js';

/**
 * One packed shard file (`shard-NNNNNN.agshard`): fixed-length sequences of one stage.
 *
 *   bytes 0-7    magic "AGLMSHRD"
 *   bytes 8-11   uint32 LE: header length H
 *   bytes 12..   msgpack header (ShardHeader), then zero padding to a multiple of 8
 *   data         sections at the byte offsets (from the data start) the header gives, each 8-aligned:
 *                tokens      sequences × seqLen, uint16 LE (vocabulary ≤ 65536) or int32 LE
 *                lossMask    sequences × seqLen uint8 (1 = the loss applies to predicting this token)
 *                docOffsets  uint32 × (sequences + 1): sequence i's document starts are docStarts[docOffsets[i] .. docOffsets[i+1]]
 *                docStarts   uint32 positions (within a sequence) where a document begins
 */
export interface ShardHeader {
  format: 'agentlm-shard';
  version: 1;
  stage: number;
  stageName: string;
  lr: 'warmup' | 'stable' | 'decay';
  seqLen: number;
  sequences: number;
  /** Global index of this shard's first sequence in the mix. */
  firstSequence: number;
  tokenDtype: 'uint16' | 'int32';
  sections: Record<'tokens' | 'lossMask' | 'docOffsets' | 'docStarts', [offset: number, bytes: number]>;
}

export const SHARD_MAGIC = 'AGLMSHRD';

/** One sequence as the trainer sees it. */
export interface PackedSequence {
  index: number;
  stage: number;
  stageName: string;
  lr: 'warmup' | 'stable' | 'decay';
  tokens: Int32Array;
  lossMask: Uint8Array;
  /** Positions where a document begins; a sequence not starting with 0 continues the previous document. */
  docStarts: Int32Array;
}

/** Writes a shard atomically from sequences of one stage (all of length `seqLen`). */
export function writeShard(
  path: string,
  meta: Omit<ShardHeader, 'format' | 'version' | 'sections' | 'tokenDtype' | 'sequences'>,
  sequences: PackedSequence[],
  vocabSize: number,
): void {
  const n = sequences.length;
  const T = meta.seqLen;
  const tokens = vocabSize <= 65536 ? new Uint16Array(n * T) : new Int32Array(n * T);
  const lossMask = new Uint8Array(n * T);
  const docOffsets = new Uint32Array(n + 1);
  let docCount = 0;
  for (const s of sequences) docCount += s.docStarts.length;
  const docStarts = new Uint32Array(docCount);
  sequences.forEach((s, i) => {
    tokens.set(s.tokens, i * T);
    lossMask.set(s.lossMask, i * T);
    docStarts.set(s.docStarts, docOffsets[i]);
    docOffsets[i + 1] = docOffsets[i] + s.docStarts.length;
  });
  const arrays = { tokens, lossMask, docOffsets, docStarts };
  const sections = {} as ShardHeader['sections'];
  let offset = 0;
  for (const [key, arr] of Object.entries(arrays) as [keyof typeof arrays, ArrayBufferView][]) {
    sections[key] = [offset, arr.byteLength];
    offset = align8(offset + arr.byteLength);
  }
  const header: ShardHeader = {
    format: 'agentlm-shard',
    version: 1,
    ...meta,
    sequences: n,
    tokenDtype: tokens instanceof Uint16Array ? 'uint16' : 'int32',
    sections,
  };
  const headerBytes = pack(header);
  const prefix = new Uint8Array(align8(12 + headerBytes.length));
  prefix.set(Buffer.from(SHARD_MAGIC, 'latin1'), 0);
  new DataView(prefix.buffer).setUint32(8, headerBytes.length, true);
  prefix.set(headerBytes, 12);
  const parts: Uint8Array[] = [prefix];
  for (const arr of Object.values(arrays)) {
    parts.push(bytesOf(arr));
    const pad = align8(arr.byteLength) - arr.byteLength;
    if (pad) parts.push(new Uint8Array(pad));
  }
  writeFileAtomic(path, parts);
}

/** A shard loaded into memory with typed-array views on its sections. */
export class Shard {
  readonly header: ShardHeader;
  private readonly tokens: Uint16Array | Int32Array;
  private readonly lossMask: Uint8Array;
  private readonly docOffsets: Uint32Array;
  private readonly docStarts: Uint32Array;

  constructor(readonly path: string) {
    let buf = readFileSync(path);
    if (buf.length < 12 || buf.toString('latin1', 0, 8) !== SHARD_MAGIC)
      throw new MixerFormatError(`${path}: not an agentlm shard (bad magic)`);
    if (buf.byteOffset % 8 !== 0) buf = Buffer.from(buf);
    const headerLength = buf.readUInt32LE(8);
    this.header = unpack(buf.subarray(12, 12 + headerLength)) as ShardHeader;
    const dataStart = align8(12 + headerLength);
    const view = <T>(
      key: keyof ShardHeader['sections'],
      Ctor: { new (b: ArrayBufferLike, o: number, n: number): T; BYTES_PER_ELEMENT: number },
    ): T => {
      const [offset, bytes] = this.header.sections[key];
      if (dataStart + offset + bytes > buf.length)
        throw new MixerFormatError(
          `${path}: section ${key} runs past the end of the file (truncated shard?)`,
        );
      return new Ctor(buf.buffer, buf.byteOffset + dataStart + offset, bytes / Ctor.BYTES_PER_ELEMENT);
    };
    this.tokens =
      this.header.tokenDtype === 'uint16' ? view('tokens', Uint16Array) : view('tokens', Int32Array);
    this.lossMask = view('lossMask', Uint8Array);
    this.docOffsets = view('docOffsets', Uint32Array);
    this.docStarts = view('docStarts', Uint32Array);
  }

  /** Sequence `i` of this shard (0-based within the shard). */
  sequence(i: number): PackedSequence {
    const { seqLen: T, stage, stageName, lr, firstSequence } = this.header;
    return {
      index: firstSequence + i,
      stage,
      stageName,
      lr,
      tokens: Int32Array.from(this.tokens.subarray(i * T, (i + 1) * T)),
      lossMask: this.lossMask.slice(i * T, (i + 1) * T),
      docStarts: Int32Array.from(this.docStarts.subarray(this.docOffsets[i], this.docOffsets[i + 1])),
    };
  }

  /** Copies sequence `i`'s tokens and mask into a batch at row offset `at` (no allocation). */
  copyInto(i: number, tokens: Int32Array, lossMask: Uint8Array, at: number): Int32Array {
    const T = this.header.seqLen;
    tokens.set(this.tokens.subarray(i * T, (i + 1) * T), at);
    lossMask.set(this.lossMask.subarray(i * T, (i + 1) * T), at);
    return Int32Array.from(this.docStarts.subarray(this.docOffsets[i], this.docOffsets[i + 1]));
  }
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
