import { pack, unpack } from 'msgpackr';
import { Cleaner, type DedupState, emptyCounts, type FilterCounts, type QualityFilter } from './clean.js';
import type { Curriculum } from './config.js';
import { documentText, type MixDocument } from './document.js';
import type { MixerEncoder } from './encoder.js';
import { MixerFormatError, MixerSourceError } from './errors.js';
import type { DocumentGenerator } from './generators/index.js';
import { PackBuffer } from './pack.js';
import { type MixPlan, planMix, sharesAt } from './plan.js';
import { hashString32, Rng, seedOf } from './random.js';
import type { PackedSequence } from './shard.js';
import { cleansByDefault, openSource } from './sources/open.js';
import type { SourcePosition, SourceReader } from './sources/source.js';

/** Counts a run accumulates; part of the state, so a resumed run reports the whole run. */
export interface MixStats {
  /** Tokens delivered in emitted sequences, [stage][source]. */
  delivered: number[][];
  /** Documents started, [stage][source]. */
  documents: number[][];
  filters: FilterCounts[];
  /** Malformed lines/rows skipped (`onError: skip`), per source, and the first few messages. */
  problems: number[];
  problemSamples: string[];
  /** Restarts of cycled sources and drop-outs of stopped ones: `stage`, `source`, what happened. */
  events: { stage: number; source: string; event: 'cycled' | 'stopped' | 'stage-ended-early' }[];
  /** Tokens per source in 100 equal slices of the planned run, for the mixture chart. */
  timeline: number[][];
}

interface SourceState {
  position: SourcePosition;
  stopped: boolean;
  keptThisEpoch: number;
  /** Tokens and documents appended so far, for the mean document length that turns token shares into draw odds. */
  tokens: number;
  documents: number;
}

/** Everything needed to continue a stream exactly; `MixStream.saveState()` packs it with msgpackr. */
export interface MixState {
  version: 1;
  fingerprint: number;
  stage: number;
  sequenceInStage: number;
  sequence: number;
  rng: number[];
  sources: SourceState[];
  buffer: ReturnType<PackBuffer['state']>;
  dedup: DedupState;
  stats: MixStats;
}

export interface MixStreamOptions {
  /** Custom generators by the name a source's `generator:` field uses. */
  generators?: Record<string, DocumentGenerator>;
  qualityFilter?: QualityFilter;
  /** A state from `saveState()` to resume from. */
  state?: Uint8Array;
}

const TIMELINE_SLICES = 100;
const PROBLEM_SAMPLES = 20;

/**
 * The mixed stream: picks a source per document by the stage's weights (seeded RNG), cleans and
 * tokenizes it, appends it and an EOS to the pack buffer, and cuts fixed-length sequences. The
 * sequence of `next()` results is a pure function of curriculum, seed, encoder and data.
 */
export class MixStream {
  readonly plan: MixPlan;
  private readonly readers: SourceReader[];
  private readonly cleansSource: boolean[];
  private readonly cleaner: Cleaner;
  private readonly buffer: PackBuffer;
  private rng: Rng;
  private stage = 0;
  private sequenceInStage = 0;
  private sequence = 0;
  private sources: SourceState[];
  readonly stats: MixStats;
  private readonly fingerprint: number;

  constructor(
    readonly curriculum: Curriculum,
    readonly encoder: MixerEncoder,
    options: MixStreamOptions = {},
  ) {
    const c = curriculum;
    this.plan = planMix(c);
    this.fingerprint = fingerprintOf(c, encoder);
    this.readers = c.sources.map((s) =>
      openSource(c, s, options.generators ?? {}, (source, message) => this.onProblem(source, message)),
    );
    this.cleansSource = c.sources.map(cleansByDefault);
    const state = options.state ? this.decodeState(options.state) : null;
    this.cleaner = new Cleaner(c.cleaning, options.qualityFilter, state?.dedup);
    this.buffer = new PackBuffer(encoder.eosId, state?.buffer);
    this.rng = new Rng(state?.rng ?? seedOf(c.seed, 'mixer'));
    this.sources =
      state?.sources ??
      c.sources.map(() => ({
        position: { epoch: 0, file: 0, offset: 0, line: 1 },
        stopped: false,
        keptThisEpoch: 0,
        tokens: 0,
        documents: 0,
      }));
    for (const [i, s] of this.sources.entries()) this.readers[i].seek(s.position);
    this.stats = state?.stats ?? {
      delivered: c.stages.map(() => c.sources.map(() => 0)),
      documents: c.stages.map(() => c.sources.map(() => 0)),
      filters: c.sources.map(emptyCounts),
      problems: c.sources.map(() => 0),
      problemSamples: [],
      events: [],
      timeline: Array.from({ length: TIMELINE_SLICES }, () => c.sources.map(() => 0)),
    };
    if (state) {
      this.stage = state.stage;
      this.sequenceInStage = state.sequenceInStage;
      this.sequence = state.sequence;
    }
  }

