import { PromptError, SamplingOptionError } from './errors.js';
import type { ModelSequence, StepOutput, StepWant, TokenCodec } from './language-model.js';
import { Sampler, type SamplingOptions } from './sampler.js';
import { StepAborted, type Ticket } from './scheduler.js';
import { stepSequence, stepWant } from './step.js';
import { StopMatcher } from './stop.js';
import { TextStream } from './text-stream.js';

/** Options of one generation: sampling plus when to stop. */
export interface GenerateOptions extends SamplingOptions {
  /** Most tokens to generate. Default 256; the context length also bounds it. */
  maxNewTokens?: number;
  /** Stop strings: the text is cut exactly before the first one (it may span tokens). */
  stop?: readonly string[];
  /** Token ids that end the generation; default the model's eos ids. Their text is never emitted. */
  stopTokenIds?: readonly number[];
  /** Aborts between model steps; the generation then ends with finishReason 'abort'. */
  signal?: AbortSignal;
  /**
   * Prompt tokens per prefill step (a step is the unit the scheduler interleaves with the running requests'
   * decode steps). Default the engine's (512).
   */
  prefillChunk?: number;
}

/** `maxNewTokens` when none is given. */
export const DEFAULT_MAX_NEW_TOKENS = 256;

/** Tokens a generation may hold in its sequence in all: the prompt and its new tokens, within the context. */
export function tokensNeeded(promptTokens: number, options: GenerateOptions, contextLength: number): number {
  const wanted = options.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS;
  const maxNew = Number.isInteger(wanted) && wanted > 0 ? wanted : 1;
  return Math.min(promptTokens + maxNew, contextLength);
}

/** One generated token and the text it released (may be '' while UTF-8 bytes or a stop string are pending). */
export interface GeneratedToken {
  id: number;
  text: string;
}

export type FinishReason = 'stop' | 'length' | 'abort';

/** The outcome of a generation, available after the stream ends. */
export interface GenerationResult {
  /** Generated ids, including a final stop id when one ended the generation. */
  ids: number[];
  /** The generated text: exactly the concatenation of the streamed pieces. */
  text: string;
  finishReason: FinishReason;
  /** The stop string or stop id that ended it; null when none did. */
  stoppedBy: string | number | null;
  promptTokens: number;
  completionTokens: number;
  /** The seed the sampler used (random when none was given; pass it back to repeat the run). */
  seed: number;
}

/** Where a generation runs: the sequence to extend, the tokens already in it, and how to decode text. */
export interface GenerationTarget {
  sequence: ModelSequence;
  /** Ids already in the sequence's cache; the generation extends it and keeps it in step. */
  cachedIds: number[];
  vocabSize: number;
  contextLength: number;
  eosTokenIds: readonly number[];
  codec: TokenCodec | null;
  ticket: Ticket;
  /** Prefill chunk when the options give none. */
  prefillChunk: number;
  /** Called once when the generation ends, however it ends (the session's busy flag). */
  onEnd?: () => void;
}

/**
 * A running generation: iterate it for streamed tokens (`for await (const { id, text } of gen)`),
 * or await `result` / `text()` for the whole output. Iterate it at most once.
 */
export class Generation implements AsyncIterable<GeneratedToken> {
  readonly result: Promise<GenerationResult>;
  private readonly stream: AsyncGenerator<GeneratedToken, GenerationResult>;
  private started = false;
  private ended = false;

  constructor(
    private readonly target: GenerationTarget,
    promptIds: readonly number[],
    options: GenerateOptions,
  ) {
    this.stream = run(target, promptIds, options);
    let settle!: (r: GenerationResult) => void;
    let fail!: (e: unknown) => void;
    this.result = new Promise((res, rej) => {
      settle = res;
      fail = rej;
    });
    this.result.catch(() => {}); // a consumer that iterates sees the error there
    this.settle = settle;
    this.fail = fail;
  }

  private readonly settle: (r: GenerationResult) => void;
  private readonly fail: (e: unknown) => void;

  async *[Symbol.asyncIterator](): AsyncGenerator<GeneratedToken, void> {
    if (this.started) throw new SamplingOptionError('generation', 'iterated twice', 'can be iterated once');
    this.started = true;
    try {
      for (;;) {
        const step = await this.stream.next();
        if (step.done) {
          this.settle(step.value);
          return;
        }
        yield step.value;
      }
    } catch (err) {
      this.fail(err);
      throw err;
    } finally {
      // A consumer that breaks out early ends the generation (and frees its scheduler slot).
      await this.stream.return(undefined as never);
      this.end();
    }
  }

  /** Gives up a generation that will not be consumed, freeing its scheduler slot. */
  async cancel(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.end();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.fail(new PromptError('generation was abandoned before it finished'));
    this.target.ticket.release();
    this.target.onEnd?.();
  }

  /** Runs the generation to the end (if nobody iterates it) and returns its result. */
  async complete(): Promise<GenerationResult> {
    if (!this.started) for await (const _ of this) void _;
    return this.result;
  }

  /** The whole generated text. */
  async text(): Promise<string> {
    return (await this.complete()).text;
  }
}

