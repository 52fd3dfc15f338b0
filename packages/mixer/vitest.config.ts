import { defineConfig } from 'vitest/config';

// Builds of small mixes take seconds on a shared 2-core machine.
export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 60_000 } });
