import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { BpeModel, PAIR_BASE, parseMerges } from './bpe.js';
import { byteLevelToBytes, wellFormed } from './byte-level.js';
import { chatTemplateOf, type TokenizerConfig, tokenContent } from './config.js';
import { TokenIdError, TokenizerError, TokenizerFormatError } from './errors.js';
import { compilePostProcessor, type PostProcess } from './post-processor.js';
import { compileNormalizer, compilePreTokenizer, type PreTokenize } from './pre-tokenizer.js';

export type { TokenizerConfig } from './config.js';

/** One entry of tokenizer.json `added_tokens` (special tokens and user-added words). */
export interface AddedToken {
  id: number;
  content: string;
  special: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  single_word?: boolean;
  normalized?: boolean;
}

export interface EncodeOptions {
  /** Apply the post-processor (e.g. prepend BOS for Llama-3). Default false. */
  addSpecialTokens?: boolean;
  /** Recognise added/special tokens written in the text (`<|User|>` → one id). Default true. */
  parseSpecialTokens?: boolean;
  /**
   * Character ranges `[start, end)` of `text` where added tokens are not recognised: a `<|User|>` written
   * there stays text. A rendered chat's message content (`renderChatSpans`), so that content cannot
   * inject the template's control tokens. Ranges are sorted and do not overlap.
   */
  literalSpans?: readonly LiteralSpan[];
}

/** `[start, end)`: a range of UTF-16 code units. */
export type LiteralSpan = readonly [start: number, end: number];

export interface DecodeOptions {
  /** Drop special tokens (BOS, EOS, chat markers) from the text. Default false. */
  skipSpecialTokens?: boolean;
}

type Json = Record<string, unknown>;
const utf8 = new TextEncoder();

/**
 * A byte-level BPE tokenizer read from a Hugging Face `tokenizer.json` (plus `tokenizer_config.json`).
 * Encodings match Hugging Face `tokenizers` for byte-level BPE vocabularies (GPT-2, Llama-3, Qwen2/3,
 * DeepSeek-V3, Youtu, cl100k-style).
 */
export class Tokenizer {
  /** Number of ids, added tokens included (max id + 1). */
  readonly vocabSize: number;
  readonly bosToken: string | null;
  readonly eosToken: string | null;
  readonly padToken: string | null;
  readonly bosId: number | null;
  readonly eosId: number | null;
  readonly padId: number | null;
  /** The Jinja chat template of tokenizer_config.json, if any. */
  readonly chatTemplate: string | null;
  readonly addedTokens: readonly AddedToken[];

  private readonly model: BpeModel;
  private readonly normalize: ((text: string) => string) | null;
  private readonly preTokenize: PreTokenize;
  private readonly postProcess: PostProcess;
  private readonly idToTokenTable: (string | undefined)[];
  private readonly idBytes: (Uint8Array | undefined)[];
  private readonly addedByContent = new Map<string, AddedToken>();
  private readonly specialIds = new Set<number>();
  private readonly addedRegex: RegExp | null;

