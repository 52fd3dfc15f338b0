import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/program.js';
import { runCli } from './run-cli.js';

/** Every command path of the program, e.g. ['tokenizer', 'train']. */
function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((sub) => {
    const path = [...prefix, sub.name()];
    return [path, ...commandPaths(sub, path)];
  });
}

describe('agentlm CLI', () => {
  it('prints top-level help listing the commands', () => {
    const res = runCli(['--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Usage: agentlm');
    for (const sub of buildProgram().commands) expect(res.stdout).toContain(sub.name());
  });

  const paths = commandPaths(buildProgram());
  it('has commands', () => {
    expect(paths.length).toBeGreaterThan(0);
  });

  it.each(paths.map((p) => [p.join(' '), p]))('`agentlm %s --help` describes the command', (_name, path) => {
    const res = runCli([...(path as string[]), '--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`Usage: agentlm ${(path as string[]).join(' ')}`);
  });

  it('rejects an unknown command with exit code 2', () => {
    const res = runCli(['no-such-command']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("unknown command 'no-such-command'");
  });
});
