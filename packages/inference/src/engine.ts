import { InferenceError, PromptError } from './errors.js';
import { type GenerateOptions, Generation, tokensNeeded } from './generate.js';
import type { LanguageModel, ModelSequence, TokenCodec } from './language-model.js';
import { Scheduler, type SchedulerOptions } from './scheduler.js';
import { decodeAll } from './step.js';

/** How an engine shares its model: continuous batching limits (see Scheduler) and the prefill chunk. */
export interface ServingOptions extends Omit<SchedulerOptions, 'decode' | 'prefillTokens'> {
  /**
   * Prompt tokens per prefill step of a request, and per scheduler iteration across requests (the delay prefill
   * adds to the running requests' next token). Default 512.
   */
  prefillChunk?: number;
}

export interface EngineOptions extends ServingOptions {
  /** Tokenizer for text prompts and decoded text; null for id-only use (a model dir without tokenizer files). */
  tokenizer?: TokenCodec | null;
}

/** A prompt: text (needs a tokenizer) or token ids. */
export type Prompt = string | readonly number[];

/**
 * One loaded model shared by many sessions. Every model step of every session goes through one scheduler:
 * the running generations decode together in one batched step per iteration, prefill chunks interleaved.
 */
export class Engine {
  readonly scheduler: Scheduler;
  readonly tokenizer: TokenCodec | null;
  readonly prefillChunk: number;
  private nextSession = 0;

  constructor(
    readonly model: LanguageModel,
    options: EngineOptions = {},
  ) {
    const { tokenizer = null, prefillChunk, ...scheduling } = options;
    this.tokenizer = tokenizer;
    this.scheduler = new Scheduler({
      ...scheduling,
      prefillTokens: prefillChunk,
      decode: (requests) => decodeAll(model, requests),
    });
    this.prefillChunk = this.scheduler.prefillTokens;
  }

  /** A session keeps its own cache between calls, reusing the common prefix of consecutive prompts. */
  createSession(id?: string): Session {
    return new Session(this, id ?? `session-${this.nextSession++}`);
  }

  /** One-shot generation on a fresh sequence that is freed when the generation ends. */
  generate(prompt: Prompt, options: GenerateOptions & { session?: string } = {}): Generation {
    const session = this.createSession(options.session);
    return session.generate(prompt, options, () => session.dispose());
  }

  /** Token ids of a prompt (text is encoded as-is: no BOS is added). */
  encode(prompt: Prompt): number[] {
    if (typeof prompt !== 'string') return [...prompt];
    if (this.tokenizer === null) {
      throw new PromptError('a text prompt needs a tokenizer; this engine has none (give token ids instead)');
    }
    return this.tokenizer.encode(prompt);
  }

  /** Stops admitting work and resolves when the generations in flight have finished. */
  close(): Promise<void> {
    return this.scheduler.close();
  }
}

/** A conversation's state on the engine: one latent cache sequence, one generation at a time. */
export class Session {
  private sequence: ModelSequence | null = null;
  private readonly cachedIds: number[] = [];
  private busy = false;

  constructor(
    readonly engine: Engine,
    readonly id: string,
  ) {}

  /** Tokens currently held in this session's cache. */
  get cachedTokens(): number {
    return this.cachedIds.length;
  }

  /**
   * Generates a continuation of `prompt` (the whole conversation so far, not just the new turn: the
   * cached common prefix is reused). Throws QueueFullError at once when the engine's queue is full; the
   * generation waits for a running slot (and its cache reservation) otherwise.
   */
  generate(prompt: Prompt, options: GenerateOptions = {}, onEnd?: () => void): Generation {
    if (this.busy) throw new InferenceError(`session ${this.id} is already generating`, 'SESSION_BUSY');
    const promptIds = this.engine.encode(prompt);
    const { model } = this.engine;
    const tokens = tokensNeeded(promptIds.length, options, model.contextLength);
    const ticket = this.engine.scheduler.admit({
      session: this.id,
      cacheBytes: model.cacheBytes?.(tokens) ?? 0,
      signal: options.signal,
    });
    this.busy = true;
    this.sequence ??= model.newSequence();
    return new Generation(
      {
        sequence: this.sequence,
        cachedIds: this.cachedIds,
        vocabSize: model.vocabSize,
        contextLength: model.contextLength,
        eosTokenIds: model.eosTokenIds,
        codec: this.engine.tokenizer,
        ticket,
        prefillChunk: this.engine.prefillChunk,
        onEnd: () => {
          this.busy = false;
          onEnd?.();
        },
      },
      promptIds,
      options,
    );
  }

  /** Forgets the conversation (frees nothing; the cache is reused from position 0). */
  reset(): void {
    this.sequence?.truncate(0);
    this.cachedIds.length = 0;
  }

  /** Frees the cache. */
  dispose(): void {
    this.sequence?.dispose();
    this.sequence = null;
    this.cachedIds.length = 0;
  }
}
