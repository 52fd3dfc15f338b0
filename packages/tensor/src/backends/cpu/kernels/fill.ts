import type { RngParams, Storage } from '../../../backend.js';
import { fillRandom } from '../../../rng.js';
import { floats, raw } from '../storage.js';

export function fill(out: Storage, value: number): void {
  raw(out).fill(value);
}

export function rng(out: Storage, p: RngParams): void {
  fillRandom(floats(out), p.kind, p.seedLo, p.seedHi, p.a, p.b);
}
