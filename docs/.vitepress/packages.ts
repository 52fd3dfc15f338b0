/** The published packages, in dependency order; the sidebar, the site test and the examples test read this list. */
export const packages = [
  { name: 'tokenizer', title: '@agentlm/tokenizer' },
  { name: 'tensor', title: '@agentlm/tensor' },
  { name: 'model', title: '@agentlm/model' },
  { name: 'mixer', title: '@agentlm/mixer' },
  { name: 'synth', title: '@agentlm/synth' },
  { name: 'trainer', title: '@agentlm/trainer' },
  { name: 'inference', title: '@agentlm/inference' },
] as const;
