import type { Command } from 'commander';

/** Registers the `agentlm tokenizer` commands. */
export function registerTokenizer(_program: Command): void {}
