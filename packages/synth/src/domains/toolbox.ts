import { toolSpec } from '../schema.js';
import type { ToolSpec } from '../types.js';
import { ToolFailure } from './domain.js';

/**
 * Deterministic simulated APIs of the tool-use domain: specs (JSON schema) and handlers. Browser-safe
 * (no Node built-ins): `@agentlm/synth/toolbox` exports them for the chat tools of a trained checkpoint.
 */

/** The part of the environment the toolbox reads and writes: the key-value store. */
export interface ToolboxState {
  kv: Record<string, string>;
}

/** A toolbox API: schema-checked arguments in, a JSON-compatible result out; throws `ToolFailure` for a user error. */
export type ToolboxHandler = (args: Record<string, unknown>, state: ToolboxState) => unknown;

/** Arithmetic on + − * / ^ and parentheses, parsed by recursive descent (never `eval`). */
export function calculate(expression: string): number {
  const tokens = expression.match(/\d+(?:\.\d+)?|[-+*/^()]|\S/g) ?? [];
  let at = 0;
  const peek = () => tokens[at];
  const take = () => tokens[at++];
  const primary = (): number => {
    const t = take();
    if (t === '(') {
      const v = sum();
      if (take() !== ')') throw new ToolFailure(`expected ")" in ${JSON.stringify(expression)}`);
      return v;
    }
    if (t === '-') return -primary();
    if (t !== undefined && /^\d/.test(t)) return Number(t);
    throw new ToolFailure(
      `unexpected ${t === undefined ? 'end' : JSON.stringify(t)} in ${JSON.stringify(expression)}`,
    );
  };
  const power = (): number => {
    const base = primary();
    if (peek() !== '^') return base;
    take();
    return base ** power();
  };
  const product = (): number => {
    let v = power();
    while (peek() === '*' || peek() === '/') v = take() === '*' ? v * power() : v / power();
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (peek() === '+' || peek() === '-') v = take() === '+' ? v + product() : v - product();
    return v;
  };
  const value = sum();
  if (at !== tokens.length)
    throw new ToolFailure(`unexpected ${JSON.stringify(tokens[at])} in ${JSON.stringify(expression)}`);
  if (!Number.isFinite(value)) throw new ToolFailure(`${JSON.stringify(expression)} is not a finite number`);
  return Number(value.toFixed(10));
}

/** Factors to a base unit per dimension; temperature is handled separately. */
const UNITS: Record<string, [string, number]> = {
  m: ['length', 1],
  km: ['length', 1000],
  mi: ['length', 1609.344],
  ft: ['length', 0.3048],
  g: ['mass', 1],
  kg: ['mass', 1000],
  lb: ['mass', 453.59237],
  oz: ['mass', 28.349523125],
  l: ['volume', 1],
  ml: ['volume', 0.001],
  gal: ['volume', 3.785411784],
};
const UNIT_NAMES = [...Object.keys(UNITS), 'c', 'f'];

export function convert(value: number, from: string, to: string): number {
  if (from === 'c' || from === 'f' || to === 'c' || to === 'f') {
    if (!['c', 'f'].includes(from) || !['c', 'f'].includes(to))
      throw new ToolFailure(`cannot convert ${from} to ${to}`);
    const celsius = from === 'c' ? value : ((value - 32) * 5) / 9;
    return Number((to === 'c' ? celsius : (celsius * 9) / 5 + 32).toFixed(4));
  }
  const [dimFrom, factorFrom] = UNITS[from] as [string, number];
  const [dimTo, factorTo] = UNITS[to] as [string, number];
  if (dimFrom !== dimTo) throw new ToolFailure(`cannot convert ${dimFrom} (${from}) to ${dimTo} (${to})`);
  return Number(((value * factorFrom) / factorTo).toFixed(4));
}

/** The fixed weather table: temperature °C, condition, humidity %. */
export const WEATHER: Record<string, [number, string, number]> = {
  Lisbon: [19, 'sunny', 55],
  Oslo: [4, 'snow', 80],
  Cairo: [31, 'clear', 20],
  Lima: [17, 'overcast', 78],
  Tokyo: [14, 'rain', 85],
  Nairobi: [23, 'cloudy', 60],
  Toronto: [-3, 'windy', 65],
  Sydney: [26, 'sunny', 50],
  Mumbai: [33, 'humid', 88],
  Reykjavik: [1, 'sleet', 90],
  Denver: [9, 'clear', 30],
  Hanoi: [28, 'storm', 92],
};

export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function parseDate(date: string): Date {
  const d = new Date(`${date}T00:00:00Z`);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(date) ||
    Number.isNaN(d.getTime()) ||
    d.toISOString().slice(0, 10) !== date
  ) {
    throw new ToolFailure(`${JSON.stringify(date)} is not a valid YYYY-MM-DD date`);
  }
  return d;
}

export const weekdayOf = (date: string) => WEEKDAYS[parseDate(date).getUTCDay()] as string;
export const addDays = (date: string, days: number) =>
  new Date(parseDate(date).getTime() + days * 86_400_000).toISOString().slice(0, 10);

