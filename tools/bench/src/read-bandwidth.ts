import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * The machine's memory read bandwidth in bytes per second, on every core: each of `threads` workers compares its
 * share of two identical buffers with `Buffer.compare` (libc's memcmp: vectorised, reads both operands, writes
 * nothing), over buffers far larger than the caches. Best of `rounds`. The decode bound of a weight-streaming
 * model is its weight bytes per token divided by this.
 */
export async function readBandwidth(
  opts: { bytes?: number; threads?: number; rounds?: number } = {},
): Promise<number> {
  const half = opts.bytes ?? 512 * 2 ** 20;
  const threads = opts.threads ?? availableParallelism();
  const rounds = opts.rounds ?? 3;
  const shared = new SharedArrayBuffer(2 * half);
  new Uint8Array(shared).fill(7); // touch every page: untouched pages all map the one zero page
  const part = Math.floor(half / threads);
  // an async function and import(): the source runs as CommonJS or as a module, whichever the process defaults to
  const source = `(async () => {
const { parentPort, workerData: { shared, half, from, length, rounds } } = await import('node:worker_threads');
const a = Buffer.from(shared, from, length);
const b = Buffer.from(shared, half + from, length);
parentPort.on('message', () => {
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) if (Buffer.compare(a, b) !== 0) throw new Error('halves differ');
  parentPort.postMessage(Number(process.hrtime.bigint() - t0) / 1e9 / rounds);
});
})();`;
  const workers = Array.from(
    { length: threads },
    (_, i) =>
      new Worker(source, {
        eval: true,
        workerData: { shared, half, from: i * part, length: part, rounds: 1 },
      }),
  );
  try {
    let best = 0;
    for (let r = 0; r < rounds + 1; r++) {
      const seconds = await Promise.all(
        workers.map((w) => new Promise<number>((resolve) => w.once('message', resolve).postMessage(null))),
      );
      // the first round warms the workers up
      if (r > 0) best = Math.max(best, (2 * part * threads) / Math.max(...seconds));
    }
    return best;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
