import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitepress';
import { packages } from './packages.js';

// typedoc (entryPointStrategy "packages") writes one folder per package under api/@agentlm/.
const apiDir = join(import.meta.dirname, '..', 'api', '@agentlm');
const apiModules = existsSync(apiDir) ? readdirSync(apiDir).sort() : [];

export default defineConfig({
  title: 'agentlm',
  description: 'Build and run lightweight agentic language models in TypeScript on WebGPU and CPU.',
  cleanUrls: true,
  lastUpdated: false,
  srcExclude: ['**/README.md', 'test/**', 'examples/**'],
  ignoreDeadLinks: [/^\/playground/],
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/getting-started' },
      { text: 'Packages', link: '/packages/tokenizer' },
      { text: 'API', link: '/api/' },
      { text: 'Playground', link: '/playground' },
      { text: 'Benchmarks', link: '/benchmarks' },
    ],
    sidebar: [
      {
        text: 'Guide',
        items: [
          { text: 'Getting started', link: '/guide/getting-started' },
          { text: 'Architecture', link: '/guide/architecture' },
          { text: 'Command line', link: '/guide/cli' },
          { text: 'Run Youtu-LLM-2B', link: '/guide/youtu-2b' },
          { text: 'Scaling out', link: '/guide/scale-out' },
          { text: 'Hardening', link: '/guide/security' },
          { text: 'Contributing', link: '/guide/contributing' },
        ],
      },
      { text: 'Packages', items: packages.map((p) => ({ text: p.title, link: `/packages/${p.name}` })) },
      {
        text: 'API reference',
        items: [
          { text: 'Overview', link: '/api/' },
          ...apiModules.map((m) => ({ text: `@agentlm/${m}`, link: `/api/@agentlm/${m}/` })),
        ],
      },
      { text: 'Playground', link: '/playground' },
      { text: 'Benchmarks', link: '/benchmarks' },
    ],
    search: { provider: 'local' },
  },
});
