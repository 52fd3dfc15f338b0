import type { Command } from 'commander';

/** Registers the `agentlm mix` commands. */
export function registerMix(_program: Command): void {}
