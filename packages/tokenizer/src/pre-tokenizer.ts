import { TokenizerFormatError } from './errors.js';
import { type Sink, SPLIT_BEHAVIORS, type SplitBehavior, splitter, toJsRegexSource } from './regex.js';

/** GPT-2's pattern, applied by a ByteLevel pre-tokenizer with `use_regex: true`. */
export const GPT2_PATTERN =
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/** Splits text into pre-tokens, handed to `sink` in order; each is then BPE-encoded on its own. */
export type PreTokenize = (text: string, sink: Sink) => void;

type Json = Record<string, unknown>;
type Step = (text: string, next: Sink) => void;

/**
 * Compiles a tokenizer.json `pre_tokenizer` into a function. Supported: Sequence, Split (Regex or
 * String pattern), ByteLevel (add_prefix_space, use_regex), Digits, Whitespace-free byte-level
 * pipelines. `byteLevel` reports whether a ByteLevel step is present (the BPE model requires it).
 */
export function compilePreTokenizer(
  spec: unknown,
  file: string,
): { preTokenize: PreTokenize; byteLevel: boolean } {
  const steps: Step[] = [];
  let byteLevel = false;
  const visit = (node: unknown, field: string): void => {
    if (node === null || node === undefined) return;
    if (typeof node !== 'object') throw new TokenizerFormatError(file, field, 'must be an object');
    const n = node as Json;
    switch (n.type) {
      case 'Sequence': {
        const list = n.pretokenizers;
        if (!Array.isArray(list))
          throw new TokenizerFormatError(file, `${field}.pretokenizers`, 'must be an array');
        for (const [i, child] of list.entries()) visit(child, `${field}.pretokenizers[${i}]`);
        return;
      }
      case 'Split':
        steps.push(splitStep(n, field, file));
        return;
      case 'ByteLevel':
        byteLevel = true;
        if (n.add_prefix_space === true) steps.push(addPrefixSpace);
        if (n.use_regex !== false)
          steps.push(regexStep(compileRegex(GPT2_PATTERN, file, field), 'Isolated', false));
        return;
      case 'Digits':
        steps.push(regexStep(n.individual_digits === true ? /\p{N}/gu : /\p{N}+/gu, 'Isolated', false));
        return;
      default:
        throw new TokenizerFormatError(file, `${field}.type`, `is unsupported: ${JSON.stringify(n.type)}`);
    }
  };
  visit(spec, 'pre_tokenizer');
  const run = (i: number, text: string, sink: Sink): void => {
    if (i === steps.length) sink(text);
    else (steps[i] as Step)(text, i + 1 === steps.length ? sink : (piece) => run(i + 1, piece, sink));
  };
  const preTokenize: PreTokenize = (text, sink) => run(0, text, sink);
  return { preTokenize, byteLevel };
}

/** HF ByteLevel's add_prefix_space: each piece gets a leading space unless it starts with one. */
const addPrefixSpace: Step = (text, next) => next(text.startsWith(' ') ? text : ` ${text}`);

export function compileRegex(pattern: string, file: string, field: string): RegExp {
  try {
    return new RegExp(toJsRegexSource(pattern), 'gu');
  } catch (err) {
    throw new TokenizerFormatError(
      file,
      field,
      `is not a valid regex (${(err as Error).message}): ${pattern}`,
    );
  }
}

function splitStep(n: Json, field: string, file: string): Step {
  const pattern = n.pattern as Json | undefined;
  let re: RegExp;
  if (pattern && typeof pattern.Regex === 'string')
    re = compileRegex(pattern.Regex, file, `${field}.pattern.Regex`);
  else if (pattern && typeof pattern.String === 'string')
    re = new RegExp(pattern.String.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&'), 'gu');
  else
    throw new TokenizerFormatError(
      file,
      `${field}.pattern`,
      'must be {"Regex": string} or {"String": string}',
    );
  const behavior = n.behavior as SplitBehavior;
  if (!SPLIT_BEHAVIORS.includes(behavior))
    throw new TokenizerFormatError(
      file,
      `${field}.behavior`,
      `is unsupported: ${JSON.stringify(n.behavior)}`,
    );
  return regexStep(re, behavior, n.invert === true);
}

function regexStep(re: RegExp, behavior: SplitBehavior, invert: boolean): Step {
  return splitter(re, behavior, invert);
}

/** Compiles a tokenizer.json `normalizer` (Unicode forms, Lowercase, Sequence). */
export function compileNormalizer(spec: unknown, file: string): ((text: string) => string) | null {
  if (spec === null || spec === undefined) return null;
  const fns: ((t: string) => string)[] = [];
  const visit = (node: unknown, field: string): void => {
    const n = node as Json;
    switch (n?.type) {
      case 'NFC':
      case 'NFD':
      case 'NFKC':
      case 'NFKD': {
        const form = n.type;
        fns.push((t) => t.normalize(form));
        return;
      }
      case 'Lowercase':
        fns.push((t) => t.toLowerCase());
        return;
      case 'Sequence':
        if (!Array.isArray(n.normalizers))
          throw new TokenizerFormatError(file, `${field}.normalizers`, 'must be an array');
        for (const [i, c] of n.normalizers.entries()) visit(c, `${field}.normalizers[${i}]`);
        return;
      default:
        throw new TokenizerFormatError(file, `${field}.type`, `is unsupported: ${JSON.stringify(n?.type)}`);
    }
  };
  visit(spec, 'normalizer');
  return (text) => fns.reduce((t, f) => f(t), text);
}
