import { InferenceError, PromptError } from './errors.js';
import { type GenerateOptions, Generation } from './generate.js';
import type { LanguageModel, ModelSequence, TokenCodec } from './language-model.js';
import { Scheduler } from './scheduler.js';

export interface EngineOptions {
  /** Tokenizer for text prompts and decoded text; null for id-only use (a model dir without tokenizer files). */
  tokenizer?: TokenCodec | null;
  /** Most requests admitted at once (running or waiting) before QueueFullError. Default 64. */
  maxRequests?: number;
}

/** A prompt: text (needs a tokenizer) or token ids. */
export type Prompt = string | readonly number[];

/**
 * One loaded model shared by many sessions. Every model step of every session goes through one
 * scheduler, so concurrent generations interleave fairly (round-robin across sessions).
 */
export class Engine {
  readonly scheduler: Scheduler;
  readonly tokenizer: TokenCodec | null;
  private nextSession = 0;

  constructor(
    readonly model: LanguageModel,
    options: EngineOptions = {},
  ) {
    this.tokenizer = options.tokenizer ?? null;
    this.scheduler = new Scheduler({ maxRequests: options.maxRequests });
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
   * cached common prefix is reused). Throws QueueFullError at once when the engine is saturated.
   */
  generate(prompt: Prompt, options: GenerateOptions = {}, onEnd?: () => void): Generation {
    if (this.busy) throw new InferenceError(`session ${this.id} is already generating`, 'SESSION_BUSY');
    const promptIds = this.engine.encode(prompt);
    const ticket = this.engine.scheduler.admit(this.id);
    this.busy = true;
    this.sequence ??= this.engine.model.newSequence();
    const { model } = this.engine;
    return new Generation(
      {
        sequence: this.sequence,
        cachedIds: this.cachedIds,
        vocabSize: model.vocabSize,
        contextLength: model.contextLength,
        eosTokenIds: model.eosTokenIds,
        codec: this.engine.tokenizer,
        ticket,
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
