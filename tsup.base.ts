import { defineConfig, type Options } from 'tsup';

/**
 * The build every @agentlm library shares: ESM + .d.ts for Node ≥ 20.19 and browsers. A package's
 * tsup.config.ts passes only what differs (usually nothing, or extra entry points).
 */
export function libraryConfig(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    ...overrides,
  });
}
