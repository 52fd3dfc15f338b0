// Ships the built playground inside the docs site at /playground/ so the docs can link a live app.
import { cpSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const dist = createRequire(import.meta.url)
  .resolve('@agentlm/playground/package.json')
  .replace(/package\.json$/, 'dist');
if (!existsSync(join(dist, 'index.html'))) throw new Error(`playground not built: ${dist}`);
cpSync(dist, join(import.meta.dirname, '..', '.vitepress', 'dist', 'playground'), { recursive: true });
console.log('copy-playground: copied the playground to .vitepress/dist/playground');
