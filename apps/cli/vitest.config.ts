import { defineConfig } from 'vitest/config';

// End-to-end tests spawn the built CLI, so they are slower than unit tests.
export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 120_000 } });
