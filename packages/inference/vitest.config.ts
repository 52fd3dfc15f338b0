import { quietDawnInTests } from '@agentlm/tensor/testing';
import { defineConfig } from 'vitest/config';

// Workers' stderr reaches the terminal through this process: Dawn's limit-clamping warnings stop here.
quietDawnInTests();

// The machine is shared; generous per-test limits avoid flaky timeouts (no test asserts on time).
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
});
