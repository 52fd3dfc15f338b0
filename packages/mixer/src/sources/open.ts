import type { Curriculum, SourceConfig } from '../config.js';
import { MixerConfigError } from '../errors.js';
import { builtinGenerators, type DocumentGenerator } from '../generators/index.js';
import { JsonlSource, ParquetSource, TextSource } from './files.js';
import { GeneratorSource } from './generator.js';
import { ShardSource } from './shards.js';
import { expandPaths, type ProblemHandler, type SourceReader } from './source.js';

/** Opens the reader for one configured source (files are listed now, so a missing one fails early). */
export function openSource(
  c: Curriculum,
  s: SourceConfig,
  generators: Record<string, DocumentGenerator>,
  onProblem: ProblemHandler,
): SourceReader {
  const onError = s.onError ?? c.onError;
  switch (s.type) {
    case 'text':
      return new TextSource(s.name, expandPaths(s.name, s.paths), s.split, onError, onProblem);
    case 'jsonl':
      return new JsonlSource(
        s.name,
        expandPaths(s.name, s.paths),
        s.format,
        s.field,
        s.keepUnverified,
        onError,
        onProblem,
      );
    case 'parquet':
      return new ParquetSource(s.name, expandPaths(s.name, s.paths), s.field, onError, onProblem);
    case 'shards':
      return new ShardSource(
        s.name,
        expandPaths(
          s.name,
          s.paths.map((p) => p.replace(/\/+$/, '')),
        ),
        onError,
        onProblem,
      );
    case 'generator': {
      const generator = generators[s.generator] ?? builtinGenerators[s.generator];
      if (!generator) {
        const known = [...Object.keys(builtinGenerators), ...Object.keys(generators)].join(', ');
        throw new MixerConfigError(
          `source "${s.name}": unknown generator "${s.generator}" (known: ${known})`,
        );
      }
      return new GeneratorSource(s.name, generator, c.seed, s.count);
    }
  }
}

/** Whether the cleaning filters run on a source: as configured, else yes for files and no for generated or packed data. */
export function cleansByDefault(s: SourceConfig): boolean {
  return s.clean ?? (s.type === 'text' || s.type === 'jsonl' || s.type === 'parquet');
}
