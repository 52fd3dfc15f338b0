import type { MixDataset } from '../dataset.js';
import { AtomicFileWriter, bytesOf } from './atomic.js';

/** Megatron-LM dtype codes (megatron/core/datasets/indexed_dataset.py `DType`). */
const DTYPE_UINT16 = 8;
const DTYPE_INT32 = 4;
const INDEX_MAGIC = Buffer.from('MMIDIDX\x00\x00', 'latin1');

/**
 * Writes a mix as a Megatron-LM indexed dataset (`<prefix>.bin` + `<prefix>.idx`, format "MMIDIDX"
 * version 1), one item per document (its tokens and EOS), in stream order, like `preprocess_data.py
 * --append-eod`. Loss masks have no place in this format; use the shards for chat data.
 *
 *   .bin  the tokens of every document back to back, uint16 LE when vocab < 65500, else int32 LE
 *   .idx  9 bytes  "MMIDIDX\0\0"
 *         uint64 LE version = 1
 *         uint8     dtype code (8 = uint16, 4 = int32)
 *         uint64 LE sequence count N (documents)
 *         uint64 LE document count D = N + 1
 *         int32 LE × N   sequence lengths in tokens
 *         int64 LE × N   byte offset of each sequence in .bin
 *         int64 LE × D   document indices 0, 1, …, N (each document is one sequence)
 *
 * A final document cut off by the end of the run is written as far as it got.
 */
export function exportMegatron(dataset: MixDataset, prefix: string): { documents: number; tokens: number } {
  const narrow = dataset.index.vocabSize < 65500;
  const bin = new AtomicFileWriter(`${prefix}.bin`);
  const lengths: number[] = [];
  let current: number[] = [];
  const flush = () => {
    if (current.length === 0) return;
    bin.write(bytesOf(narrow ? Uint16Array.from(current) : Int32Array.from(current)));
    lengths.push(current.length);
    current = [];
  };
  let tokens = 0;
  for (let i = 0; i < dataset.length; i++) {
    const s = dataset.get(i);
    let d = 0;
    for (let k = 0; k < s.tokens.length; k++) {
      if (d < s.docStarts.length && s.docStarts[d] === k) {
        flush();
        d++;
      }
      current.push(s.tokens[k]);
    }
    tokens += s.tokens.length;
  }
  flush();
  bin.commit();

  const n = lengths.length;
  const header = Buffer.alloc(9 + 8 + 1 + 8 + 8);
  INDEX_MAGIC.copy(header, 0);
  header.writeBigUInt64LE(1n, 9);
  header.writeUInt8(narrow ? DTYPE_UINT16 : DTYPE_INT32, 17);
  header.writeBigUInt64LE(BigInt(n), 18);
  header.writeBigUInt64LE(BigInt(n + 1), 26);
  const pointers = new BigInt64Array(n);
  let offset = 0n;
  const itemSize = narrow ? 2n : 4n;
  for (let i = 0; i < n; i++) {
    pointers[i] = offset;
    offset += BigInt(lengths[i]) * itemSize;
  }
  const idx = new AtomicFileWriter(`${prefix}.idx`);
  idx.write(header);
  idx.write(bytesOf(Int32Array.from(lengths)));
  idx.write(bytesOf(pointers));
  idx.write(bytesOf(BigInt64Array.from({ length: n + 1 }, (_, i) => BigInt(i))));
  idx.commit();
  return { documents: n, tokens };
}

/** Reads a Megatron index back (used by tests and `mix inspect`): dtype, lengths and pointers. */
export function readMegatronIndex(bytes: Uint8Array): {
  dtype: number;
  lengths: Int32Array;
  pointers: BigInt64Array;
  documentIndices: BigInt64Array;
} {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!buf.subarray(0, 9).equals(INDEX_MAGIC)) throw new Error('not an MMIDIDX index');
  const dtype = buf.readUInt8(17);
  const n = Number(buf.readBigUInt64LE(18));
  const d = Number(buf.readBigUInt64LE(26));
  const copy = Uint8Array.prototype.slice.call(buf, 34);
  return {
    dtype,
    lengths: new Int32Array(copy.buffer, 0, n),
    pointers: new BigInt64Array(copy.buffer.slice(n * 4, n * 12)),
    documentIndices: new BigInt64Array(copy.buffer.slice(n * 12, n * 12 + d * 8)),
  };
}
