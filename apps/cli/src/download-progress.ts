import type { DownloadProgress } from '@agentlm/model';

function size(bytes: number): string {
  if (bytes < 2 ** 20) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  if (bytes < 2 ** 30) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
}

const WIDTH = 24;
/** Least time between two redraws of the bar, so a fast download does not spend its time drawing. */
const REDRAW_MS = 100;

/**
 * The `--model URL` progress on stderr: on a terminal one bar redrawn in place (overall bytes, rate, the file
 * being fetched); otherwise (a log, a pipe) one line per file as it completes.
 */
export function downloadProgressBar(out: NodeJS.WriteStream = process.stderr): (p: DownloadProgress) => void {
  const started = Date.now();
  let drawn = 0;
  let printed = 0;
  return (p) => {
    const finished = p.loaded === p.total;
    if (!out.isTTY) {
      // `loaded` moves on once per file, on the event that says the file is complete
      if (p.loaded === printed) return;
      printed = p.loaded;
      out.write(
        `download ${p.loaded}/${p.total} ${p.name} ${size(p.fileBytes)}${p.cached ? ' (cached)' : ''}\n`,
      );
      return;
    }
    const now = Date.now();
    if (!finished && now - drawn < REDRAW_MS) return;
    drawn = now;
    const fraction = p.totalBytes > 0 ? p.loadedBytes / p.totalBytes : 1;
    const full = Math.round(fraction * WIDTH);
    const rate = p.loadedBytes / Math.max(0.001, (now - started) / 1000);
    const bar = `[${'#'.repeat(full)}${'.'.repeat(WIDTH - full)}]`;
    out.write(
      `\r\x1b[2K${bar} ${(fraction * 100).toFixed(0).padStart(3)}% ${size(p.loadedBytes)}/${size(p.totalBytes)} ${size(rate)}/s ${p.name}`,
    );
    if (finished) out.write('\n');
  };
}
