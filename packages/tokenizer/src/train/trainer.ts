import { PAIR_BASE } from '../bpe.js';
import { AGENT_CHAT_TEMPLATE, AGENT_SPECIAL_TOKENS } from '../chat/agent-format.js';
import { TokenizerOptionError } from '../errors.js';
import { compilePreTokenizer } from '../pre-tokenizer.js';
import { type PreTokenizerPreset, presetPreTokenizer } from '../presets.js';
import { Tokenizer, type TokenizerConfig } from '../tokenizer.js';
import { type CorpusSource, readCorpus } from './corpus.js';
import { countWords, mergeWords, type WordCounts } from './merge.js';

export interface TrainOptions {
  corpus: CorpusSource;
  /** Total ids including the 256 byte tokens and the special tokens. */
  vocabSize: number;
  /** Pre-tokenizer preset. Default 'stem'. */
  preset?: PreTokenizerPreset;
  /** Special tokens, given the last ids in this order (never produced by merges). Default none. */
  specialTokens?: readonly string[];
  /** Pairs seen fewer times than this are never merged. Default 2. */
  minFrequency?: number;
  /** Longest token, in bytes. Default unlimited. */
  maxTokenLength?: number;
  /** bos/eos/pad token strings for tokenizer_config.json (default: `<|begin_of_text|>`, `<|end_of_text|>`, `<|pad|>` when special). */
  bosToken?: string | null;
  eosToken?: string | null;
  padToken?: string | null;
  /** Jinja chat template for tokenizer_config.json. Default: the agent template when all AGENT_SPECIAL_TOKENS are reserved. */
  chatTemplate?: string | null;
  /** Called with one line of progress now and then. */
  onProgress?: (message: string) => void;
}

/**
 * Trains a byte-level BPE tokenizer. The corpus is streamed once to count pre-tokenized words;
 * merges then run on the distinct words with an incremental pair index (see merge.ts), so each merge
 * touches only the words containing its pair. Output is deterministic for a given corpus order.
 */
export async function trainTokenizer(options: TrainOptions): Promise<Tokenizer> {
  const preset = options.preset ?? 'stem';
  const specials = [...(options.specialTokens ?? [])];
  const minFrequency = options.minFrequency ?? 2;
  const maxTokenLength = options.maxTokenLength ?? Number.POSITIVE_INFINITY;
  if (
    !Number.isInteger(options.vocabSize) ||
    options.vocabSize < 256 + specials.length ||
    options.vocabSize >= PAIR_BASE
  )
    throw new TokenizerOptionError(
      'vocabSize',
      `must be an integer in ${256 + specials.length}..${PAIR_BASE - 1} (256 bytes + ${specials.length} special tokens), got ${options.vocabSize}`,
    );
  if (!Number.isInteger(minFrequency) || minFrequency < 1)
    throw new TokenizerOptionError('minFrequency', `must be a positive integer, got ${minFrequency}`);
  if (!(maxTokenLength >= 1))
    throw new TokenizerOptionError('maxTokenLength', `must be at least 1, got ${maxTokenLength}`);
  if (new Set(specials).size !== specials.length || specials.some((s) => s.length === 0))
    throw new TokenizerOptionError('specialTokens', 'must be distinct non-empty strings');

  const { preTokenizer, ignoreMerges } = presetPreTokenizer(preset);
  const { preTokenize } = compilePreTokenizer(preTokenizer, `preset ${preset}`);
  const log = options.onProgress ?? (() => {});

  const counts: WordCounts = new Map();
  let chars = 0;
  for await (const chunk of readCorpus(options.corpus)) {
    countWords(chunk, preTokenize, specials, counts);
    chars += chunk.length;
  }
  log(`counted ${counts.size} distinct pre-tokens in ${chars} characters`);

  const mergeBudget = options.vocabSize - 256 - specials.length;
  const { merges, tokens } = mergeWords(counts, mergeBudget, minFrequency, maxTokenLength, log);
  log(`learned ${merges.length} merges`);

  const vocab: Record<string, number> = {};
  tokens.forEach((t, id) => {
    vocab[t] = id;
  });
  const firstSpecial = tokens.length;
  const added = specials.map((content, i) => ({
    id: firstSpecial + i,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const pick = (given: string | null | undefined, fallback: string) =>
    given !== undefined ? given : specials.includes(fallback) ? fallback : null;
  const bos = pick(options.bosToken, '<|begin_of_text|>');
  const eos = pick(options.eosToken, '<|end_of_text|>');
  const pad = pick(options.padToken, '<|pad|>');
  for (const [name, token] of [
    ['bosToken', bos],
    ['eosToken', eos],
    ['padToken', pad],
  ] as const)
    if (token !== null && !specials.includes(token))
      throw new TokenizerOptionError(name, `${JSON.stringify(token)} must be one of specialTokens`);

  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: preTokenizer,
    post_processor:
      bos === null
        ? { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false }
        : bosTemplate(bos, firstSpecial + specials.indexOf(bos)),
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: ignoreMerges,
      vocab,
      merges: merges.map(([a, b]) => `${tokens[a]} ${tokens[b]}`),
    },
  };
  const hasAgentTokens = AGENT_SPECIAL_TOKENS.every((t) => specials.includes(t));
  const chatTemplate =
    options.chatTemplate !== undefined ? options.chatTemplate : hasAgentTokens ? AGENT_CHAT_TEMPLATE : null;
  const config: TokenizerConfig = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    bos_token: bos,
    eos_token: eos,
    pad_token: pad,
    clean_up_tokenization_spaces: false,
    model_max_length: 131072,
    ...(chatTemplate ? { chat_template: chatTemplate } : {}),
  };
  return Tokenizer.fromJSON(json, config);
}

/** HF TemplateProcessing that prepends BOS, as Llama-3's tokenizer.json does. */
function bosTemplate(bos: string, id: number): object {
  return {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [
      { SpecialToken: { id: bos, type_id: 0 } },
      { Sequence: { id: 'A', type_id: 0 } },
      { SpecialToken: { id: bos, type_id: 1 } },
      { Sequence: { id: 'B', type_id: 1 } },
    ],
    special_tokens: { [bos]: { id: bos, ids: [id], tokens: [bos] } },
  };
}
