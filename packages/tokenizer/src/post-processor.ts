import { TokenizerFormatError } from './errors.js';

type Json = Record<string, unknown>;
/** Adds the special tokens of a single sequence (BOS and friends) around its ids. */
export type PostProcess = (ids: number[]) => number[];

/**
 * Compiles a tokenizer.json `post_processor` for single sequences: TemplateProcessing (Llama-3's
 * BOS), Bert/RobertaProcessing (cls … sep), ByteLevel (offsets only, no ids) and Sequence.
 */
export function compilePostProcessor(spec: unknown, file: string, field = 'post_processor'): PostProcess {
  if (spec === null || spec === undefined) return (ids) => ids;
  const n = spec as Json;
  switch (n.type) {
    case 'ByteLevel':
      return (ids) => ids;
    case 'Sequence': {
      if (!Array.isArray(n.processors))
        throw new TokenizerFormatError(file, `${field}.processors`, 'must be an array');
      const steps = n.processors.map((p, i) => compilePostProcessor(p, file, `${field}.processors[${i}]`));
      return (ids) => steps.reduce((acc, step) => step(acc), ids);
    }
    case 'TemplateProcessing':
      return templateProcessing(n, file, field);
    case 'BertProcessing':
    case 'RobertaProcessing': {
      const cls = (n.cls as [string, number] | undefined)?.[1];
      const sep = (n.sep as [string, number] | undefined)?.[1];
      if (typeof cls !== 'number' || typeof sep !== 'number')
        throw new TokenizerFormatError(file, `${field}.cls`, 'and sep must be [token, id] pairs');
      return (ids) => [cls, ...ids, sep];
    }
    default:
      throw new TokenizerFormatError(file, `${field}.type`, `is unsupported: ${JSON.stringify(n.type)}`);
  }
}

function templateProcessing(n: Json, file: string, field: string): PostProcess {
  const single = n.single;
  const specials = (n.special_tokens ?? {}) as Record<string, { ids?: number[] }>;
  if (!Array.isArray(single)) throw new TokenizerFormatError(file, `${field}.single`, 'must be an array');
  const parts = single.map((item, i): number[] | 'A' => {
    const piece = (typeof item === 'object' && item !== null ? item : {}) as Json;
    if (piece.Sequence) return 'A';
    const special = piece.SpecialToken as { id?: string } | undefined;
    const ids = typeof special?.id === 'string' ? specials[special.id]?.ids : undefined;
    if (!Array.isArray(ids) || !ids.every((id) => Number.isInteger(id) && id >= 0))
      throw new TokenizerFormatError(
        file,
        `${field}.single[${i}]`,
        `names a special token missing from special_tokens: ${JSON.stringify(item)}`,
      );
    return ids;
  });
  return (ids) => parts.flatMap((p) => (p === 'A' ? ids : p));
}
