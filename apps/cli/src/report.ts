/**
 * Turns any thrown value into the one line the CLI prints: `agentlm: <ErrorName> [<code>]: <message>`.
 * Every @agentlm package throws errors with a `name` and a stable `code`; with `--verbose` the stack follows.
 */
export function formatError(err: unknown, verbose: boolean): string {
  if (!(err instanceof Error)) return `agentlm: ${String(err)}`;
  const code = (err as { code?: unknown }).code;
  const head = `agentlm: ${err.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${err.message}`;
  return verbose && err.stack ? `${head}\n${err.stack}` : head;
}
