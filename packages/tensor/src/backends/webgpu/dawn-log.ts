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
 * (2). The original stderr is first reopened through /dev/fd/2 and put back the same way, where that gives an
 * equivalent descriptor (`reopenable`; a socket cannot be reopened: a test runner's worker relays its stderr
 * through one, hence `hideDawnNoise`); elsewhere nothing is captured. This runs once per process, before any
 * model or data file is opened, so no other thread is opening descriptors in the few microseconds between
 * a close and its open.
 */

/** Dawn's line for a limit it clamped because the driver over-reports it (lavapipe, RADV, ...). */
const LIMIT_CLAMPED =
  /^Warning: maxDynamic(?:Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.\r?\n/gm;

/**
 * Drops Dawn's limit-clamping lines from what passes through `stream.write`, for a process that relays
 * another's stderr: a test runner whose workers' stderr is a socket, which `quietly` cannot reopen.
 * Nothing changes with `AGENTLM_VERBOSE=1`.
 */
export function hideDawnNoise(stream: NodeJS.WriteStream): void {
  if (dawnVerbose(undefined)) return;
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : null;
    if (text === null || !text.includes('artificially reduced')) return write(chunk, ...rest);
    const kept = text.replace(LIMIT_CLAMPED, '');
    if (kept) return write(kept, ...rest);
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof stream.write;
}

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
  if (process.stderr.writableLength > 0 || !isOpen(fs, 0) || !isOpen(fs, 1) || !reopenable(fs)) {
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

/**
 * Whether reopening stderr through /dev/fd gives an equivalent descriptor. On macOS that open is a dup. On
 * Linux it makes a new open file description: the same thing for a TTY, pipe or device, but a regular file
 * opened without O_APPEND (`cmd 2>log`) shares its offset with the shell and the commands after this one,
 * which a fresh description would overwrite; /proc/self/fdinfo says which it is.
 */
function reopenable(fs: typeof import('node:fs')): boolean {
  if (process.platform === 'darwin') return true;
  if (process.platform !== 'linux') return false;
  try {
    if (!fs.fstatSync(2).isFile()) return true;
    const flags = /^flags:\s*([0-7]+)/m.exec(fs.readFileSync('/proc/self/fdinfo/2', 'utf8'))?.[1];
    return flags !== undefined && (Number.parseInt(flags, 8) & O_APPEND) !== 0;
  } catch {
    return false;
  }
}

const O_APPEND = 0o2000;

function isOpen(fs: typeof import('node:fs'), fd: number): boolean {
  try {
    fs.fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}
