// Synthesize a small balanced dataset (all four domains, difficulties 1-3) into JSONL shards, read it
// back, and rerun: the rerun finds every id finished and does no work.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTrajectories, synthesize } from '@agentlm/synth';

const out = join(mkdtempSync(join(tmpdir(), 'synth-example-')), 'data');
const report = await synthesize({ out, count: 24, seed: 1 });
console.log(`files: ${readdirSync(out).join(', ')}`);
for (const [domain, d] of Object.entries(report.domains)) {
  console.log(
    `${domain}: kept ${d.kept}, pass rate ${(d.passRate * 100).toFixed(0)}%, mean ${d.tokens.mean} tokens, ${JSON.stringify(d.byDifficulty)}`,
  );
}

const [first] = readTrajectories(out);
console.log(
  `\nfirst record: ${first?.id}, ${first?.messages.length} messages, verdict ${first?.verdict.checker} passed=${first?.verdict.passed}`,
);

const again = await synthesize({ out, count: 24, seed: 1 });
console.log(`rerun: ${again.run.attempted} episodes run, still ${again.kept} kept`);
