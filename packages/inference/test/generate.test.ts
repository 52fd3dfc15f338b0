import { describe, expect, it } from 'vitest';
import {
  argmax,
  Engine,
  type LanguageModel,
  type ModelSequence,
  PromptError,
  QueueFullError,
  SamplingOptionError,
} from '../src/index.js';
import { ByteCodec, FakeModel } from './helpers/fakes.js';

const codec = new ByteCodec();

describe('generate', () => {
  it('same seed gives the same tokens; the result equals the stream', async () => {
    const engine = new Engine(new FakeModel(), { tokenizer: codec });
    const run = async (seed: number) => {
      const gen = engine.generate([256, 65], { seed, maxNewTokens: 30, topK: 50, stopTokenIds: [] });
      const streamed: number[] = [];
      for await (const t of gen) streamed.push(t.id);
      const r = await gen.result;
      expect(r.ids).toEqual(streamed);
      return r;
    };
    const a = await run(11);
    expect((await run(11)).ids).toEqual(a.ids);
    expect((await run(12)).ids).not.toEqual(a.ids);
    expect(a).toMatchObject({ finishReason: 'length', promptTokens: 2, completionTokens: 30, seed: 11 });
  });

  it('streamed text equals the non-streamed decode, never splitting a UTF-8 character', async () => {
    const text = 'héllo wörld — 你好 🙂!';
    const bytes = codec.encode(text);
    const model = new FakeModel({
      script: (ids) => (ids.length - 1 < bytes.length ? bytes[ids.length - 1]! : 257),
    });
    const engine = new Engine(model, { tokenizer: codec });
    const gen = engine.generate([256], { temperature: 0, maxNewTokens: 100 });
    const pieces: string[] = [];
    for await (const t of gen) pieces.push(t.text);
    const r = await gen.result;
    expect(pieces.join('')).toBe(text);
    expect(r.text).toBe(codec.decode(r.ids));
    for (const p of pieces) expect(p).not.toContain('\uFFFD');
    expect(r.finishReason).toBe('stop');
    expect(r.stoppedBy).toBe(257);
    expect(r.ids.at(-1)).toBe(257);
    // The non-streamed path gives the same text.
    expect(await engine.generate([256], { temperature: 0, maxNewTokens: 100 }).text()).toBe(text);
  });

  it('stop strings cut exactly, also across tokens, in the stream and the result', async () => {
    const text = 'The answer is 42.\nUser: more';
    const bytes = codec.encode(text);
    const model = new FakeModel({ script: (ids) => bytes[ids.length - 1] ?? 257 });
    const engine = new Engine(model, { tokenizer: codec });
    const gen = engine.generate([256], { temperature: 0, stop: ['\nUser:', 'zzz'] });
    let streamed = '';
    for await (const t of gen) streamed += t.text;
    const r = await gen.result;
    expect(streamed).toBe('The answer is 42.');
    expect(r).toMatchObject({ text: 'The answer is 42.', finishReason: 'stop', stoppedBy: '\nUser:' });
    // Generation stopped at the token that completed the stop string.
    expect(r.ids.length).toBe('The answer is 42.\nUser:'.length);
  });

  it('max tokens flushes held-back text; the context length bounds generation', async () => {
    const bytes = codec.encode('abc ST');
    const model = new FakeModel({ script: (ids) => bytes[ids.length - 1] ?? 65, contextLength: 5 });
    const engine = new Engine(model, { tokenizer: codec });
    const r = await engine.generate([256], { temperature: 0, stop: ['STOP'], maxNewTokens: 100 }).complete();
    expect(r.text).toBe('abc ');
    expect(r.finishReason).toBe('length');
    const model2 = new FakeModel({ script: (ids) => bytes[ids.length - 1] ?? 65 });
    const r2 = await new Engine(model2, { tokenizer: codec })
      .generate([256], { temperature: 0, stop: ['STOP'], maxNewTokens: 6 })
      .complete();
    expect(r2.text).toBe('abc ST');
  });

  it('a session reuses the cached prefix and keeps its cache in step', async () => {
    const model = new FakeModel();
    const engine = new Engine(model, { tokenizer: codec, maxBatch: 4 });
    const session = engine.createSession();
    const first = await session
      .generate([256, 1, 2, 3], { seed: 1, maxNewTokens: 3, stopTokenIds: [] })
      .complete();
    expect(session.cachedTokens).toBe(4 + 2); // the last sampled token is never fed
    model.calls.length = 0;
    const prompt2 = [256, 1, 2, 3, ...first.ids, 9, 9];
    const second = await session.generate(prompt2, { seed: 2, maxNewTokens: 2, stopTokenIds: [] }).complete();
    expect(model.calls[0]).toEqual([first.ids[2], 9, 9]);
    // Same result as a fresh engine without any cache.
    const fresh = await new Engine(new FakeModel())
      .generate(prompt2, { seed: 2, maxNewTokens: 2, stopTokenIds: [] })
      .complete();
    expect(second.ids).toEqual(fresh.ids);
    // A prompt that is entirely cached still produces logits (the last token is re-run).
    model.calls.length = 0;
    await session.generate(prompt2.slice(0, 5), { seed: 2, maxNewTokens: 1 }).complete();
    expect(model.calls[0]).toEqual([prompt2[4]]);
  });

  it('chunks a long prefill into scheduler steps', async () => {
    const model = new FakeModel();
    const prompt = Array.from({ length: 10 }, (_, i) => i);
    await new Engine(model).generate(prompt, { prefillChunk: 4, maxNewTokens: 1 }).complete();
    expect(model.calls.map((c) => c.length)).toEqual([4, 4, 2]);
  });

  it('fairness: a short request streams its tokens while a long prompt is still prefilling', async () => {
    const model = new FakeModel();
    const engine = new Engine(model, { prefillChunk: 16 });
    const long = engine.generate(
      Array.from({ length: 400 }, (_, i) => i % 250),
      { maxNewTokens: 2, stopTokenIds: [] },
    );
    const longDone = long.complete();
    await new Promise((r) => setImmediate(r));
    const events: string[] = [];
    const short = (async () => {
      for await (const _ of engine.generate([1, 2], { maxNewTokens: 6, stopTokenIds: [] }))
        events.push('short');
    })();
    await Promise.all([short, longDone.then(() => events.push('long done'))]);
    // All six short tokens came while the long prompt (25 chunks of 16) was prefilled between them.
    expect(events).toEqual([...Array(6).fill('short'), 'long done']);
    expect(model.calls.filter((c) => c.length === 16)).toHaveLength(25);
  });

  it('rejects bad prompts and options with clear errors', async () => {
    const engine = new Engine(new FakeModel({ contextLength: 8 }));
    await expect(engine.generate([]).complete()).rejects.toThrow(PromptError);
    await expect(engine.generate([1, 999]).complete()).rejects.toThrow(/999 is outside the vocabulary/);
    await expect(engine.generate(new Array(8).fill(1)).complete()).rejects.toThrow(/context holds 8/);
    await expect(engine.generate([1], { maxNewTokens: 0 }).complete()).rejects.toThrow(SamplingOptionError);
    expect(() => engine.generate('text')).toThrow(/needs a tokenizer/);
    await expect(engine.generate([1], { stop: ['x'] }).complete()).rejects.toThrow(/stop needs a tokenizer/);
    // Failed generations freed their scheduler slots.
    expect(engine.scheduler.activeRequests).toBe(0);
  });

  it('frees the slot when a consumer breaks out early, and refuses work beyond maxBatch + maxWaiting', async () => {
    const engine = new Engine(new FakeModel(), { maxBatch: 1, maxWaiting: 0 });
    const gen = engine.generate([1], { maxNewTokens: 50, stopTokenIds: [] });
    expect(() => engine.generate([1])).toThrow(QueueFullError);
    for await (const _ of gen) break;
    expect(engine.scheduler.activeRequests).toBe(0);
    await expect(gen.result).rejects.toThrow(/abandoned/);
    const unused = engine.generate([1]);
    await unused.cancel();
    expect(engine.scheduler.activeRequests).toBe(0);
  });

  it('stops between steps when aborted', async () => {
    const ac = new AbortController();
    const engine = new Engine(new FakeModel());
    const gen = engine.generate([1], { maxNewTokens: 100, stopTokenIds: [], signal: ac.signal });
    let n = 0;
    for await (const _ of gen) if (++n === 3) ac.abort();
    const r = await gen.result;
    expect(r.finishReason).toBe('abort');
    expect(r.ids.length).toBe(3);
  });

  it('plain greedy picks through appendGreedy (same tokens as the host argmax); penalties need the full logits', async () => {
    const fake = new FakeModel();
    const picks: number[][] = [];
    // The fake's sequences plus a greedy pick that records its calls (a stand-in for the device argmax).
    const withGreedy: LanguageModel = {
      ...fake,
      newSequence(): ModelSequence {
        const seq = fake.newSequence();
        return Object.assign(seq, {
          async appendGreedy(ids: readonly number[]) {
            picks.push([...ids]);
            return argmax(await seq.append(ids));
          },
        });
      },
    };
    const options = { temperature: 0, maxNewTokens: 8, stopTokenIds: [] };
    const host = await new Engine(fake).generate([256, 65], options).complete();
    const device = await new Engine(withGreedy).generate([256, 65], options).complete();
    expect(device.ids).toEqual(host.ids);
    expect(picks).toEqual([[256, 65], ...host.ids.slice(0, -1).map((id) => [id])]);
    picks.length = 0;
    const penalised = { ...options, repetitionPenalty: 1.3 };
    const hostPenalised = await new Engine(fake).generate([256, 65], penalised).complete();
    expect((await new Engine(withGreedy).generate([256, 65], penalised).complete()).ids).toEqual(
      hostPenalised.ids,
    );
    expect(picks).toEqual([]);
  });
});
