// Write a curriculum with a JSONL source (one line malformed), a chat source and a generator; plan it,
// stream it, stop half way, and resume from the saved state to get exactly the same remaining sequences.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encoderFromTokenizer, loadCurriculum, MixStream, planMix } from '@agentlm/mixer';
import { AGENT_SPECIAL_TOKENS, trainTokenizer } from '@agentlm/tokenizer';

const dir = mkdtempSync(join(tmpdir(), 'mixer-curriculum-'));
const facts = [
  'Water boils at 100 °C at sea level.',
  'A week has seven days.',
  'Bees make honey.',
  'The moon orbits the earth.',
];
writeFileSync(
  join(dir, 'web.jsonl'),
  [...facts.map((text) => JSON.stringify({ text })), '{"text": oops'].join('\n'),
);
const chat = {
  messages: [
    { role: 'user', content: 'What is 6 × 7?' },
    { role: 'assistant', content: '<think>6 × 7 = 42.</think>It is 42.' },
  ],
};
writeFileSync(join(dir, 'chats.jsonl'), `${JSON.stringify(chat)}\n`);
writeFileSync(
  join(dir, 'curriculum.yaml'),
  `seed: 7
sources:
  - { name: web, domain: commonsense, type: jsonl, paths: [web.jsonl] }
  - { name: chats, domain: agent, type: jsonl, format: chat, paths: [chats.jsonl] }
  - { name: stem, domain: stem, type: generator, generator: stem }
stages:
  - { name: general, tokens: 3000, seqLen: 64, lr: warmup, weights: { web: 3, stem: 1 } }
  - { name: agentic, tokens: 3000, seqLen: 128, lr: decay, interpolate: true, weights: { chats: 6, stem: 4 } }
`,
);

const curriculum = loadCurriculum(join(dir, 'curriculum.yaml'));
for (const stage of planMix(curriculum).stages) {
  const parts = stage.sources
    .filter((s) => s.tokens > 0)
    .map((s) => `${s.name} ${(100 * s.startShare).toFixed(0)}→${(100 * s.endShare).toFixed(0)}%`);
  console.log(`plan ${stage.name}: ${stage.sequences} × ${stage.seqLen}, ${parts.join(', ')}`);
}

const tokenizer = await trainTokenizer({
  corpus: { texts: facts },
  vocabSize: 300,
  specialTokens: AGENT_SPECIAL_TOKENS,
});
const encoder = encoderFromTokenizer(tokenizer);

const all: Int32Array[] = [];
const whole = new MixStream(curriculum, encoder);
for (let s = await whole.next(); s; s = await whole.next()) all.push(s.tokens);

const first = new MixStream(curriculum, encoder);
for (let i = 0; i < 40; i++) await first.next();
const state = first.saveState(); // msgpack bytes: store them with the training checkpoint
const resumed = new MixStream(curriculum, encoder, { state });
let same = true;
let k = 40;
for (let s = await resumed.next(); s; s = await resumed.next(), k++)
  same &&= s.tokens.join() === all[k].join();
console.log(
  `${all.length} sequences; resumed after 40 from a ${state.length}-byte state: identical = ${same && k === all.length}`,
);
console.log(
  `skipped malformed lines: ${whole.stats.problemSamples.map((p) => p.replace(dir, '…')).join('; ')}`,
);
