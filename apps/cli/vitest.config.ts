import { quietDawnInTests } from '@agentlm/tensor/testing';
import { defineConfig } from 'vitest/config';

// Workers' stderr reaches the terminal through this process: Dawn's limit-clamping warnings stop here.
quietDawnInTests();

// End-to-end tests spawn the built CLI, so they are slower than unit tests.
export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 120_000 } });
