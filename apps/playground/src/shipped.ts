/**
 * The model the playground ships and loads on a first visit: the checkpoint `agentlm demo` writes (a 1M-parameter
 * nano model mid-trained on the key-value tool tasks), served beside the app under `models/agentlm-demo/`, with
 * a `tools.json` manifest of the two tools it was trained with and a sample store. See docs/playground.md.
 */
export const SHIPPED_MODEL = {
  name: 'agentlm-demo',
  /** Relative to the page, so the app works from the docs site's /playground/ and from a file server. */
  path: 'models/agentlm-demo/',
  /**
   * The demo's own system prompt (DEMO_SYSTEM_PROMPT in packages/trainer/src/demo/data.ts): the model answers
   * the key-value tasks after it, not after an arbitrary one.
   */
  system: 'Think in <think></think>, call tools when they help, then answer.',
};

/** What the task's verifier (`@agentlm/synth`'s `checkAnswer`) expects of a suggested prompt. */
export type SuggestionCheck =
  | { kind: 'kv-lookup'; expected: { type: 'exact'; value: string } }
  | { kind: 'kv-save'; expected: { type: 'tool_state'; kv: Record<string, string> } };

export type Suggestion = {
  label: string;
  prompt: string;
  /** The tool call that answers it (what the tests expect the model to make). */
  call: { name: string; arguments: Record<string, string> };
} & SuggestionCheck;

/**
 * Prompts the shipped model answers correctly with greedy decoding (the synth templates' exact wording, with the
 * store of its tools.json). A 1M-parameter model answers the phrasings it was trained on, so these were picked by
running it:
 * apps/playground/test/shipped-model.test.ts checks each one with the task's verifier.
 */
export const SUGGESTIONS: Suggestion[] = [
  {
    label: 'Look up "team"',
    prompt: 'What value is stored under the key "team"? End your reply with a line "Answer: <value>".',
    call: { name: 'kv_get', arguments: { key: 'team' } },
    kind: 'kv-lookup',
    expected: { type: 'exact', value: 'kim' },
  },
  {
    label: 'Look up "status"',
    prompt: 'What value is stored under the key "status"? End your reply with a line "Answer: <value>".',
    call: { name: 'kv_get', arguments: { key: 'status' } },
    kind: 'kv-lookup',
    expected: { type: 'exact', value: 'blocked' },
  },
  {
    label: 'Save "mango" under "project"',
    prompt: 'Save the value "mango" under the key "project" in the key-value store.',
    call: { name: 'kv_set', arguments: { key: 'project', value: 'mango' } },
    kind: 'kv-save',
    expected: { type: 'tool_state', kv: { project: 'mango' } },
  },
  {
    label: 'Save "ready" under "fruit"',
    prompt: 'Save the value "ready" under the key "fruit" in the key-value store.',
    call: { name: 'kv_set', arguments: { key: 'fruit', value: 'ready' } },
    kind: 'kv-save',
    expected: { type: 'tool_state', kv: { fruit: 'ready' } },
  },
];
