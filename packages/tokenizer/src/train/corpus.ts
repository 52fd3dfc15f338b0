import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { glob, isDynamicPattern } from 'tinyglobby';
import { CorpusError, TokenizerOptionError } from '../errors.js';

/** Where training text comes from: files (paths or globs; `.jsonl` files read `jsonlField`) and/or texts. */
export interface CorpusSource {
  files?: readonly string[];
  /** Field of each JSONL record holding the text (dotted path allowed). Default "text". */
  jsonlField?: string;
  texts?: Iterable<string> | AsyncIterable<string>;
}

/** Text files are handed out in chunks of about this many characters. */
const CHUNK_CHARS = 1 << 20;

/** Expands globs (sorted, so training is deterministic) and checks that plain paths exist. */
export async function resolveCorpusFiles(files: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const pattern of files) {
    if (isDynamicPattern(pattern)) {
      const found = (await glob(pattern, { absolute: true, onlyFiles: true })).sort();
      if (found.length === 0) throw new CorpusError(pattern, 'the glob matches no file');
      out.push(...found);
    } else {
      await access(pattern).catch((err: NodeJS.ErrnoException) => {
        throw new CorpusError(pattern, `cannot read (${err.code ?? err.message})`);
      });
      out.push(pattern);
    }
  }
  return out;
}

/**
 * Streams the corpus as text chunks without holding it in memory. Plain files are cut only where a
 * newline is followed by a non-space character, which is a pre-token boundary for every preset.
 */
export async function* readCorpus(source: CorpusSource): AsyncGenerator<string> {
  if (!source.files && !source.texts) throw new TokenizerOptionError('corpus', 'needs files or texts');
  for (const file of await resolveCorpusFiles(source.files ?? [])) {
    if (/\.jsonl$/i.test(file)) yield* readJsonl(file, source.jsonlField ?? 'text');
    else yield* readTextFile(file);
  }
  if (source.texts) yield* source.texts;
}

async function* readTextFile(file: string): AsyncGenerator<string> {
  let carry = '';
  try {
    for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: CHUNK_CHARS })) {
      carry += chunk as string;
      const cut = lastBoundary(carry);
      if (cut > 0) {
        yield carry.slice(0, cut);
        carry = carry.slice(cut);
      } else if (carry.length > 16 * CHUNK_CHARS) {
        yield carry;
        carry = '';
      }
    }
  } catch (err) {
    throw new CorpusError(
      file,
      `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  if (carry) yield carry;
}

/** Index just after the last newline that is followed by a non-whitespace character, or 0. */
function lastBoundary(text: string): number {
  for (let i = text.lastIndexOf('\n'); i >= 0; i = text.lastIndexOf('\n', i - 1)) {
    const next = text.charCodeAt(i + 1);
    if (i + 1 < text.length && next !== 32 && next !== 9 && next !== 10 && next !== 13) return i + 1;
    if (i === 0) break;
  }
  return 0;
}

async function* readJsonl(file: string, field: string): AsyncGenerator<string> {
  const path = field.split('.');
  let lineNo = 0;
  let lines: AsyncIterable<string>;
  try {
    lines = createInterface({
      input: createReadStream(file, { encoding: 'utf8' }),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
  } catch (err) {
    throw new CorpusError(file, `cannot read (${(err as Error).message})`);
  }
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        throw new CorpusError(`${file}:${lineNo}`, `is not valid JSON (${(err as Error).message})`);
      }
      for (const key of path)
        value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
      if (typeof value !== 'string')
        throw new CorpusError(
          `${file}:${lineNo}`,
          `field "${field}" must be a string, got ${JSON.stringify(value)?.slice(0, 60)}`,
        );
      yield value;
    }
  } catch (err) {
    if (err instanceof CorpusError) throw err;
    throw new CorpusError(
      file,
      `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
}
