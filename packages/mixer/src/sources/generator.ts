import { type DocumentGenerator, generateDocument } from '../generators/index.js';
import type { SourceItem, SourcePosition, SourceReader } from './source.js';
import { startPosition } from './source.js';

/** Documents from a generator function; endless unless `count` is given. Position = next document index. */
export class GeneratorSource implements SourceReader {
  private pos = startPosition();

  constructor(
    readonly name: string,
    private readonly generator: DocumentGenerator,
    private readonly seed: number,
    private readonly count = Number.POSITIVE_INFINITY,
  ) {}

  async next(): Promise<SourceItem | null> {
    const index = this.pos.offset;
    if (index >= this.count) return null;
    this.pos.offset++;
    // Each epoch of a finite generator yields the same documents again, like re-reading a file.
    return {
      doc: generateDocument(this.generator, this.name, this.seed, index),
      where: `${this.name}#${index}`,
    };
  }

  position(): SourcePosition {
    return { ...this.pos };
  }

  seek(pos: SourcePosition): void {
    this.pos = { ...pos };
  }
}
