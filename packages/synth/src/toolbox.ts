// Entry `@agentlm/synth/toolbox`: the tool-use domain's simulated APIs without the rest of synth (whose
// sandbox needs node:worker_threads), so a browser or a Web Worker can offer the tools a model trained on.
export { ToolFailure } from './domains/domain.js';
export { TOOL_HANDLERS, TOOL_SPECS, type ToolboxHandler, type ToolboxState } from './domains/toolbox.js';
export type { ToolSpec } from './types.js';
