/**
 * The PyTorch peer: torch_youtu.py (beside this file) run by a Python that imports torch. Where none does,
 * the benchmark's setup installs Debian's python3-torch with apt when it runs as root on a Debian-like
 * system (AGENTLM_BENCH_TORCH_INSTALL=0 turns that off); otherwise the PyTorch rows are skipped with the reason.
 * It installs OpenBLAS with it: without a BLAS package Debian's torch runs its products on the reference
 * BLAS, about 20× slower, which would flatter us.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** torch, and the OpenBLAS (OpenMP build, as torch's own threads) that its products should run on. */
const APT_PACKAGES = ['python3-torch', 'libopenblas0-openmp'];

export const TORCH_SCRIPT = fileURLToPath(new URL('./torch_youtu.py', import.meta.url));

/** A Python interpreter that imports torch, and torch's version. */
export interface TorchPython {
  python: string;
  version: string;
}

/** Interpreters tried in order: an explicit one, the PATH's, then Debian's (where apt puts python3-torch). */
function candidates(): string[] {
  const list = [process.env.AGENTLM_BENCH_PYTHON, 'python3', '/usr/bin/python3'];
  return [...new Set(list.filter((p): p is string => typeof p === 'string' && p.length > 0))];
}

function probe(): TorchPython | null {
  for (const python of candidates()) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python, version: r.stdout.trim() };
  }
  return null;
}

/** On Debian, whether no OpenBLAS is installed (torch's products then run on the reference BLAS). */
function lacksOpenBlas(): boolean {
  if (!existsSync('/usr/bin/dpkg-query')) return false;
  return !['openmp', 'pthread', 'serial'].some((kind) => {
    const r = spawnSync('dpkg-query', ['-s', `libopenblas0-${kind}`], { encoding: 'utf8' });
    return r.status === 0 && r.stdout.includes('Status: install ok installed');
  });
}

/** A Python with torch, or null; never installs anything. */
export function findTorch(): TorchPython | null {
  return probe();
}

/**
 * A Python with torch, installing python3-torch with apt first when possible. Returns the interpreter, or
 * the reason there is none (for the skip message).
 */
export function setupTorch(log: (line: string) => void): TorchPython | string {
  const found = probe();
  if (found && !lacksOpenBlas()) return found;
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (process.env.AGENTLM_BENCH_TORCH_INSTALL === '0' || !canInstall) {
    const how = `apt-get install ${APT_PACKAGES.join(' ')} as root`;
    if (!found) return `torch is not installed (${how})`;
    log(`warning: torch runs on the reference BLAS, its figures are too low (${how})`);
    return found;
  }
  log(`installing ${APT_PACKAGES.join(' ')} with apt (a few minutes, once) ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...APT_PACKAGES]]) {
    const r = spawnSync('apt-get', args, { env, encoding: 'utf8' });
    if (r.status !== 0)
      return `apt-get ${args[0]} failed: ${r.stderr.trim().split('\n').slice(-2).join(' ')}`;
  }
  return probe() ?? 'python3-torch installed, but no python3 imports torch';
}

/** Runs the script on one JSON request and returns its JSON reply; a failure throws with the script's stderr. */
export function runTorch(py: TorchPython, request: Record<string, unknown>): Record<string, unknown> {
  const r = spawnSync(py.python, [TORCH_SCRIPT], {
    // OpenMP threads that spin at barriers collapse (~20× slower) when the cores are shared with other jobs;
    // sleeping ones keep torch near its figure on an idle machine
    env: { OMP_WAIT_POLICY: 'PASSIVE', ...process.env },
    input: JSON.stringify(request),
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  if (r.status !== 0) throw new Error(`${TORCH_SCRIPT} failed (exit ${r.status}): ${r.stderr.trim()}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string);
}
