/**
 * Turns SIGINT/SIGTERM into a flag the training loop checks between steps, so it can write a
 * checkpoint and exit cleanly. A second signal exits at once. Returns a function that uninstalls.
 */
export function installStopOnSignal(onSignal: (signal: NodeJS.Signals) => void): () => void {
  let received = false;
  const handler = (signal: NodeJS.Signals) => {
    if (received) process.exit(130);
    received = true;
    onSignal(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
