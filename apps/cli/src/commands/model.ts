import type { Command } from 'commander';

/** Registers the `agentlm model` commands. */
export function registerModel(_program: Command): void {}
