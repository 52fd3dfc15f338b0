import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const nodeModuleShim = fileURLToPath(new URL('./src/shims/node-module.ts', import.meta.url));

// base './' so the built app also works from a sub-path (the docs site links it) or file server.
export default defineConfig({
  base: './',
  build: { target: 'es2022', outDir: 'dist' },
  worker: { format: 'es' },
  resolve: { alias: [{ find: /^(node:)?module$/, replacement: nodeModuleShim }] },
  // tinyglobby (the tokenizer's corpus globs) reads process.platform when imported; no code path here uses it
  define: { 'process.platform': JSON.stringify('browser') },
});
