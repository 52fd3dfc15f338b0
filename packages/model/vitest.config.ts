import { quietDawnInTests } from '@agentlm/tensor/testing';
import { defineConfig } from 'vitest/config';

// Workers' stderr reaches the terminal through this process: Dawn's limit-clamping warnings stop here.
quietDawnInTests();

// Generous per-test timeout: the suite shares a 2-core machine; no test asserts on time.
export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 30_000 } });
