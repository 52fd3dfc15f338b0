import { defineConfig } from 'vite';

// base './' so the built app also works from a sub-path (the docs site links it) or file server.
export default defineConfig({
  base: './',
  build: { target: 'es2022', outDir: 'dist' },
  worker: { format: 'es' },
});
