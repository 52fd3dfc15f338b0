// Apart from tokenizer-files.ts (Node file reads) so that the browser-side download code can name them.
/** The HF tokenizer files a checkpoint directory carries next to config.json (copied when present). */
export const TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'generation_config.json',
] as const;

/**
 * Files a checkpoint folder may carry for the packages above this one, fetched with it when loading by URL: the
 * tool manifest the model was trained with (@agentlm/inference's `tools.json`).
 */
export const COMPANION_FILES = ['tools.json'] as const;
