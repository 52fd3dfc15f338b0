#!/usr/bin/env node
// Creates a new @agentlm/<name> library package with the workspace's conventions:
// tsup (ESM + .d.ts), an exports map, vitest, a README with a runnable example, and a typed error module.
// Usage: node tools/dev/new-package.mjs <name> "<one-line description>"
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [name, description] = process.argv.slice(2);
if (!name || !/^[a-z][a-z0-9-]*$/.test(name) || !description) {
  console.error('usage: node tools/dev/new-package.mjs <name> "<description>" (name: lowercase, dashes)');
  process.exit(2);
}
const dir = join('packages', name);
if (existsSync(dir)) {
  console.error(`new-package: ${dir} already exists`);
  process.exit(1);
}
const pascal = name.replace(/(^|-)([a-z])/g, (_, __, c) => c.toUpperCase());
const files = {
  'package.json': `${JSON.stringify(
    {
      name: `@agentlm/${name}`,
      version: '0.1.0',
      description,
      license: 'Apache-2.0',
      type: 'module',
      sideEffects: false,
      engines: { node: '>=20.19' },
      main: './dist/index.js',
      types: './dist/index.d.ts',
      exports: {
        '.': { types: './dist/index.d.ts', import: './dist/index.js' },
        './package.json': './package.json',
      },
      files: ['dist', 'README.md'],
      scripts: {
        build: 'tsup',
        test: 'vitest run',
        typecheck: 'tsc --noEmit -p tsconfig.json',
      },
      publishConfig: { access: 'public' },
    },
    null,
    2,
  )}\n`,
  'tsconfig.json': `${JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src', 'test'] }, null, 2)}\n`,
  'tsup.config.ts': `import { libraryConfig } from '../../tsup.base.js';

export default libraryConfig();
`,
  'vitest.config.ts': `import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { include: ['test/**/*.test.ts'] } });
`,
  'src/index.ts': `export { ${pascal}Error } from './errors.js';\n`,
  'src/errors.ts': `/** Base class of every error @agentlm/${name} throws; \`code\` is stable for programs to match on. */
export class ${pascal}Error extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = '${pascal}Error';
  }
}
`,
  'test/errors.test.ts': `import { describe, expect, it } from 'vitest';
import { ${pascal}Error } from '../src/index.js';

describe('${pascal}Error', () => {
  it('carries a stable code and its name', () => {
    const err = new ${pascal}Error('bad thing', 'BAD');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('${pascal}Error');
    expect(err.code).toBe('BAD');
  });
});
`,
  'README.md': `# @agentlm/${name}

${description}

\`\`\`sh
npm install @agentlm/${name}
\`\`\`
`,
};
for (const [file, text] of Object.entries(files)) {
  mkdirSync(join(dir, file, '..'), { recursive: true });
  writeFileSync(join(dir, file), text);
}
console.log(`created ${dir}; next: pnpm install, then add docs/packages/${name}.md`);
