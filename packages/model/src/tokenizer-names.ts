// Apart from tokenizer-files.ts (Node file reads) so that the browser-side download code can name them.
/** The HF tokenizer files a checkpoint directory carries next to config.json (copied when present). */
export const TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'generation_config.json',
] as const;
