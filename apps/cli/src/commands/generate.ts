import type { Command } from 'commander';

/** Registers the `agentlm generate` commands. */
export function registerGenerate(_program: Command): void {}
