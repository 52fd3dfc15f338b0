/**
 * Finds stop strings in streamed text and cuts exactly before the first one. A stop string may span
 * several tokens, so text that could still become the start of a stop string is held back until the
 * next piece decides it; `flush()` releases it at the end.
 */
export class StopMatcher {
  private readonly stops: string[];
  private held = '';
  private stoppedAt: string | null = null;

  constructor(stops: readonly string[]) {
    this.stops = stops.filter((s) => s.length > 0);
  }

  /** True when there is at least one stop string to look for. */
  get active(): boolean {
    return this.stops.length > 0;
  }

  /** The stop string that ended the text, or null. */
  get stoppedBy(): string | null {
    return this.stoppedAt;
  }

  /** Adds a piece of text; returns the text that is safe to emit now and whether a stop string was hit. */
  push(piece: string): { text: string; stopped: boolean } {
    if (this.stoppedAt !== null) return { text: '', stopped: true };
    const buffer = this.held + piece;
    let cut = -1;
    for (const stop of this.stops) {
      const at = buffer.indexOf(stop);
      if (at >= 0 && (cut < 0 || at < cut)) {
        cut = at;
        this.stoppedAt = stop;
      }
    }
    if (cut >= 0) {
      this.held = '';
      return { text: buffer.slice(0, cut), stopped: true };
    }
    const keep = partialSuffixLength(buffer, this.stops);
    this.held = buffer.slice(buffer.length - keep);
    return { text: buffer.slice(0, buffer.length - keep), stopped: false };
  }

  /** Releases the held-back text once no more pieces will come. */
  flush(): string {
    const rest = this.held;
    this.held = '';
    return rest;
  }
}

/** Length of the longest suffix of `text` that is a proper prefix of one of `candidates`. */
export function partialSuffixLength(text: string, candidates: readonly string[]): number {
  let best = 0;
  for (const c of candidates) {
    for (let n = Math.min(c.length - 1, text.length); n > best; n--) {
      if (text.endsWith(c.slice(0, n))) {
        best = n;
        break;
      }
    }
  }
  return best;
}