  private constructor(
    private readonly json: Json,
    readonly config: TokenizerConfig,
    file: string,
  ) {
    const model = json.model as Json | undefined;
    if (!model || typeof model !== 'object') throw new TokenizerFormatError(file, 'model', 'is missing');
    if (model.type !== undefined && model.type !== 'BPE')
      throw new TokenizerFormatError(
        file,
        'model.type',
        `is unsupported: ${JSON.stringify(model.type)} (only "BPE")`,
      );
    if (model.continuing_subword_prefix || model.end_of_word_suffix)
      throw new TokenizerFormatError(
        file,
        'model.continuing_subword_prefix',
        'and end_of_word_suffix are unsupported',
      );
    if (!model.vocab || typeof model.vocab !== 'object')
      throw new TokenizerFormatError(file, 'model.vocab', 'is missing');
    const vocab = new Map<string, number>();
    for (const [token, id] of Object.entries(model.vocab as Record<string, unknown>)) {
      if (!isTokenId(id))
        throw new TokenizerFormatError(
          file,
          `model.vocab[${JSON.stringify(token)}]`,
          `must be an integer id in [0, ${MAX_TOKEN_ID}], got ${JSON.stringify(id)}`,
        );
      vocab.set(token, id);
    }
    const { preTokenize, byteLevel } = compilePreTokenizer(json.pre_tokenizer, file);
    if (!byteLevel)
      throw new TokenizerFormatError(
        file,
        'pre_tokenizer',
        'has no ByteLevel step: only byte-level BPE is supported',
      );
    const decoder = json.decoder as Json | null | undefined;
    if (decoder && decoder.type !== 'ByteLevel' && decoder.type !== 'Sequence')
      throw new TokenizerFormatError(file, 'decoder.type', `is unsupported: ${JSON.stringify(decoder.type)}`);
    this.preTokenize = preTokenize;
    this.normalize = compileNormalizer(json.normalizer, file);
    this.postProcess = compilePostProcessor(json.post_processor, file);
    const unk = typeof model.unk_token === 'string' ? (vocab.get(model.unk_token) ?? null) : null;
    this.model = new BpeModel(
      vocab,
      parseMerges(model.merges, file),
      model.ignore_merges === true,
      unk,
      file,
    );

    this.addedTokens = parseAddedTokens(json.added_tokens, file);
    let maxId = -1;
    for (const id of vocab.values()) if (id > maxId) maxId = id;
    for (const t of this.addedTokens) if (t.id > maxId) maxId = t.id;
    this.vocabSize = maxId + 1;
    this.idToTokenTable = new Array(this.vocabSize);
    this.idBytes = new Array(this.vocabSize);
    for (const [token, id] of vocab) {
      this.idToTokenTable[id] = token;
      this.idBytes[id] = byteLevelToBytes(token) ?? utf8.encode(token);
    }
    for (const t of this.addedTokens) {
      this.idToTokenTable[t.id] = t.content;
      this.idBytes[t.id] = utf8.encode(t.content);
      this.addedByContent.set(t.content, t);
      if (t.special) this.specialIds.add(t.id);
    }
    this.addedRegex = buildAddedRegex(this.addedTokens);

    this.bosToken = tokenContent(config, 'bos_token', 'tokenizer_config.json');
    this.eosToken = tokenContent(config, 'eos_token', 'tokenizer_config.json');
    this.padToken = tokenContent(config, 'pad_token', 'tokenizer_config.json');
    this.bosId = this.bosToken === null ? null : (this.tokenToId(this.bosToken) ?? null);
    this.eosId = this.eosToken === null ? null : (this.tokenToId(this.eosToken) ?? null);
    this.padId = this.padToken === null ? null : (this.tokenToId(this.padToken) ?? null);
    this.chatTemplate = chatTemplateOf(config, 'tokenizer_config.json');
  }

  /** Loads `tokenizer.json` (a file, or a directory holding it and optionally tokenizer_config.json). */
  static async fromFile(pathOrDir: string): Promise<Tokenizer> {
    let file = pathOrDir;
    let configFile: string | null = null;
    const info = await stat(pathOrDir).catch(() => null);
    if (info === null)
      throw new TokenizerError(`${pathOrDir}: no such file or directory`, 'TOKENIZER_NOT_FOUND');
    if (info.isDirectory()) {
      file = join(pathOrDir, 'tokenizer.json');
      configFile = join(pathOrDir, 'tokenizer_config.json');
    } else configFile = join(dirname(pathOrDir), 'tokenizer_config.json');
    const json = parseJson(await readText(file), file);
    if (json === null || typeof json !== 'object' || Array.isArray(json))
      throw new TokenizerFormatError(file, 'root', 'must be an object');
    const configText = await readFile(configFile, 'utf8').catch(() => null);
    const config = configText === null ? {} : parseJson(configText, configFile);
    return new Tokenizer(json as Json, config as TokenizerConfig, file);
  }

  /** Builds a tokenizer from the parsed (or raw) contents of tokenizer.json and tokenizer_config.json. */
  static fromJSON(json: object | string, config: object | string = {}): Tokenizer {
    const j = typeof json === 'string' ? parseJson(json, 'tokenizer.json') : json;
    const c = typeof config === 'string' ? parseJson(config, 'tokenizer_config.json') : config;
    if (j === null || typeof j !== 'object' || Array.isArray(j))
      throw new TokenizerFormatError('tokenizer.json', 'root', 'must be an object');
    return new Tokenizer(j as Json, c as TokenizerConfig, 'tokenizer.json');
  }

