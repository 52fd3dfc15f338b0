/**
 * `pnpm bench youtu-2b`: only the full 32-layer 2B cases of `pnpm bench inference` (bf16, q8 and q4 on CPU:
 * TTFT, prefill, decode against the read-bandwidth bound, peak resident memory), for when the rest is not needed.
 */
import { readBandwidth } from '../read-bandwidth.js';
import type { BenchCase } from '../result.js';
import { youtu2bCases } from '../youtu-2b.js';

export async function run(
  log: (line: string) => void,
): Promise<{ cases: BenchCase[]; machine?: Record<string, unknown> }> {
  const cases = await youtu2bCases(log);
  return { cases, machine: { read_gbps_all_cores: Number(((await readBandwidth()) / 1e9).toFixed(2)) } };
}
