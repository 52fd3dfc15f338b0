// Writes guide/cli.md from the built CLI's own --help output, so the command reference cannot drift.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const bin = createRequire(import.meta.url)
  .resolve('@agentlm/cli/package.json')
  .replace(/package\.json$/, 'dist/bin.js');
const help = (args) => execFileSync(process.execPath, [bin, ...args, '--help'], { encoding: 'utf8' }).trim();

/** Sub-command names from a help text's "Commands:" section (skipping commander's own `help`). */
function subcommands(text) {
  const section = text.split(/\nCommands:\n/)[1];
  if (!section) return [];
  return section
    .split('\n')
    .map((line) => /^ {2}([a-z][\w-]*)/.exec(line)?.[1])
    .filter((name) => name && name !== 'help');
}

const out = [
  '# Command line',
  '',
  'Generated from `agentlm <command> --help`. Run any command with `--help` for the same text.',
  '',
];
function walk(path) {
  const text = help(path);
  out.push(`## agentlm ${path.join(' ')}`.trimEnd(), '', '```text', text, '```', '');
  for (const sub of subcommands(text)) walk([...path, sub]);
}
walk([]);
writeFileSync(join(import.meta.dirname, '..', 'guide', 'cli.md'), out.join('\n'));
console.log(`cli-reference: wrote guide/cli.md`);