  /** Text → ids. Lone surrogates become U+FFFD first, as any UTF-8 encoder would make them. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids: number[] = [];
    const whole = wellFormed(text);
    const re = options.parseSpecialTokens === false ? null : this.addedRegex;
    if (re === null) this.encodeOrdinary(whole, ids);
    else {
      re.lastIndex = 0;
      let last = 0;
      const literal = options.literalSpans ?? [];
      let span = 0;
      for (let m = re.exec(whole); m !== null; m = re.exec(whole)) {
        const token = this.addedByContent.get(m[0]) ?? this.addedByContent.get(m[0].trim());
        if (token === undefined) continue;
        while (span < literal.length && (literal[span] as LiteralSpan)[1] <= m.index) span++;
        // a match touching a literal span is text: encoded with its neighbours below
        if (span < literal.length && (literal[span] as LiteralSpan)[0] < m.index + m[0].length) continue;
        this.encodeOrdinary(whole.slice(last, m.index), ids);
        ids.push(token.id);
        last = m.index + m[0].length;
      }
      this.encodeOrdinary(whole.slice(last), ids);
    }
    return options.addSpecialTokens === true ? this.postProcess(ids) : ids;
  }

  private encodeOrdinary(text: string, out: number[]): void {
    if (text.length === 0) return;
    const model = this.model;
    this.preTokenize(this.normalize ? this.normalize(text) : text, (piece) => model.encodePiece(piece, out));
  }

  /** Ids → text. Byte sequences that are not valid UTF-8 become U+FFFD, like HF's lossy decode. */
  decode(ids: readonly number[] | Uint32Array | Int32Array, options: DecodeOptions = {}): string {
    return new TextDecoder().decode(this.decodeBytes(ids, options));
  }

  /** Ids → raw bytes (the exact bytes the tokens stand for). */
  decodeBytes(ids: readonly number[] | Uint32Array | Int32Array, options: DecodeOptions = {}): Uint8Array {
    const skip = options.skipSpecialTokens === true;
    const parts: Uint8Array[] = [];
    let total = 0;
    for (const id of ids) {
      const bytes = this.idBytes[id];
      if (bytes === undefined) throw new TokenIdError(id, this.vocabSize);
      if (skip && this.specialIds.has(id)) continue;
      parts.push(bytes);
      total += bytes.length;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  tokenToId(token: string): number | undefined {
    return this.addedByContent.get(token)?.id ?? this.model.vocab.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.idToTokenTable[id];
  }

  /** True for ids of added tokens marked special (BOS, EOS, chat markers). */
  isSpecial(id: number): boolean {
    return this.specialIds.has(id);
  }

  /** The tokenizer.json object (what `save` writes). */
  toJSON(): object {
    return this.json;
  }

  /** Writes tokenizer_config.json then tokenizer.json into `dir`, each atomically (temp file, fsync, rename). */
  async save(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    // tokenizer.json last: once it exists, the directory is complete.
    await writeFileAtomic(join(dir, 'tokenizer_config.json'), `${JSON.stringify(this.config, null, 2)}\n`);
    await writeFileAtomic(join(dir, 'tokenizer.json'), `${JSON.stringify(this.json, null, 2)}\n`);
  }
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new TokenizerError(
      `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      'TOKENIZER_NOT_FOUND',
    );
  }
}

/**
 * Ids are table indices and halves of the BPE's merge keys (`a * PAIR_BASE + b`): the largest vocabularies
 * in use hold about a million entries, and an id near 2^32 (a corrupted file) would ask for a table the
 * engine cannot allocate.
 */
const MAX_TOKEN_ID = PAIR_BASE - 1;

function isTokenId(id: unknown): id is number {
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 && id <= MAX_TOKEN_ID;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new TokenizerFormatError(file, 'root', `is not valid JSON (${(err as Error).message})`);
  }
}

function parseAddedTokens(raw: unknown, file: string): AddedToken[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new TokenizerFormatError(file, 'added_tokens', 'must be an array');
  return raw.map((t, i) => {
    if (!t || typeof t.content !== 'string' || t.content.length === 0 || !isTokenId(t.id))
      throw new TokenizerFormatError(
        file,
        `added_tokens[${i}]`,
        `must have a non-empty content and an integer id in [0, ${MAX_TOKEN_ID}], got ${JSON.stringify(t)}`,
      );
    return { ...t, special: t.special === true } as AddedToken;
  });
}

/** One regex matching any added token, longest first (HF matches leftmost-longest). */
function buildAddedRegex(tokens: readonly AddedToken[]): RegExp | null {
  if (tokens.length === 0) return null;
  // `-` stays as is: outside a class, the u flag refuses `\-` (a token like "-1" made the load throw)
  const escapeRegex = (s: string) => s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
  const alternatives = [...tokens]
    .sort((a, b) => b.content.length - a.content.length)
    .map((t) => `${t.lstrip ? '\\s*' : ''}${escapeRegex(t.content)}${t.rstrip ? '\\s*' : ''}`);
  return new RegExp(alternatives.join('|'), 'gu');
}
