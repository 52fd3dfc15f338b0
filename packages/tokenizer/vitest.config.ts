import { defineConfig } from 'vitest/config';

// Loading the real Llama-3 / cl100k vocabularies takes a few seconds on a busy 2-core machine.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], hookTimeout: 60_000, testTimeout: 60_000 },
});
