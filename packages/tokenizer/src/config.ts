import { TokenizerFormatError } from './errors.js';

/** The tokenizer_config.json fields we read; everything else is kept and saved untouched. */
export interface TokenizerConfig {
  bos_token?: string | { content: string } | null;
  eos_token?: string | { content: string } | null;
  pad_token?: string | { content: string } | null;
  chat_template?: string | { name: string; template: string }[] | null;
  [key: string]: unknown;
}

/** The content of a `*_token` field, which HF writes either as a string or as an AddedToken object. */
export function tokenContent(
  config: TokenizerConfig,
  field: 'bos_token' | 'eos_token' | 'pad_token',
  file: string,
): string | null {
  const value = config[field];
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && typeof value.content === 'string') return value.content;
  throw new TokenizerFormatError(
    file,
    field,
    `must be a string or {"content": string}, got ${JSON.stringify(value)}`,
  );
}

/** The default chat template: a string, or the entry named "default" of a list of named templates. */
export function chatTemplateOf(config: TokenizerConfig, file: string): string | null {
  const t = config.chat_template;
  if (t === undefined || t === null) return null;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const found = t.find((entry) => entry?.name === 'default') ?? t[0];
    if (found && typeof found.template === 'string') return found.template;
  }
  throw new TokenizerFormatError(file, 'chat_template', 'must be a string or a list of {name, template}');
}
