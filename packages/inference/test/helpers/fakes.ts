import type { LanguageModel, ModelSequence, TokenCodec } from '../../src/index.js';

/**
 * A deterministic stand-in for a model: the logits after a sequence are a function of the sequence
 * (so cache reuse mistakes show up as different tokens). With a script, the logits put all weight on
 * the script's next token (cycling), which makes outputs predictable for server and tool-loop tests.
 */
export class FakeModel implements LanguageModel {
  readonly name: string;
  readonly vocabSize: number;
  readonly contextLength: number;
  readonly eosTokenIds: readonly number[];
  /** Every append call, for checking prefix reuse and chunking. */
  readonly calls: number[][] = [];
  script: ((ids: readonly number[]) => number | null) | null;

  constructor(
    opts: {
      vocabSize?: number;
      contextLength?: number;
      eos?: number[];
      name?: string;
      script?: (ids: readonly number[]) => number | null;
    } = {},
  ) {
    this.vocabSize = opts.vocabSize ?? 300;
    this.contextLength = opts.contextLength ?? 4096;
    this.eosTokenIds = opts.eos ?? [257];
    this.name = opts.name ?? 'fake';
    this.script = opts.script ?? null;
  }

  logitsAfter(ids: readonly number[]): Float32Array {
    const out = new Float32Array(this.vocabSize);
    const forced = this.script?.(ids) ?? null;
    if (forced !== null) {
      out.fill(-20);
      out[forced] = 20;
      return out;
    }
    // Pseudo-random logits seeded by a hash of the whole sequence.
    let h = 2166136261;
    for (const id of ids) h = Math.imul(h ^ id, 16777619);
    for (let i = 0; i < out.length; i++) {
      h = Math.imul(h ^ (h >>> 15), 2246822507) ^ i;
      out[i] = ((h >>> 0) / 0xffffffff) * 8 - 4;
    }
    return out;
  }

  newSequence(): ModelSequence {
    const ids: number[] = [];
    const model = this;
    let disposed = false;
    return {
      get length() {
        return ids.length;
      },
      async append(more: readonly number[]) {
        if (disposed) throw new Error('sequence used after dispose');
        model.calls.push([...more]);
        ids.push(...more);
        await new Promise((r) => setImmediate(r));
        return model.logitsAfter(ids);
      },
      truncate(n: number) {
        ids.length = Math.min(ids.length, n);
      },
      dispose() {
        disposed = true;
      },
    };
  }
}

/** Plays back `text` as byte tokens after the prompt, then eos. */
export function scriptText(codec: ByteCodec, promptLength: () => number, text: string, eos = 257) {
  const bytes = codec.encode(text);
  return (ids: readonly number[]) => {
    const k = ids.length - promptLength();
    return k < bytes.length ? (bytes[k] as number) : eos;
  };
}

/** Byte-level codec: ids 0-255 are bytes, 256 = BOS, 257 = EOS (special, no bytes). */
export class ByteCodec implements TokenCodec {
  encode(text: string): number[] {
    return [...new TextEncoder().encode(text)];
  }
  decodeBytes(ids: readonly number[]): Uint8Array {
    return new Uint8Array(ids.filter((id) => id < 256));
  }
  decode(ids: readonly number[]): string {
    return new TextDecoder().decode(this.decodeBytes(ids));
  }
}

/**
 * A script for FakeModel: the prompt is everything up to the last `marker`; the model then writes
 * `respond(prompt)` byte by byte and ends with eos. Different prompts get different answers, so mixed-up
 * streams show.
 */
export function respondAfter(marker: string, respond: (prompt: string) => string, eos = 257) {
  const codec = new ByteCodec();
  const markerBytes = codec.encode(marker);
  return (ids: readonly number[]): number => {
    let start = -1;
    for (let i = ids.length - markerBytes.length; i >= 0 && start < 0; i--) {
      if (markerBytes.every((b, k) => ids[i + k] === b)) start = i + markerBytes.length;
    }
    if (start < 0) return eos;
    const target = codec.encode(respond(codec.decode(ids.slice(0, start))));
    return target[ids.length - start] ?? eos;
  };
}
