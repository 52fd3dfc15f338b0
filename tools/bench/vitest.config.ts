import { quietDawnInTests } from '@agentlm/tensor/testing';
import { defineConfig } from 'vitest/config';

// Workers' stderr reaches the terminal through this process: Dawn's limit-clamping warnings stop here.
quietDawnInTests();

export default defineConfig({ test: { include: ['test/**/*.test.ts'] } });