type Row = Record<string, string | number>;
export const TABLES: Record<string, Row[]> = {
  employees: [
    ['Ada', 'engineering', 120, 'Lisbon'],
    ['Bo', 'engineering', 95, 'Oslo'],
    ['Cy', 'sales', 70, 'Lima'],
    ['Di', 'sales', 82, 'Cairo'],
    ['Ed', 'support', 55, 'Tokyo'],
    ['Flo', 'engineering', 134, 'Denver'],
    ['Gus', 'support', 61, 'Hanoi'],
    ['Hal', 'marketing', 77, 'Sydney'],
    ['Ivy', 'marketing', 88, 'Oslo'],
    ['Jo', 'sales', 64, 'Mumbai'],
  ].map(([name, department, salary, city]) => ({ name, department, salary, city }) as Row),
  products: [
    ['lamp', 'home', 35, 12],
    ['sofa', 'home', 480, 3],
    ['rug', 'home', 120, 7],
    ['kettle', 'kitchen', 45, 20],
    ['blender', 'kitchen', 89, 9],
    ['knife set', 'kitchen', 150, 4],
    ['tent', 'outdoor', 210, 5],
    ['lantern', 'outdoor', 28, 30],
    ['backpack', 'outdoor', 95, 11],
  ].map(([name, category, price, stock]) => ({ name, category, price, stock }) as Row),
};

export function queryTable(args: {
  table: string;
  where?: Record<string, string | number>;
  order_by?: string;
  descending?: boolean;
  limit?: number;
}): Row[] {
  const rows = TABLES[args.table] as Row[];
  const columns = Object.keys(rows[0] as Row);
  for (const column of [...Object.keys(args.where ?? {}), ...(args.order_by ? [args.order_by] : [])]) {
    if (!columns.includes(column))
      throw new ToolFailure(
        `table ${args.table} has no column ${JSON.stringify(column)} (columns: ${columns.join(', ')})`,
      );
  }
  let out = rows.filter((r) => Object.entries(args.where ?? {}).every(([k, v]) => r[k] === v));
  if (args.order_by) {
    const key = args.order_by;
    out = out
      .slice()
      .sort(
        (a, b) =>
          ((a[key] as number) < (b[key] as number) ? -1 : (a[key] as number) > (b[key] as number) ? 1 : 0) *
          (args.descending ? -1 : 1),
      );
  }
  return out.slice(0, args.limit ?? out.length);
}

const str = (description: string, extra: Record<string, unknown> = {}) => ({
  type: 'string',
  description,
  ...extra,
});
const date = str('date as YYYY-MM-DD', { pattern: '^\\d{4}-\\d{2}-\\d{2}$' });

export const TOOL_SPECS: Record<string, ToolSpec> = {
  calculator: toolSpec('calculator', 'Evaluate an arithmetic expression with + - * / ^ and parentheses.', {
    expression: str('e.g. "(3 + 4) * 2"'),
  }),
  convert_units: toolSpec(
    'convert_units',
    'Convert a value between units of length, mass, volume or temperature.',
    {
      value: { type: 'number' },
      from: str('source unit', { enum: UNIT_NAMES }),
      to: str('target unit', { enum: UNIT_NAMES }),
    },
  ),
  get_weather: toolSpec(
    'get_weather',
    'Current weather of a city: temperature in °C, condition and humidity.',
    { city: str('city name, e.g. "Lisbon"') },
  ),
  day_of_week: toolSpec('day_of_week', 'The weekday of a date.', { date }),
  add_days: toolSpec('add_days', 'The date a number of days after (or before, if negative) a date.', {
    date,
    days: { type: 'integer' },
  }),
  query_table: toolSpec(
    'query_table',
    'Select rows of a table (employees: name, department, salary, city; products: name, category, price, stock).',
    {
      table: str('table name', { enum: Object.keys(TABLES) }),
      where: {
        type: 'object',
        description: 'equality filters, column → value',
        additionalProperties: { type: ['string', 'number'] },
      },
      order_by: str('column to sort by'),
      descending: { type: 'boolean' },
      limit: { type: 'integer', minimum: 1 },
    },
    ['table'],
  ),
  kv_get: toolSpec('kv_get', 'Read the value stored under a key.', { key: str('key') }),
  kv_set: toolSpec('kv_set', 'Store a string value under a key (overwrites).', {
    key: str('key'),
    value: str('value'),
  }),
  kv_delete: toolSpec('kv_delete', 'Delete a key.', { key: str('key') }),
};

export const TOOL_HANDLERS: Record<string, ToolboxHandler> = {
  calculator: (a) => ({ result: calculate(a.expression as string) }),
  convert_units: (a) => ({ value: convert(a.value as number, a.from as string, a.to as string), unit: a.to }),
  get_weather: (a) => {
    const city = Object.keys(WEATHER).find((c) => c.toLowerCase() === String(a.city).trim().toLowerCase());
    if (!city) throw new ToolFailure(`unknown city ${JSON.stringify(a.city)}`);
    const [temperature_c, condition, humidity] = WEATHER[city] as [number, string, number];
    return { city, temperature_c, condition, humidity };
  },
  day_of_week: (a) => ({ date: a.date, weekday: weekdayOf(a.date as string) }),
  add_days: (a) => ({ date: addDays(a.date as string, a.days as number) }),
  query_table: (a) => ({ rows: queryTable(a as Parameters<typeof queryTable>[0]) }),
  kv_get: (a, s) => {
    const key = a.key as string;
    if (!(key in s.kv)) throw new ToolFailure(`no value under key ${JSON.stringify(key)}`);
    return { key, value: s.kv[key] };
  },
  kv_set: (a, s) => {
    s.kv[a.key as string] = a.value as string;
    return { ok: true };
  },
  kv_delete: (a, s) => {
    const key = a.key as string;
    const existed = key in s.kv;
    delete s.kv[key];
    return { ok: existed };
  },
};
