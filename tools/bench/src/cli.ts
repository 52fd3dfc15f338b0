import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BenchCase, describeMachine, formatTable, toReport, writeFileAtomic } from './result.js';

/** A benchmark module under benches/ exports `run`, which measures ours and the peers in the same process. */
export interface Benchmark {
  run(log: (line: string) => void): Promise<{ cases: BenchCase[]; machine?: Record<string, unknown> }>;
}

const here = dirname(fileURLToPath(import.meta.url));
const benchesDir = join(here, 'benches');
const available = readdirSync(benchesDir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .sort();

const name = process.argv[2];
if (!name || !available.includes(name)) {
  console.error(`usage: pnpm bench <name>   (available: ${available.join(', ') || 'none'})`);
  process.exit(2);
}
const bench = (await import(pathToFileURL(join(benchesDir, `${name}.ts`)).href)) as Benchmark;
const { cases, machine } = await bench.run((line) => console.log(line));
const report = toReport(cases, describeMachine(machine));
const root = resolve(here, '../../..');
const out = join(root, 'bench-results', `${name}.json`);
writeFileAtomic(out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\n${formatTable(report.results)}\n\nwrote ${out}`);
