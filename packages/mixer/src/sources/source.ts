import { existsSync } from 'node:fs';
import { globSync, isDynamicPattern } from 'tinyglobby';
import type { MixDocument } from '../document.js';
import { MixerSourceError } from '../errors.js';

/** Where a source stands; plain numbers, so it serialises into the mixer state. */
export interface SourcePosition {
  /** How many times the source has been restarted (`onExhausted: cycle`). */
  epoch: number;
  /** Index into the source's sorted file list. */
  file: number;
  /** Byte offset (JSONL), row (parquet), document (text, shards) within the file; document index for generators. */
  offset: number;
  /** 1-based line number of the next JSONL line, for error messages. */
  line: number;
}

export interface SourceItem {
  doc: MixDocument;
  /** `file:line` (or `generator#index`) for reports and error messages. */
  where: string;
  /** A chat whose verdict failed, to be counted and skipped by the mixer. */
  unverified?: boolean;
}

/** A resumable, deterministic reader of documents. `next()` resolves null when the source is exhausted. */
export interface SourceReader {
  readonly name: string;
  next(): Promise<SourceItem | null>;
  position(): SourcePosition;
  seek(pos: SourcePosition): void;
}

/** Called for a malformed line/row under `onError: skip` (the reader then moves on). */
export type ProblemHandler = (source: string, message: string) => void;

export const startPosition = (): SourcePosition => ({ epoch: 0, file: 0, offset: 0, line: 1 });

/** Expands paths and globs into a sorted file list; a missing file or an empty glob is an error. */
export function expandPaths(source: string, patterns: string[]): string[] {
  const files: string[] = [];
  for (const p of patterns) {
    if (isDynamicPattern(p)) {
      const found = globSync(p, { absolute: true, onlyFiles: true, expandDirectories: false }).sort();
      if (found.length === 0) throw new MixerSourceError(`source "${source}": pattern matches no files`, p);
      files.push(...found);
    } else {
      if (!existsSync(p)) throw new MixerSourceError(`source "${source}": file not found`, p);
      files.push(p);
    }
  }
  return files;
}
