import { libraryConfig } from '../../tsup.base.js';

// sandbox-worker is the entry of the thread that owns QuickJS (loaded by URL, beside index.js)
export default libraryConfig({ entry: ['src/index.ts', 'src/sandbox-worker.ts'] });
