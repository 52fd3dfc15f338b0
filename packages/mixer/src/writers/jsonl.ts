import type { MixDataset } from '../dataset.js';
import { AtomicFileWriter } from './atomic.js';

/**
 * Writes a mix as JSON Lines, one packed sequence per line:
 * `{"index", "stage", "lr", "tokens": [...], "loss_mask": [...], "doc_starts": [...]}`, plus `"text"`
 * when a decoder is given.
 */
export function exportJsonl(
  dataset: MixDataset,
  path: string,
  decode?: (ids: ArrayLike<number>) => string,
): { sequences: number } {
  const out = new AtomicFileWriter(path);
  for (let i = 0; i < dataset.length; i++) {
    const s = dataset.get(i);
    const row: Record<string, unknown> = {
      index: s.index,
      stage: s.stageName,
      lr: s.lr,
      tokens: Array.from(s.tokens),
      loss_mask: Array.from(s.lossMask),
      doc_starts: Array.from(s.docStarts),
    };
    if (decode) row.text = decode(s.tokens);
    out.write(`${JSON.stringify(row)}\n`);
  }
  out.commit();
  return { sequences: dataset.length };
}
