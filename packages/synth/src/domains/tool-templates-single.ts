import { answerLine, num } from './domain.js';
import {
  CITIES,
  CONVERSIONS,
  KEYS,
  NUMBER_REPLY,
  randomDate,
  result,
  type ToolTemplate,
  temperatureOf,
  VALUES,
} from './tool-template.js';
import { calculate, convert, WEATHER, weekdayOf } from './toolbox.js';

/** Difficulty 1: one tool call answers the question. */
export const SINGLE_CALL_TEMPLATES: ToolTemplate[] = [
  {
    kind: 'weather',
    difficulty: 1,
    needs: ['get_weather'],
    make(rng) {
      const city = rng.pick(CITIES);
      const t = WEATHER[city]?.[0] as number;
      return {
        prompt: `What is the current temperature in ${city} in °C? ${NUMBER_REPLY}`,
        expected: { type: 'numeric', value: t, tolerance: 1e-9 },
        params: { city },
        secrets: [],
      };
    },
    *solve({ city }) {
      const obs = yield {
        phases: {
          analysis: `I need the current temperature of ${city}; get_weather gives it in °C.`,
          plan: [`Call get_weather for ${city}.`, 'Report temperature_c.'],
          action: 'Look up the weather.',
        },
        calls: [{ name: 'get_weather', arguments: { city } }],
      };
      const t = temperatureOf(obs);
      return {
        phases: {
          reflection: `The tool returned temperature_c = ${t} for ${city}, already in °C.`,
          summary: `${city}: ${t} °C.`,
        },
        answer: `It is ${t} °C in ${city}.\n${answerLine(t)}`,
      };
    },
  },
  {
    kind: 'calculator',
    difficulty: 1,
    needs: ['calculator'],
    make(rng) {
      const [a, b, c] = [rng.int(11, 99), rng.int(3, 49), rng.int(2, 30)];
      const expression = rng.chance(0.5) ? `${a} * ${b} + ${c}` : `(${a} + ${b}) * ${c}`;
      const v = calculate(expression);
      return {
        prompt: `Use the calculator to compute ${expression}. ${NUMBER_REPLY}`,
        expected: { type: 'numeric', value: v, tolerance: 1e-9 },
        params: { expression },
        secrets: [num(v)],
      };
    },
    *solve({ expression }) {
      const obs = yield {
        phases: {
          analysis: `Evaluate ${expression} exactly.`,
          plan: ['Send the expression to the calculator.', 'Report the result.'],
          action: 'Call the calculator.',
        },
        calls: [{ name: 'calculator', arguments: { expression } }],
      };
      const v = result(obs).result as number;
      return {
        phases: {
          reflection: `The calculator returned ${num(v)}; the expression was passed unchanged.`,
          summary: `${expression} = ${num(v)}.`,
        },
        answer: `${expression} = ${num(v)}\n${answerLine(num(v))}`,
      };
    },
  },
  {
    kind: 'convert',
    difficulty: 1,
    needs: ['convert_units'],
    make(rng) {
      const [from, to] = rng.pick(CONVERSIONS);
      const value = rng.int(2, 250);
      const v = Number(convert(value, from, to).toFixed(2));
      return {
        prompt: `Convert ${value} ${from} to ${to}, rounded to two decimals. ${NUMBER_REPLY}`,
        expected: { type: 'numeric', value: v, tolerance: 0.011 },
        params: { value, from, to },
        secrets: [num(v)],
      };
    },
    *solve({ value, from, to }) {
      const obs = yield {
        phases: {
          analysis: `Convert ${value} ${from} into ${to}.`,
          plan: ['Call convert_units.', 'Round to two decimals.'],
          action: 'Convert.',
        },
        calls: [{ name: 'convert_units', arguments: { value, from, to } }],
      };
      const v = Number((result(obs).value as number).toFixed(2));
      return {
        phases: {
          reflection: `The tool returned ${result(obs).value} ${to}; rounded that is ${num(v)}.`,
          summary: `${value} ${from} ≈ ${num(v)} ${to}.`,
        },
        answer: `${value} ${from} ≈ ${num(v)} ${to}\n${answerLine(num(v))}`,
      };
    },
  },
  {
    kind: 'weekday',
    difficulty: 1,
    needs: ['day_of_week'],
    make(rng) {
      const date = randomDate(rng);
      return {
        prompt: `What day of the week is ${date}? End your reply with a line "Answer: <weekday>".`,
        expected: { type: 'exact', value: weekdayOf(date) },
        params: { date },
        secrets: [weekdayOf(date)],
      };
    },
    *solve({ date }) {
      const obs = yield {
        phases: {
          analysis: `I need the weekday of ${date}.`,
          plan: ['Call day_of_week.', 'Report it.'],
          action: 'Look up the weekday.',
        },
        calls: [{ name: 'day_of_week', arguments: { date } }],
      };
      const day = result(obs).weekday as string;
      return {
        phases: { reflection: `day_of_week says ${date} is a ${day}.`, summary: `${date} is a ${day}.` },
        answer: `${date} is a ${day}.\n${answerLine(day)}`,
      };
    },
  },
  {
    // Arguments and answer come from small closed vocabularies (keys, values): the family a very small model
    // can learn in minutes, since it needs no copying of arbitrary strings.
    kind: 'kv-lookup',
    difficulty: 1,
    needs: ['kv_get'],
    make(rng) {
      const [key, other] = rng.shuffle(KEYS) as [string, string];
      const value = rng.pick(VALUES);
      return {
        prompt: `What value is stored under the key "${key}"? End your reply with a line "Answer: <value>".`,
        expected: { type: 'exact', value },
        params: { key },
        kv: { [key]: value, [other]: rng.pick(VALUES.filter((v) => v !== value)) },
        secrets: [value],
      };
    },
    *solve({ key }) {
      const obs = yield {
        phases: {
          analysis: `The store holds a value under "${key}"; kv_get reads it.`,
          plan: [`Call kv_get for "${key}".`, 'Report the value.'],
          action: 'Read the key.',
        },
        calls: [{ name: 'kv_get', arguments: { key } }],
      };
      const value = result(obs).value as string;
      return {
        phases: {
          reflection: `kv_get returned "${value}" for "${key}".`,
          summary: `"${key}" holds "${value}".`,
        },
        answer: `"${key}" holds "${value}".\n${answerLine(value)}`,
      };
    },
  },
  {
    kind: 'kv-save',
    difficulty: 1,
    needs: ['kv_set'],
    make(rng) {
      const key = rng.pick(KEYS);
      const value = rng.pick(VALUES);
      return {
        prompt: `Save the value "${value}" under the key "${key}" in the key-value store.`,
        expected: { type: 'tool_state', kv: { [key]: value } },
        params: { key, value },
        secrets: [],
      };
    },
    *solve({ key, value }) {
      yield {
        phases: {
          analysis: `Store "${value}" under "${key}".`,
          plan: ['Call kv_set.', 'Confirm.'],
          action: 'Write the key.',
        },
        calls: [{ name: 'kv_set', arguments: { key, value } }],
      };
      return {
        phases: { reflection: 'kv_set returned ok.', summary: `"${key}" now holds "${value}".` },
        answer: `Saved "${value}" under "${key}".`,
      };
    },
  },
];
