/** What the progress line shows after each optimizer step. */
export interface ProgressUpdate {
  step: number;
  totalSteps: number;
  tokens: number;
  loss: number;
  lr: number;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** The one-line text of a progress update (the bar is `width` cells wide). */
export function formatProgress(u: ProgressUpdate, elapsedSeconds: number, width = 24): string {
  const frac = u.totalSteps > 0 ? Math.min(1, u.step / u.totalSteps) : 0;
  const filled = Math.round(frac * width);
  const tps = elapsedSeconds > 0 ? u.tokens / elapsedSeconds : 0;
  const eta = frac > 0 ? (elapsedSeconds * (1 - frac)) / frac : Number.NaN;
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${u.step}/${u.totalSteps} ` +
    `loss ${u.loss.toFixed(4)} lr ${u.lr.toExponential(2)} ${Math.round(tps)} tok/s ETA ${duration(eta)}`
  );
}

/**
 * A terminal progress bar redrawn in place on a TTY; on anything else (CI logs, pipes) it stays
 * quiet, because the caller logs milestones itself.
 */
export class ProgressBar {
  private readonly start = performance.now();
  private tokensAtStart = 0;
  private lastDraw = 0;

  constructor(
    private readonly stream:
      | NodeJS.WriteStream
      | { isTTY?: boolean; write(s: string): boolean } = process.stderr,
    private readonly label = '',
  ) {}

  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  /** Counts tokens from here on (a resumed run measures its own throughput). */
  resumeAt(tokens: number): void {
    this.tokensAtStart = tokens;
  }

  update(u: ProgressUpdate): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.lastDraw < 100 && u.step < u.totalSteps) return;
    this.lastDraw = now;
    const line = formatProgress({ ...u, tokens: u.tokens - this.tokensAtStart }, (now - this.start) / 1000);
    this.stream.write(`\r${this.label}${line}\x1b[K`);
  }

  done(): void {
    if (this.enabled) this.stream.write('\n');
  }
}
