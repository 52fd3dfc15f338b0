import { TokenizerOptionError } from './errors.js';

/** Pre-tokenizer presets for training. */
export type PreTokenizerPreset = 'stem' | 'youtu' | 'gpt2' | 'llama3';
export const PRE_TOKENIZER_PRESETS: readonly PreTokenizerPreset[] = ['stem', 'youtu', 'gpt2', 'llama3'];

const LETTERS_UPPER = '[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]';
const LETTERS_LOWER = '[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]';
const CONTRACTIONS = "(?i:'s|'t|'re|'ve|'m|'ll|'d)?";

/** Youtu split 1 (SPEC §2): Hangul, CJK punctuation, Bopomofo, CJK ideographs and kana runs. */
export const YOUTU_CJK_PATTERN = '[가-힣ㄱ-ㆎ]+|[！…“”‘’—：；，、-〿︰-﹏]+|[ㄅ-ㄯ]+|[一-龥぀-ゟ゠-ヿ]+';

/** Youtu split 2: GPT-4o's pattern with every digit alone. */
export const YOUTU_PATTERN =
  `[^\\r\\n\\p{L}\\p{N}]?${LETTERS_UPPER}*${LETTERS_LOWER}+${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?${LETTERS_UPPER}+${LETTERS_LOWER}*${CONTRACTIONS}` +
  '|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+';

/** ASCII operators kept as their own units (runs like `<=`, `**`, `->`). */
const OPERATORS = '+\\-*/=<>!&|^~%';

/**
 * The STEM split 2: Youtu's pattern plus units that STEM text repeats: LaTeX commands (`\frac`,
 * `\alpha`), runs of ASCII operators, single Unicode math symbols (`∑`, `≤`, `→`), and line breaks
 * together with the indentation of the next line (`\n        `), so a code line's indentation is one
 * unit. Digits stay single.
 */
export const STEM_PATTERN =
  ` ?\\\\[A-Za-z]+|[^\\r\\n\\p{L}\\p{N}\\\\${OPERATORS}]?${LETTERS_UPPER}*${LETTERS_LOWER}+${CONTRACTIONS}` +
  `|[^\\r\\n\\p{L}\\p{N}\\\\${OPERATORS}]?${LETTERS_UPPER}+${LETTERS_LOWER}*${CONTRACTIONS}` +
  `|\\p{N}| ?[${OPERATORS}]+|\\p{Sm}| ?[^\\s\\p{L}\\p{N}\\p{Sm}\\\\${OPERATORS}]+` +
  '|\\s*[\\r\\n]+[ \\t]*|\\s+(?!\\S)|\\s+';

/** Llama-3's pattern (numbers in runs of up to three digits). */
export const LLAMA3_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const split = (pattern: string) => ({
  type: 'Split',
  pattern: { Regex: pattern },
  behavior: 'Isolated',
  invert: false,
});
const byteLevel = (useRegex: boolean) => ({
  type: 'ByteLevel',
  add_prefix_space: false,
  trim_offsets: true,
  use_regex: useRegex,
});

/** The tokenizer.json `pre_tokenizer` of a preset and whether its model sets `ignore_merges`. */
export function presetPreTokenizer(preset: PreTokenizerPreset): {
  preTokenizer: object;
  ignoreMerges: boolean;
} {
  switch (preset) {
    case 'stem':
      return {
        preTokenizer: {
          type: 'Sequence',
          pretokenizers: [split(YOUTU_CJK_PATTERN), split(STEM_PATTERN), byteLevel(false)],
        },
        ignoreMerges: true,
      };
    case 'youtu':
      return {
        preTokenizer: {
          type: 'Sequence',
          pretokenizers: [split(YOUTU_CJK_PATTERN), split(YOUTU_PATTERN), byteLevel(false)],
        },
        ignoreMerges: true,
      };
    case 'llama3':
      return {
        preTokenizer: { type: 'Sequence', pretokenizers: [split(LLAMA3_PATTERN), byteLevel(false)] },
        ignoreMerges: true,
      };
    case 'gpt2':
      return { preTokenizer: byteLevel(true), ignoreMerges: false };
    default:
      throw new TokenizerOptionError(
        'preset',
        `must be one of ${PRE_TOKENIZER_PRESETS.join(', ')}, got ${JSON.stringify(preset)}`,
      );
  }
}
