#!/usr/bin/env node
// Brings a fresh clone to a built workspace with nothing but Node ≥ 20.19 and npm:
// installs the pinned pnpm (from package.json's packageManager) through npx, installs the workspace,
// and builds every package (turbo caches, so a second run is instant).
// With --system (used by `npm test`) it also installs, when running as root on Debian, what the browser
// and WebGPU tests need from apt: Mesa's software Vulkan (tools/setup-software-gpu) and Chromium.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const say = (msg) => console.log(`bootstrap: ${msg}`);
function run(cmd, args, opts = {}) {
  try {
    execFileSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  } catch (err) {
    console.error(
      `bootstrap: \`${[cmd, ...args].join(' ')}\` failed (exit ${err.status ?? err.signal ?? err.code})`,
    );
    process.exit(1);
  }
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`bootstrap: Node ${process.versions.node} is too old; agentlm needs Node >= 20.19`);
  process.exit(1);
}

if (process.argv.includes('--system')) installSystemPackages();

const pnpmVersion = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split('@')[1];
const localPnpm = join(root, 'node_modules', '.bin', 'pnpm');
const frozen = process.env.CI ? ['--frozen-lockfile'] : [];
if (existsSync(localPnpm)) {
  run(localPnpm, ['install', '--reporter=append-only', ...frozen]);
} else {
  say(`installing the workspace with pnpm ${pnpmVersion}`);
  run('npx', ['--yes', `pnpm@${pnpmVersion}`, 'install', '--reporter=append-only', ...frozen]);
}
run(localPnpm, ['run', 'build', '--output-logs=errors-only']);

function installSystemPackages() {
  const debian = existsSync('/etc/debian_version');
  const root_ = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!debian || !root_) {
    say(
      'not root on Debian: skipping apt packages. WebGPU tests need Mesa >= 25 with lavapipe (or a GPU); browser tests need Chromium (set CHROMIUM_PATH).',
    );
    return;
  }
  run('bash', [join(root, 'tools', 'setup-software-gpu', 'setup.sh')]);
  if (!existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium')) {
    say('installing Debian chromium for the browser tests');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    run('apt-get', ['update', '-qq'], { env });
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], { env });
  }
}
