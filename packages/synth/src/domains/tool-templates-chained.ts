import { answerLine, num } from './domain.js';
import {
  CITIES,
  KEYS,
  NUMBER_REPLY,
  randomDate,
  result,
  type ToolTemplate,
  temperatureOf,
  twoCities,
  VALUES,
} from './tool-template.js';
import { addDays, convert, TABLES, WEATHER, weekdayOf } from './toolbox.js';

/** Difficulty 2 and 3: two to four chained calls, the later ones using earlier results. */
export const CHAINED_TEMPLATES: ToolTemplate[] = [
  {
    kind: 'weather-compare',
    difficulty: 2,
    needs: ['get_weather'],
    make(rng) {
      const [a, b] = twoCities(rng);
      const warmer = (WEATHER[a]?.[0] as number) > (WEATHER[b]?.[0] as number) ? a : b;
      return {
        prompt: `Which city is warmer right now, ${a} or ${b}? End your reply with a line "Answer: <city>".`,
        expected: { type: 'exact', value: warmer },
        params: { a, b },
        secrets: [],
      };
    },
    *solve({ a, b }) {
      const obs = yield {
        phases: {
          analysis: `Compare the current temperatures of ${a} and ${b}.`,
          plan: ['Get the weather of both cities (two calls at once).', 'Compare temperature_c.'],
          action: 'Look up both cities.',
        },
        calls: [
          { name: 'get_weather', arguments: { city: a } },
          { name: 'get_weather', arguments: { city: b } },
        ],
      };
      const [ta, tb] = [temperatureOf(obs, 0), temperatureOf(obs, 1)];
      const warmer = (ta > tb ? a : b) as string;
      return {
        phases: {
          reflection: `${a}: ${ta} °C, ${b}: ${tb} °C, so ${warmer} is warmer.`,
          summary: `${warmer} is warmer.`,
        },
        answer: `${warmer} is warmer (${a} ${ta} °C, ${b} ${tb} °C).\n${answerLine(warmer)}`,
      };
    },
  },
  {
    kind: 'weather-fahrenheit',
    difficulty: 2,
    needs: ['get_weather', 'convert_units'],
    make(rng) {
      const city = rng.pick(CITIES);
      const f = convert(WEATHER[city]?.[0] as number, 'c', 'f');
      return {
        prompt: `What is the current temperature in ${city} in °F? ${NUMBER_REPLY}`,
        expected: { type: 'numeric', value: f, tolerance: 0.1 },
        params: { city },
        secrets: [],
      };
    },
    *solve({ city }) {
      let obs = yield {
        phases: {
          analysis: `get_weather reports °C, but °F is asked for ${city}.`,
          plan: ['Get the weather.', 'Convert °C to °F.'],
          action: 'Look up the weather.',
        },
        calls: [{ name: 'get_weather', arguments: { city } }],
      };
      const t = temperatureOf(obs);
      obs = yield {
        phases: { action: `Convert ${t} °C to °F.` },
        calls: [{ name: 'convert_units', arguments: { value: t, from: 'c', to: 'f' } }],
      };
      const f = result(obs).value as number;
      return {
        phases: {
          reflection: `${t} °C × 9/5 + 32 = ${num(f)}, matching the tool.`,
          summary: `${city}: ${num(f)} °F.`,
        },
        answer: `It is ${num(f)} °F in ${city}.\n${answerLine(num(f))}`,
      };
    },
  },
  {
    kind: 'weekday-after',
    difficulty: 2,
    needs: ['add_days', 'day_of_week'],
    make(rng) {
      const date = randomDate(rng);
      const days = rng.int(3, 400);
      const day = weekdayOf(addDays(date, days));
      return {
        prompt: `What day of the week is it ${days} days after ${date}? End your reply with a line "Answer: <weekday>".`,
        expected: { type: 'exact', value: day },
        params: { date, days },
        secrets: [day],
      };
    },
    *solve({ date, days }) {
      let obs = yield {
        phases: {
          analysis: `Find the date ${days} days after ${date}, then its weekday.`,
          plan: ['add_days.', 'day_of_week on the result.'],
          action: 'Shift the date.',
        },
        calls: [{ name: 'add_days', arguments: { date, days } }],
      };
      const target = result(obs).date as string;
      obs = yield {
        phases: { action: `Weekday of ${target}.` },
        calls: [{ name: 'day_of_week', arguments: { date: target } }],
      };
      const day = result(obs).weekday as string;
      return {
        phases: { reflection: `${days} days after ${date} is ${target}, a ${day}.`, summary: `${day}.` },
        answer: `${target} is a ${day}.\n${answerLine(day)}`,
      };
    },
  },
  {
    kind: 'department-salary',
    difficulty: 2,
    needs: ['query_table', 'calculator'],
    make(rng) {
      const department = rng.pick(['engineering', 'sales', 'support', 'marketing']);
      const total = (TABLES.employees ?? [])
        .filter((r) => r.department === department)
        .reduce((s, r) => s + (r.salary as number), 0);
      return {
        prompt: `What is the total salary (in k$) of the ${department} department in the employees table? ${NUMBER_REPLY}`,
        expected: { type: 'numeric', value: total, tolerance: 1e-9 },
        params: { department },
        secrets: [String(total)],
      };
    },
    *solve({ department }) {
      let obs = yield {
        phases: {
          analysis: `Sum the salaries of the ${department} employees.`,
          plan: ['Query the employees of the department.', 'Add their salaries with the calculator.'],
          action: 'Query the table.',
        },
        calls: [{ name: 'query_table', arguments: { table: 'employees', where: { department } } }],
      };
      const salaries = (result(obs).rows as { salary: number }[]).map((r) => r.salary);
      obs = yield {
        phases: { action: `Add ${salaries.length} salaries.` },
        calls: [{ name: 'calculator', arguments: { expression: salaries.join(' + ') } }],
      };
      const total = result(obs).result as number;
      return {
        phases: {
          reflection: `${salaries.length} rows, sum ${total}.`,
          summary: `${department}: ${total} k$.`,
        },
        answer: `The ${department} department earns ${total} k$ in total.\n${answerLine(total)}`,
      };
    },
  },
  {
    kind: 'kv-increment',
    difficulty: 2,
    needs: ['kv_get', 'calculator', 'kv_set'],
    make(rng) {
      const start = rng.int(10, 500);
      const add = rng.int(2, 99);
      return {
        prompt: `The key-value store holds a count under "visits". Add ${add} to it and store the new count under the same key.`,
        expected: { type: 'tool_state', kv: { visits: String(start + add) } },
        params: { add },
        kv: { visits: String(start), [rng.pick(KEYS)]: rng.pick(VALUES) },
        secrets: [String(start), String(start + add)],
      };
    },
    *solve({ add }) {
      let obs = yield {
        phases: {
          analysis: `Read "visits", add ${add}, write it back.`,
          plan: ['kv_get visits.', `Add ${add}.`, 'kv_set visits.'],
          action: 'Read the count.',
        },
        calls: [{ name: 'kv_get', arguments: { key: 'visits' } }],
      };
      const start = result(obs).value as string;
      obs = yield {
        phases: { action: `${start} + ${add}.` },
        calls: [{ name: 'calculator', arguments: { expression: `${start} + ${add}` } }],
      };
      const next = String(result(obs).result);
      yield {
        phases: { action: `Store ${next}.` },
        calls: [{ name: 'kv_set', arguments: { key: 'visits', value: next } }],
      };
      return {
        phases: {
          reflection: `visits went from ${start} to ${next}; kv_set returned ok.`,
          summary: `visits = ${next}.`,
        },
        answer: `Updated "visits" from ${start} to ${next}.`,
      };
    },
  },
  {
    kind: 'top-product',
    difficulty: 3,
    needs: ['query_table', 'kv_set'],
    make(rng) {
      const category = rng.pick(['home', 'kitchen', 'outdoor']);
      const top = (TABLES.products ?? [])
        .filter((r) => r.category === category)
        .sort((a, b) => (b.price as number) - (a.price as number))[0];
      return {
        prompt: `Find the most expensive product in the ${category} category and store its name under the key "top_${category}".`,
        expected: { type: 'tool_state', kv: { [`top_${category}`]: top?.name as string } },
        params: { category },
        secrets: [top?.name as string],
      };
    },
    *solve({ category }) {
      const obs = yield {
        phases: {
          analysis: `The ${category} product with the highest price, saved under top_${category}.`,
          plan: ['Query products of the category ordered by price, descending, limit 1.', 'kv_set its name.'],
          action: 'Query the table.',
        },
        calls: [
          {
            name: 'query_table',
            arguments: {
              table: 'products',
              where: { category },
              order_by: 'price',
              descending: true,
              limit: 1,
            },
          },
        ],
      };
      const top = (result(obs).rows as { name: string; price: number }[])[0];
      yield {
        phases: { action: `Store "${top?.name}".` },
        calls: [{ name: 'kv_set', arguments: { key: `top_${category}`, value: top?.name } }],
      };
      return {
        phases: {
          reflection: `The query sorted by price descending returned ${top?.name} at ${top?.price}; it is stored.`,
          summary: `top_${category} = ${top?.name}.`,
        },
        answer: `Stored "${top?.name}" (price ${top?.price}) under "top_${category}".`,
      };
    },
  },
  {
    kind: 'trip-return-day',
    difficulty: 3,
    needs: ['add_days', 'day_of_week', 'kv_set'],
    make(rng) {
      const date = randomDate(rng);
      const days = rng.int(2, 60);
      const key = rng.pick(['return_day', 'back_on', 'trip_end']);
      const day = weekdayOf(addDays(date, days));
      return {
        prompt: `A trip starts on ${date} and ends ${days} days later. Store the weekday the trip ends on under the key "${key}".`,
        expected: { type: 'tool_state', kv: { [key]: day } },
        params: { date, days, key },
        secrets: [day],
      };
    },
    *solve({ date, days, key }) {
      let obs = yield {
        phases: {
          analysis: `The end date is ${days} days after ${date}; its weekday goes under "${key}".`,
          plan: ['add_days to get the end date.', 'day_of_week of the end date.', `kv_set ${key}.`],
          action: 'Compute the end date.',
        },
        calls: [{ name: 'add_days', arguments: { date, days } }],
      };
      const end = result(obs).date as string;
      obs = yield {
        phases: { reflection: `The trip ends on ${end}.`, action: `Weekday of ${end}.` },
        calls: [{ name: 'day_of_week', arguments: { date: end } }],
      };
      const day = result(obs).weekday as string;
      yield {
        phases: { action: `Store ${day}.` },
        calls: [{ name: 'kv_set', arguments: { key, value: day } }],
      };
      return {
        phases: { reflection: `${end} is a ${day}; kv_set confirmed.`, summary: `${key} = ${day}.` },
        answer: `The trip ends on ${day}, ${end}; saved under "${key}".`,
      };
    },
  },
  {
    kind: 'warmer-city-note',
    difficulty: 3,
    needs: ['get_weather', 'convert_units', 'kv_set'],
    make(rng) {
      const [a, b] = twoCities(rng);
      const warmer = (WEATHER[a]?.[0] as number) > (WEATHER[b]?.[0] as number) ? a : b;
      return {
        prompt: `Check the weather in ${a} and ${b}. Store the warmer city's name under the key "warmer" and tell me its temperature in °F.`,
        expected: { type: 'tool_state', kv: { warmer } },
        params: { a, b },
        secrets: [],
      };
    },
    *solve({ a, b }) {
      let obs = yield {
        phases: {
          analysis: `Compare ${a} and ${b}, save the warmer one, report its °F.`,
          plan: ['Weather of both cities.', 'Convert the warmer temperature to °F.', 'kv_set warmer.'],
          action: 'Look up both cities.',
        },
        calls: [
          { name: 'get_weather', arguments: { city: a } },
          { name: 'get_weather', arguments: { city: b } },
        ],
      };
      const [ta, tb] = [temperatureOf(obs, 0), temperatureOf(obs, 1)];
      const [warmer, t] = ta > tb ? [a, ta] : [b, tb];
      obs = yield {
        phases: {
          reflection: `${a} ${ta} °C vs ${b} ${tb} °C: ${warmer} is warmer.`,
          action: 'Convert and store.',
        },
        calls: [
          { name: 'convert_units', arguments: { value: t, from: 'c', to: 'f' } },
          { name: 'kv_set', arguments: { key: 'warmer', value: warmer } },
        ],
      };
      const f = result(obs, 0).value as number;
      return {
        phases: {
          reflection: `${t} °C is ${num(f)} °F and the store confirmed the write.`,
          summary: `warmer = ${warmer}, ${num(f)} °F.`,
        },
        answer: `${warmer} is warmer at ${num(f)} °F; saved under "warmer".`,
      };
    },
  },
];