  /** The next packed sequence, or null when the last stage is complete (or every source stopped). */
  async next(): Promise<PackedSequence | null> {
    const c = this.curriculum;
    while (this.stage < c.stages.length) {
      const { seqLen } = c.stages[this.stage];
      if (this.sequenceInStage >= this.plan.stages[this.stage].sequences) {
        this.advanceStage();
        continue;
      }
      while (this.buffer.length < seqLen) {
        if (!(await this.appendDocument(seqLen))) break;
      }
      if (this.buffer.length < seqLen) {
        this.stats.events.push({ stage: this.stage, source: '*', event: 'stage-ended-early' });
        this.advanceStage();
        continue;
      }
      return this.emit(seqLen);
    }
    return null;
  }

  /** Packs the exact position (stage, sources, RNG, pending tokens, dedup indexes, counts) with msgpackr. */
  saveState(): Uint8Array {
    const state: MixState = {
      version: 1,
      fingerprint: this.fingerprint,
      stage: this.stage,
      sequenceInStage: this.sequenceInStage,
      sequence: this.sequence,
      rng: this.rng.state,
      sources: this.sources.map((s, i) => ({ ...s, position: this.readers[i].position() })),
      buffer: this.buffer.state(),
      dedup: this.cleaner.state(),
      stats: this.stats,
    };
    return pack(state);
  }

  /** Index of the stage the next sequence belongs to (`stages.length` when done). */
  get currentStage(): number {
    return this.stage;
  }

  get sequencesEmitted(): number {
    return this.sequence;
  }

  private advanceStage(): void {
    this.stage++;
    this.sequenceInStage = 0;
  }

  private emit(seqLen: number): PackedSequence {
    const st = this.curriculum.stages[this.stage];
    const { tokens, lossMask, docStarts, sources } = this.buffer.take(seqLen);
    const delivered = this.stats.delivered[this.stage];
    const slice = Math.min(
      TIMELINE_SLICES - 1,
      Math.floor(
        ((this.tokensBefore() + this.sequenceInStage * seqLen) / this.plan.totalTokens) * TIMELINE_SLICES,
      ),
    );
    const timeline = this.stats.timeline[slice];
    for (let k = 0; k < sources.length; k++) {
      delivered[sources[k]]++;
      timeline[sources[k]]++;
    }
    const seq: PackedSequence = {
      index: this.sequence,
      stage: this.stage,
      stageName: st.name,
      lr: st.lr,
      tokens,
      lossMask,
      docStarts,
    };
    this.sequence++;
    this.sequenceInStage++;
    return seq;
  }

  private tokensBefore(): number {
    let t = 0;
    for (let s = 0; s < this.stage; s++) t += this.plan.stages[s].tokens;
    return t;
  }

  /** Draws a source, reads, cleans and encodes one document into the buffer; false when no source is left. */
  private async appendDocument(seqLen: number): Promise<boolean> {
    const c = this.curriculum;
    const stagePlan = this.plan.stages[this.stage];
    for (;;) {
      const progress = (this.sequenceInStage * seqLen + this.buffer.length) / stagePlan.tokens;
      const odds = this.drawOdds(
        sharesAt(
          c,
          this.stage,
          progress,
          this.sources.map((s) => !s.stopped),
        ),
      );
      const i = pickIndex(odds, this.rng.next());
      if (i < 0) return false;
      const item = await this.readers[i].next();
      if (!item) {
        this.exhausted(i);
        continue;
      }
      const filters = this.stats.filters[i];
      filters.seen++;
      if (item.unverified) {
        filters.unverified++;
        continue;
      }
      const text = this.cleansSource[i] ? documentText(item.doc) : null;
      if (text !== null) {
        const source = c.sources[i];
        const reason = this.cleaner.check(text, hashString32(item.where, i), {
          source: source.name,
          domain: source.domain,
          where: item.where,
        });
        if (reason) {
          filters[reason]++;
          continue;
        }
      }
      filters.kept++;
      this.sources[i].keptThisEpoch++;
      this.stats.documents[this.stage][i]++;
      const before = this.buffer.length;
      this.appendEncoded(item.doc, i);
      this.sources[i].tokens += this.buffer.length - before;
      this.sources[i].documents++;
      return true;
    }
  }

