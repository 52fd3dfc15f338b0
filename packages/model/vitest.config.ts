import { defineConfig } from 'vitest/config';

// Generous per-test timeout: the suite shares a 2-core machine; no test asserts on time.
export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 30_000 } });
