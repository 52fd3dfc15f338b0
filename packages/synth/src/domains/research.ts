import type { Rng } from '../rng.js';
import { toolSpec } from '../schema.js';
import type { Observation, Task } from '../types.js';
import { answerLine, type DomainModule, type ExpertScript, ToolFailure, type ToolHandler } from './domain.js';

/** A document of the per-task collection the `search` and `open` tools work over. */
interface Doc {
  id: string;
  title: string;
  text: string;
}

/** One hop: from an entity's document, the sentence pattern that names the next entity. */
const HOPS = {
  product: { relation: 'maker', pattern: /made by ([A-Z][a-z]+ [A-Z][a-z]+)/ },
  company: { relation: 'founder', pattern: /founded in \d+ by ([A-Z][a-z]+ [A-Z][a-z]+)/ },
  person: { relation: 'birthplace', pattern: /born in ([A-Z][a-z]+)/ },
} as const;
type Hop = keyof typeof HOPS;

export const SEARCH = toolSpec(
  'search',
  'Search the document collection; returns the best matching doc ids, titles and snippets.',
  {
    query: { type: 'string', minLength: 1 },
  },
);
export const OPEN = toolSpec('open', 'Open a document by id and return its full text.', {
  doc_id: { type: 'string', pattern: '^d\\d+$' },
});

const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ra',
  'to',
  'ven',
  'zor',
  'dal',
  'fi',
  'nu',
  'pe',
  'sha',
  'tor',
  'vi',
  'bel',
  'gri',
  'mon',
  'sel',
  'quin',
  'har',
];
const SUFFIXES = ['Labs', 'Works', 'Motors', 'Foods', 'Systems', 'Textiles'];
const KINDS = ['kettle', 'drone', 'bicycle', 'camera', 'synthesizer', 'lamp', 'tractor', 'watch'];
const JOBS = ['chemist', 'engineer', 'designer', 'merchant', 'inventor', 'architect'];

