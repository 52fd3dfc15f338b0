import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError } from './errors.js';
import { writeFileAtomic } from './safetensors.js';
import { TOKENIZER_FILES } from './tokenizer-names.js';

export { TOKENIZER_FILES };

/** What the model needs to know of a tokenizer: how many ids it emits, and its special ids. */
export interface TokenizerFacts {
  /** One more than the largest id in the vocabulary or the added tokens. */
  vocabSize: number;
  bosTokenId: number | null;
  eosTokenId: number | null;
  padTokenId: number | null;
}

async function readJson(file: string): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CheckpointError(`not valid JSON: ${(err as Error).message}`, file, null, 'TOKENIZER');
  }
}

/**
 * Reads the vocabulary size and special ids from an HF tokenizer directory (`tokenizer.json`, and
 * `tokenizer_config.json` for which strings are bos/eos/pad), without depending on the tokenizer package.
 */
export async function readTokenizerFacts(dir: string): Promise<TokenizerFacts> {
  const file = join(dir, 'tokenizer.json');
  const tok = await readJson(file);
  if (tok === null)
    throw new CheckpointError('cannot be read (is this a tokenizer directory?)', file, null, 'TOKENIZER');
  const ids = new Map<string, number>();
  const vocab = (tok.model as { vocab?: Record<string, number> } | undefined)?.vocab;
  if (typeof vocab !== 'object' || vocab === null)
    throw new CheckpointError('has no model.vocab object', file, null, 'TOKENIZER');
  for (const [token, id] of Object.entries(vocab)) ids.set(token, id);
  for (const added of (tok.added_tokens ?? []) as { id: number; content: string }[])
    ids.set(added.content, added.id);
  // a loop, not Math.max(...ids): spreading a real vocabulary (128k ids) overflows the call stack
  let vocabSize = 0;
  for (const id of ids.values()) vocabSize = Math.max(vocabSize, id + 1);
  const config = (await readJson(join(dir, 'tokenizer_config.json'))) ?? {};
  const special = (key: string): number | null => {
    const v = config[key];
    const text = typeof v === 'string' ? v : (v as { content?: string } | null | undefined)?.content;
    return text === undefined ? null : (ids.get(text) ?? null);
  };
  return {
    vocabSize,
    bosTokenId: special('bos_token'),
    eosTokenId: special('eos_token'),
    padTokenId: special('pad_token'),
  };
}

/** Copies the tokenizer files present in `from` into `to`, each atomically; returns the names copied. */
export async function copyTokenizerFiles(from: string, to: string): Promise<string[]> {
  const copied: string[] = [];
  for (const name of TOKENIZER_FILES) {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(from, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    await writeFileAtomic(join(to, name), async (h) => {
      await h.write(bytes);
    });
    copied.push(name);
  }
  return copied;
}
