/** What the app reads of a model directory; anything else in a picked folder (runs, logs, plots) is left alone. */
const MODEL_FILE =
  /^(config\.json|model(-\d{5}-of-\d{5})?\.safetensors|model\.safetensors\.index\.json|tokenizer\.json|tokenizer_config\.json|special_tokens_map\.json|generation_config\.json)$/;

/**
 * The files of one model directory among picked or dropped files. Files from a folder picker carry their
 * path (`webkitRelativePath`): the model is the shallowest folder holding a config.json, so picking the
 * output folder of `agentlm demo` finds its `model/` checkpoint. Returns null when no config.json is there.
 */
export function modelDirectoryFiles<F extends { name: string; webkitRelativePath?: string }>(
  files: Iterable<F>,
): { folder: string; files: Map<string, F> } | null {
  const all = [...files];
  const dirOf = (f: F) => (f.webkitRelativePath || f.name).split('/').slice(0, -1).join('/');
  const configs = all.filter((f) => f.name === 'config.json').map(dirOf);
  if (configs.length === 0) return null;
  const folder = configs.sort(
    (a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b),
  )[0] as string;
  const picked = new Map<string, F>();
  for (const f of all) if (dirOf(f) === folder && MODEL_FILE.test(f.name)) picked.set(f.name, f);
  return { folder, files: picked };
}