const article = (noun: string) => `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;

function word(rng: Rng, used: Set<string>): string {
  for (;;) {
    const w = Array.from({ length: rng.int(2, 3) }, () => rng.pick(SYLLABLES)).join('');
    const cap = w[0]?.toUpperCase() + w.slice(1);
    if (!used.has(cap)) {
      used.add(cap);
      return cap;
    }
  }
}

/** Builds the collection: the answer chain, near-miss distractors for each entity, and unrelated filler. */
function buildWorld(rng: Rng, hops: number) {
  const used = new Set<string>();
  const docs: Omit<Doc, 'id'>[] = [];
  const person = (name: string) => {
    const [born, moved] = [word(rng, used), word(rng, used)];
    docs.push({
      title: name,
      text: `${name} is ${article(rng.pick(JOBS))}. ${name.split(' ')[0]} was born in ${born} and later moved to ${moved}.`,
    });
    return born;
  };
  const company = (name: string, founder: string) =>
    docs.push({
      title: name,
      text: `${name} is a company founded in ${rng.int(1890, 2015)} by ${founder}. It is headquartered in ${word(rng, used)}.`,
    });
  const product = (name: string, maker: string) =>
    docs.push({
      title: name,
      text: `${name} is ${article(rng.pick(KINDS))} made by ${maker}, first sold in ${rng.int(1950, 2024)}.`,
    });

  const founder = `${word(rng, used)} ${word(rng, used)}`;
  const [suffix, otherSuffix] = rng.shuffle(SUFFIXES) as [string, string];
  const stem = word(rng, used);
  const maker = `${stem} ${suffix}`;
  const productName = `${word(rng, used)} ${rng.int(2, 9)}00`;
  const birthplace = person(founder);
  company(maker, founder);
  product(productName, maker);
  // Distractors: a company sharing the first word, a person sharing the family name, another product.
  const rival = `${word(rng, used)} ${founder.split(' ')[1]}`;
  person(rival);
  company(`${stem} ${otherSuffix}`, rival);
  product(
    `${productName.split(' ')[0]} ${rng.pick(['Mini', 'Pro', 'Max', 'Lite'])}`,
    `${stem} ${otherSuffix}`,
  );
  const collection: Doc[] = rng.shuffle(docs).map((d, i) => ({ id: `d${i + 1}`, ...d }));
  const chain: Hop[] = (['product', 'company', 'person'] as Hop[]).slice(3 - hops);
  const start = { product: productName, company: maker, person: founder }[chain[0] as Hop];
  const answer = { product: maker, company: founder, person: birthplace }[chain.at(-1) as Hop];
  return { docs: collection, chain, start, answer };
}

function question(chain: Hop[], start: string): string {
  const phrase: Record<Hop, (x: string) => string> = {
    product: (x) => `the company that makes ${x}`,
    company: (x) => `the founder of ${x}`,
    person: (x) => `the birthplace of ${x}`,
  };
  const subject = chain.reduce((x, hop) => phrase[hop](x), start);
  return `Using the search and open tools, find ${subject}. End your reply with a line "Answer: <name>".`;
}

const docsOf = (state: { task: Task }) => state.task.world.docs as Doc[];
const words = (text: string) => text.toLowerCase().match(/[a-z0-9]+/g) ?? [];

export const researchHandlers: Record<string, ToolHandler> = {
  search: ({ query }, state) => {
    const terms = new Set(words(query as string));
    const scored = docsOf(state)
      .map((d) => ({
        d,
        score:
          words(d.title).filter((w) => terms.has(w)).length * 3 +
          words(d.text).filter((w) => terms.has(w)).length,
      }))
      .filter((s) => s.score > 0)
      .sort((a, b) => b.score - a.score || a.d.id.localeCompare(b.d.id))
      .slice(0, 3);
    return {
      results: scored.map(({ d }) => ({ doc_id: d.id, title: d.title, snippet: `${d.text.slice(0, 48)}…` })),
    };
  },
  open: ({ doc_id }, state) => {
    const doc = docsOf(state).find((d) => d.id === doc_id);
    if (!doc) throw new ToolFailure(`no document ${JSON.stringify(doc_id)}`);
    return { doc_id: doc.id, title: doc.title, text: doc.text };
  },
};

const parse = (obs: Observation[]) => JSON.parse(obs[0]?.content ?? '{}') as Record<string, unknown>;

function* solveResearch(task: Task, mistake: boolean): ExpertScript {
  const chain = task.world.chain as Hop[];
  let entity = task.world.start as string;
  let slipped = !mistake;
  let reflection = '';
  for (const [i, hop] of chain.entries()) {
    const phases =
      i === 0
        ? {
            analysis: `This is a ${chain.length}-hop question starting from "${entity}": ${chain.map((h) => HOPS[h].relation).join(' → ')}.`,
            plan: [
              ...chain.map((h) => `Find the ${HOPS[h].relation} via search and open.`),
              'Answer with the last entity.',
            ],
            action: `Search for ${entity}.`,
          }
        : { reflection, action: `Search for ${entity}.` };
    const hits = (parse(yield { phases, calls: [{ name: 'search', arguments: { query: entity } }] })
      .results ?? []) as { doc_id: string; title: string }[];
    const right = hits.find((h) => h.title === entity);
    const near = hits.find((h) => h.title !== entity);
    if (!slipped && near) {
      // A realistic slip: open a near-miss result first, notice the title differs, go back.
      slipped = true;
      const wrong = parse(
        yield {
          phases: { action: `Open ${near.doc_id}.` },
          calls: [{ name: 'open', arguments: { doc_id: near.doc_id } }],
        },
      );
      reflection = `${near.doc_id} is about ${wrong.title}, not ${entity}: a distractor. The right result is ${right?.doc_id ?? 'another one'}.`;
    }
    if (!right)
      return {
        phases: { reflection: `No document titled ${entity}.`, summary: 'Not found.' },
        answer: 'I could not find it.',
      };
    const text = parse(
      yield {
        phases:
          reflection && i === 0
            ? { reflection, action: `Open ${right.doc_id}.` }
            : { action: `Open ${right.doc_id}.` },
        calls: [{ name: 'open', arguments: { doc_id: right.doc_id } }],
      },
    ).text as string;
    const next = HOPS[hop].pattern.exec(text)?.[1];
    if (!next)
      return {
        phases: {
          reflection: `${right.doc_id} does not name the ${HOPS[hop].relation}.`,
          summary: 'Not found.',
        },
        answer: 'I could not find it.',
      };
    reflection = `${right.doc_id} says the ${HOPS[hop].relation} of ${entity} is ${next}.`;
    entity = next;
  }
  return {
    phases: {
      reflection: `${reflection} Each hop came from the document whose title matched exactly, so distractors were avoided.`,
      summary: `The answer is ${entity}.`,
    },
    answer: `${entity}.\n${answerLine(entity)}`,
  };
}

export const research: DomainModule = {
  domain: 'research',
  kinds: ['1-hop', '2-hop', '3-hop'],
  generate(rng, difficulty) {
    const world = buildWorld(rng, difficulty);
    return {
      kind: `${difficulty}-hop`,
      prompt: question(world.chain, world.start),
      tools: [SEARCH, OPEN],
      expected: { type: 'exact', value: world.answer },
      world: { docs: world.docs, chain: world.chain, start: world.start },
      secrets: [world.answer],
    };
  },
  expert(task, options) {
    return solveResearch(task, options.mistake);
  },
};
