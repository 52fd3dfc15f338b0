import type { Rng } from '../rng.js';
import type { Difficulty, Expected, Observation } from '../types.js';
import type { ExpertScript } from './domain.js';
import { WEATHER } from './toolbox.js';

/** A tool-use task template: which tools it needs, how to make an instance, and how an expert solves it. */
export interface ToolTemplate {
  kind: string;
  difficulty: Difficulty;
  needs: string[];
  make(rng: Rng): {
    prompt: string;
    expected: Expected;
    params: Record<string, unknown>;
    kv?: Record<string, string>;
    secrets: string[];
  };
  solve(p: Record<string, unknown>): ExpertScript;
}

export const NUMBER_REPLY = 'End your reply with a line "Answer: <number>".';
export const CITIES = Object.keys(WEATHER);
export const CONVERSIONS: [string, string][] = [
  ['km', 'mi'],
  ['mi', 'km'],
  ['kg', 'lb'],
  ['lb', 'kg'],
  ['l', 'gal'],
  ['c', 'f'],
  ['f', 'c'],
];
export const KEYS = ['color', 'pet', 'city', 'team', 'fruit', 'project', 'status', 'owner'];
export const VALUES = [
  'blue',
  'green',
  'otter',
  'falcon',
  'mango',
  'apollo',
  'ready',
  'blocked',
  'kim',
  'ravi',
];

/** The parsed JSON of an observation (tool results are JSON). */
export const result = (obs: Observation[], i = 0) =>
  JSON.parse(obs[i]?.content ?? '{}') as Record<string, unknown>;
export const temperatureOf = (obs: Observation[], i = 0) => result(obs, i).temperature_c as number;

export function randomDate(rng: Rng): string {
  return new Date(Date.UTC(rng.int(2020, 2030), rng.int(0, 11), rng.int(1, 28))).toISOString().slice(0, 10);
}

export function twoCities(rng: Rng): [string, string] {
  for (;;) {
    const [a, b] = rng.shuffle(CITIES) as [string, string];
    if (WEATHER[a]?.[0] !== WEATHER[b]?.[0]) return [a, b];
  }
}
