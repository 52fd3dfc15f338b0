/**
 * Dawn's native log. Dawn prints its warnings with fprintf(stderr) from C++ (dawn/common/Log.cpp), with no
 * level, toggle or callback to turn them off; on Mesa lavapipe, RADV and others every adapter discovery prints
 * `Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced ...` (Dawn clamping a limit the
 * driver over-reports), which says nothing a user can act on. Discovery happens synchronously inside the
 * first `requestAdapter()` call, so `quietly` points file descriptor 2 at a temporary file for the length of
 * that call and gives back what Dawn wrote: the caller drops it when an adapter was found and puts it in the
 * error when none was. `AGENTLM_VERBOSE=1` (the CLI's `--verbose`) or `BackendOptions.verbose` leaves
 * stderr alone.
 *
 * Node has no dup2: fd 2 is moved by closing it and opening a file, which takes the lowest free descriptor
 * (2). The original stderr is first reopened through /dev/fd/2 (a TTY, pipe or file; a socket cannot be
 * reopened, and then nothing is captured) and put back the same way. This runs once per process, before any
 * model or data file is opened, so no other thread is opening descriptors in the few microseconds between
 * a close and its open.
 */

/** Whether Dawn's log should reach stderr unfiltered: the option, else `AGENTLM_VERBOSE=1`. */
export function dawnVerbose(option: boolean | undefined): boolean {
  if (option !== undefined) return option;
  return typeof process !== 'undefined' && process.env?.AGENTLM_VERBOSE === '1';
}

export interface Captured<T> {
  value: T;
  /** What native code wrote to stderr during the call ('' when nothing, or when stderr was left alone). */
  log: string;
}

/** Runs `call` (synchronous native work) with fd 2 captured; see the module comment. */
export async function quietly<T>(call: () => T): Promise<Captured<T>> {
  const fs = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  // Bytes Node still has queued for stderr would land in the capture file; a closed stdin or stdout would
  // take the descriptor meant for stderr: leave stderr alone then.
  if (process.platform === 'win32' || process.stderr.writableLength > 0 || !isOpen(fs, 0) || !isOpen(fs, 1)) {
    return { value: call(), log: '' };
  }
  let original: number;
  try {
    original = fs.openSync('/dev/fd/2', 'a');
  } catch {
    return { value: call(), log: '' };
  }
  const path = join(tmpdir(), `agentlm-dawn-${process.pid}-${Date.now()}.log`);
  fs.closeSync(2);
  fs.openSync(path, 'w', 0o600); // descriptor 2, the lowest free one
  let value: T;
  let log: string;
  try {
    value = call();
  } finally {
    fs.closeSync(2);
    fs.openSync(`/dev/fd/${original}`, 'a'); // descriptor 2 again
    fs.closeSync(original);
    log = fs.readFileSync(path, 'utf8');
    fs.rmSync(path, { force: true });
  }
  return { value, log };
}

function isOpen(fs: typeof import('node:fs'), fd: number): boolean {
  try {
    fs.fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}