  /**
   * Weights are shares of *tokens*; a source with documents twice as long must be drawn half as often.
   * Odds = share / mean document length so far (sources not yet seen get the mean of those seen).
   */
  private drawOdds(shares: Float64Array): Float64Array {
    let tokens = 0;
    let documents = 0;
    for (const s of this.sources) {
      tokens += s.tokens;
      documents += s.documents;
    }
    const fallback = documents > 0 ? tokens / documents : 1;
    const odds = shares.map((share, i) => {
      const s = this.sources[i];
      return share / (s.documents > 0 ? s.tokens / s.documents : fallback);
    });
    const total = odds.reduce((a, b) => a + b, 0);
    return total > 0 ? odds.map((o) => o / total) : odds;
  }

  private appendEncoded(doc: MixDocument, source: number): void {
    if ('text' in doc) this.buffer.append(this.encoder.encode(doc.text), null, source, false);
    else if ('messages' in doc) {
      const chat = this.encoder.encodeChat(doc.messages, doc.tools);
      this.buffer.append(
        chat.ids,
        chat.lossMask,
        source,
        chat.ids[chat.ids.length - 1] === this.encoder.eosId,
      );
    } else this.buffer.append(doc.ids, doc.lossMask ?? null, source, doc.endsWithEos === true);
  }

  /** A source ran dry: restart it (`cycle`) or drop it from the mix (`stop`). */
  private exhausted(i: number): void {
    const s = this.sources[i];
    const config = this.curriculum.sources[i];
    if (config.onExhausted === 'stop') {
      s.stopped = true;
      this.stats.events.push({ stage: this.stage, source: config.name, event: 'stopped' });
      return;
    }
    if (s.keptThisEpoch === 0) {
      throw new MixerSourceError(
        `source "${config.name}"${'paths' in config ? ` (${config.paths.join(', ')})` : ''} has no usable documents (all ${this.stats.filters[i].seen} read were filtered or malformed)`,
      );
    }
    s.keptThisEpoch = 0;
    const epoch = this.readers[i].position().epoch + 1;
    this.readers[i].seek({ epoch, file: 0, offset: 0, line: 1 });
    this.stats.events.push({ stage: this.stage, source: config.name, event: 'cycled' });
  }

  private onProblem(source: string, message: string): void {
    const i = this.curriculum.sources.findIndex((s) => s.name === source);
    this.stats.problems[i]++;
    if (this.stats.problemSamples.length < PROBLEM_SAMPLES) this.stats.problemSamples.push(message);
  }

  private decodeState(bytes: Uint8Array): MixState {
    let state: MixState;
    try {
      state = unpack(bytes) as MixState;
    } catch (err) {
      throw new MixerFormatError(`mixer state is not valid msgpack: ${(err as Error).message}`);
    }
    if (state?.version !== 1)
      throw new MixerFormatError(`mixer state version ${String(state?.version)} is not supported`);
    if (state.fingerprint !== this.fingerprint) {
      throw new MixerFormatError(
        'mixer state belongs to a different curriculum, seed or tokenizer (fingerprint mismatch)',
      );
    }
    return state;
  }
}

/** Index drawn by cumulative shares (the last positive share catches rounding); -1 when all are zero. */
function pickIndex(shares: Float64Array, u: number): number {
  let acc = 0;
  let last = -1;
  for (let i = 0; i < shares.length; i++) {
    if (shares[i] <= 0) continue;
    acc += shares[i];
    last = i;
    if (u < acc) return i;
  }
  return last;
}

/** Identifies what a state may be resumed with: the curriculum (minus paths' order-free parts), seed and vocabulary. */
function fingerprintOf(c: Curriculum, encoder: MixerEncoder): number {
  const { tokenizer: _tokenizer, ...rest } = c;
  return hashString32(JSON.stringify({ ...rest, vocab: encoder.vocabSize, eos: encoder.eosId }));
}
