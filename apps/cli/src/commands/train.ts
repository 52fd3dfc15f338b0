import type { Command } from 'commander';

/** Registers the `agentlm train` commands. */
export function registerTrain(_program: Command): void {}