async function* run(
  target: GenerationTarget,
  promptIds: readonly number[],
  options: GenerateOptions,
): AsyncGenerator<GeneratedToken, GenerationResult> {
  const { sequence, cachedIds, ticket } = target;
  const sampler = new Sampler(
    { ...options, logitBias: withUndecodableBanned(options, target) },
    target.vocabSize,
  );
  const maxNewTokens = options.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) {
    throw new SamplingOptionError('maxNewTokens', maxNewTokens, 'must be a positive integer');
  }
  const prefillChunk = options.prefillChunk ?? target.prefillChunk;
  if (!Number.isInteger(prefillChunk) || prefillChunk < 1) {
    throw new SamplingOptionError('prefillChunk', prefillChunk, 'must be a positive integer');
  }
  checkPrompt(promptIds, target);
  const stopIds = new Set(options.stopTokenIds ?? target.eosTokenIds);
  const stops = new StopMatcher(options.stop ?? []);
  if (stops.active && target.codec === null) {
    throw new SamplingOptionError('stop', options.stop, 'needs a tokenizer (the model directory has none)');
  }
  const textStream = target.codec === null ? null : new TextStream(target.codec);
  const budget = Math.min(maxNewTokens, target.contextLength - promptIds.length);
  sampler.observePrompt(promptIds);

  const want = stepWant(sampler);
  const ids: number[] = [];
  let text = '';
  let finishReason: FinishReason = 'length';
  let stoppedBy: string | number | null = null;
  let next: StepOutput | null = await aborting(
    prefill(target, promptIds, prefillChunk, promptIds.length + budget, want),
  );
  while (ids.length < budget) {
    if (next === null || options.signal?.aborted) {
      finishReason = 'abort';
      break;
    }
    const id =
      typeof next === 'number'
        ? next
        : next instanceof Float32Array
          ? sampler.sample(next)
          : sampler.sampleTopK(next);
    sampler.observe(id);
    ids.push(id);
    ticket.generated();
    const last = ids.length === budget;
    let piece = '';
    if (stopIds.has(id)) {
      finishReason = 'stop';
      stoppedBy = id;
      piece = textStream === null ? '' : stops.push(textStream.flush()).text + stops.flush();
    } else if (textStream !== null) {
      const pushed = stops.push(textStream.push(id) + (last ? textStream.flush() : ''));
      piece = pushed.text + (last && !pushed.stopped ? stops.flush() : '');
      if (pushed.stopped) {
        finishReason = 'stop';
        stoppedBy = stops.stoppedBy;
      }
    }
    text += piece;
    yield { id, text: piece };
    if (finishReason === 'stop' || last) break;
    next = await aborting(ticket.decode({ sequence, id, want }));
    if (next !== null) cachedIds.push(id);
  }
  return {
    ids,
    text,
    finishReason,
    stoppedBy,
    promptTokens: promptIds.length,
    completionTokens: ids.length,
    seed: sampler.options.seed,
  };
}

/** A step's output, or null when the request was aborted while the step waited. */
async function aborting(step: Promise<StepOutput>): Promise<StepOutput | null> {
  try {
    return await step;
  } catch (err) {
    if (err instanceof StepAborted) return null;
    throw err;
  }
}

/** The request's logit bias plus a ban on ids the tokenizer has no text for (a model vocab padded past it). */
function withUndecodableBanned(options: GenerateOptions, target: GenerationTarget): Map<number, number> {
  const raw = options.logitBias ?? {};
  const bias = new Map(raw instanceof Map ? raw : Object.entries(raw).map(([k, v]) => [Number(k), v]));
  const textIds = target.codec?.vocabSize ?? target.vocabSize;
  for (let id = textIds; id < target.vocabSize; id++) bias.set(id, Number.NEGATIVE_INFINITY);
  return bias;
}

function checkPrompt(promptIds: readonly number[], target: GenerationTarget): void {
  if (promptIds.length === 0)
    throw new PromptError('the prompt is empty: give at least one token (e.g. BOS)');
  for (const id of promptIds) {
    if (!Number.isInteger(id) || id < 0 || id >= target.vocabSize) {
      throw new PromptError(`prompt token id ${id} is outside the vocabulary [0, ${target.vocabSize})`);
    }
  }
  if (promptIds.length >= target.contextLength) {
    throw new PromptError(
      `the prompt has ${promptIds.length} tokens; the context holds ${target.contextLength}, leaving no room to generate`,
    );
  }
}

/**
 * Brings the sequence to exactly `promptIds`, reusing the longest cached prefix, and returns what the last prompt
 * token's step gives as `want` asks. At least one token is always run; the first chunk first reserves the
 * sequence's room for `tokens` tokens in all.
 */
async function prefill(
  target: GenerationTarget,
  promptIds: readonly number[],
  chunk: number,
  tokens: number,
  want: StepWant,
): Promise<StepOutput> {
  const { sequence, cachedIds, ticket } = target;
  let common = 0;
  const limit = Math.min(cachedIds.length, promptIds.length - 1);
  while (common < limit && cachedIds[common] === promptIds[common]) common++;
  sequence.truncate(common);
  cachedIds.length = common;
  let last: StepOutput | null = null;
  for (let at = common; at < promptIds.length; at += chunk) {
    const piece = promptIds.slice(at, at + chunk);
    const first = at === common;
    last = await ticket.prefill(piece.length, () => {
      if (first) sequence.reserve?.(tokens);
      return stepSequence(sequence, piece, want);
    });
    ticket.prefilled(piece.length);
    for (const id of piece) cachedIds.push(id); // not push(...piece): a long chunk overflows the stack
  }
  return last as StepOutput;
}
