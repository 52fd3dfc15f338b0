import type { Command } from 'commander';

/** Registers the `agentlm synth` commands. */
export function registerSynth(_program: Command): void {}
