import type { TextDocument } from '../document.js';
import type { Rng } from '../random.js';
import {
  ANIMALS,
  type Animal,
  article,
  CAUSES,
  capitalize,
  MORNING,
  NAMES,
  PLACES,
  possessive,
  THINGS,
  TIMES,
} from './world.js';

/**
 * Commonsense text about a fixed world: animal and object facts, everyday cause-and-effect events,
 * short stories with a problem and its resolution, and question-answer pairs. Each document mixes
 * 3-8 of these paragraphs chosen by the seed.
 */
export function commonsenseDocument(rng: Rng): TextDocument {
  const parts: string[] = [];
  const count = rng.int(3, 8);
  for (let i = 0; i < count; i++) parts.push(rng.pick(KINDS)(rng));
  return { text: parts.join('\n\n') };
}

const KINDS: ((rng: Rng) => string)[] = [animalFacts, thingFacts, dailyEvent, story, questions, comparison];

function animalFacts(rng: Rng): string {
  const a = rng.pick(ANIMALS);
  const facts = [
    `${capitalize(article(a.name))} has ${a.legs} legs.`,
    `${capitalize(a.plural)} live in the ${a.home}.`,
    a.sound === 'nothing'
      ? `${capitalize(article(a.name))} makes no sound.`
      : `${capitalize(article(a.name))} says "${a.sound}".`,
    `${capitalize(a.plural)} eat ${a.food}.`,
    `${capitalize(article(a.name))} is a ${a.size} animal.`,
    `${capitalize(article(a.name))} can ${a.ability}.`,
    `Most ${a.plural} are ${a.color}.`,
  ];
  shuffle(rng, facts);
  return facts.slice(0, rng.int(3, facts.length)).join(' ');
}

function thingFacts(rng: Rng): string {
  const t = rng.pick(THINGS);
  const facts = [
    `${capitalize(article(t.name))} is made of ${t.material}.`,
    `You use ${article(t.name)} to ${t.use}.`,
    `You usually find ${article(t.name)} in the ${t.room}.`,
    `This ${t.name} is ${t.color}.`,
  ];
  shuffle(rng, facts);
  return facts.slice(0, rng.int(2, facts.length)).join(' ');
}

function dailyEvent(rng: Rng): string {
  const [name, pronoun] = rng.pick(NAMES);
  const [cause, effect] = rng.pick(CAUSES);
  const first = rng.pick(MORNING).replace('their', possessive(pronoun));
  const form = rng.int(0, 2);
  if (form === 0)
    return `${name} woke up at ${rng.pick(TIMES)} o'clock and ${first}. Because ${cause}, ${pronoun} ${effect}.`;
  if (form === 1) return `${capitalize(cause)}, so ${name} ${effect}.`;
  return `Why did ${name} decide that ${pronoun} ${effect}? ${capitalize(pronoun)} did it because ${cause}.`;
}

function story(rng: Rng): string {
  const [name, pronoun] = rng.pick(NAMES);
  const [friend] = rng.pick(NAMES.filter(([n]) => n !== name));
  const place = rng.pick(PLACES);
  const animal = rng.pick(ANIMALS);
  const [cause, effect] = rng.pick(CAUSES);
  const thing = rng.pick(THINGS);
  return [
    `One day ${name} and ${friend} went to the ${place}.`,
    `There they saw ${article(animal.name)} that ${animal.sound === 'nothing' ? 'sat very still' : `said "${animal.sound}"`}.`,
    `${capitalize(pronoun)} wanted to give it some ${animal.food}, because ${animal.plural} eat ${animal.food}.`,
    `Later ${cause}, so ${name} ${effect}.`,
    `When they got home, ${friend} used ${article(thing.name)} to ${thing.use}.`,
    `It was a good day, and ${name} told everyone about the ${animal.name}.`,
  ].join(' ');
}

function questions(rng: Rng): string {
  const a = rng.pick(ANIMALS);
  const t = rng.pick(THINGS);
  const qa: [string, string][] = [
    [`How many legs does ${article(a.name)} have?`, `${capitalize(article(a.name))} has ${a.legs} legs.`],
    [`Where do ${a.plural} live?`, `${capitalize(a.plural)} live in the ${a.home}.`],
    [`What do ${a.plural} eat?`, `They eat ${a.food}.`],
    [`What is ${article(t.name)} made of?`, `It is made of ${t.material}.`],
    [`What do you use ${article(t.name)} for?`, `You use it to ${t.use}.`],
  ];
  shuffle(rng, qa);
  return qa
    .slice(0, rng.int(1, 3))
    .map(([q, ans]) => `Q: ${q}\nA: ${ans}`)
    .join('\n');
}

const SIZE_RANK = { small: 0, medium: 1, large: 2 } as const;

function comparison(rng: Rng): string {
  const a = rng.pick(ANIMALS);
  const b = rng.pick(ANIMALS.filter((x) => x !== a));
  const legs =
    a.legs === b.legs
      ? `${capitalize(a.plural)} and ${b.plural} have the same number of legs.`
      : `${capitalize(article(more(a, b, 'legs').name))} has more legs than ${article(less(a, b, 'legs').name)}.`;
  const size =
    SIZE_RANK[a.size] === SIZE_RANK[b.size]
      ? `${capitalize(article(a.name))} and ${article(b.name)} are about the same size.`
      : `${capitalize(article((SIZE_RANK[a.size] > SIZE_RANK[b.size] ? a : b).name))} is bigger than ${article((SIZE_RANK[a.size] > SIZE_RANK[b.size] ? b : a).name)}.`;
  return `${legs} ${size}`;
}

function more(a: Animal, b: Animal, key: 'legs'): Animal {
  return a[key] > b[key] ? a : b;
}

function less(a: Animal, b: Animal, key: 'legs'): Animal {
  return a[key] > b[key] ? b : a;
}

export function shuffle<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
