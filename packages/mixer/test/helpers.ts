import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  byteEncoder,
  type CurriculumInput,
  MixStream,
  type MixStreamOptions,
  type PackedSequence,
  parseCurriculum,
} from '../src/index.js';

export const encoder = byteEncoder();

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'agentlm-mixer-'));
}

export function curriculum(input: CurriculumInput) {
  return parseCurriculum(input, 'test');
}

/** Runs a stream to its end (or `limit` sequences) and returns every sequence. */
export async function drain(stream: MixStream, limit = Number.POSITIVE_INFINITY): Promise<PackedSequence[]> {
  const out: PackedSequence[] = [];
  while (out.length < limit) {
    const s = await stream.next();
    if (!s) break;
    out.push(s);
  }
  return out;
}

export function streamOf(input: CurriculumInput, options: MixStreamOptions = {}): MixStream {
  return new MixStream(curriculum(input), encoder, options);
}

/** Every token of a list of sequences, concatenated, as a plain array. */
export function flatTokens(seqs: PackedSequence[]): number[] {
  return seqs.flatMap((s) => Array.from(s.tokens));
}
