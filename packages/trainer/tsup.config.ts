import { libraryConfig } from '../../tsup.base.js';

// grad-worker is the entry of the data-parallel worker threads (loaded by URL, beside index.js)
export default libraryConfig({ entry: ['src/index.ts', 'src/grad-worker.ts'] });
