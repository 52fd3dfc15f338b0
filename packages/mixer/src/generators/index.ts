import type { MixDocument } from '../document.js';
import { Rng, seedOf } from '../random.js';
import { agentDocument } from './agent.js';
import { codeDocument } from './code.js';
import { commonsenseDocument } from './commonsense.js';
import { stemDocument } from './stem.js';

/** Makes document `index` from its own RNG, so any document can be regenerated without the ones before it. */
export type DocumentGenerator = (rng: Rng, index: number) => MixDocument;

/** The built-in generators, by the name a curriculum's `generator:` field uses. */
export const builtinGenerators: Record<string, DocumentGenerator> = {
  commonsense: commonsenseDocument,
  stem: stemDocument,
  code: codeDocument,
  agent: agentDocument,
};

/** Document `index` of generator `name` under `seed`: a pure function (used by sources and docs). */
export function generateDocument(
  generator: DocumentGenerator,
  name: string,
  seed: number,
  index: number,
): MixDocument {
  return generator(new Rng(seedOf(seed, name, index)), index);
}
