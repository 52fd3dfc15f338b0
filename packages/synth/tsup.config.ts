import { libraryConfig } from '../../tsup.base.js';

// sandbox-worker is the entry of the thread that owns QuickJS (loaded by URL, beside index.js)
// toolbox is the browser-safe entry `@agentlm/synth/toolbox` (the simulated tool APIs alone)
export default libraryConfig({ entry: ['src/index.ts', 'src/sandbox-worker.ts', 'src/toolbox.ts'] });
