import type { ErrorKind } from './protocol.js';

/**
 * Sorts a worker failure into what the page can explain: a lost GPU device, memory that ran out (device or
 * host), a full storage quota, bad input (a typed error of an agentlm package: wrong files, bad config), or
 * an internal bug. The message keeps the error's name, which names the package's error class.
 */
export function classifyError(err: unknown): { kind: ErrorKind; message: string } {
  const e = (err instanceof Error ? err : new Error(String(err))) as Error & {
    kind?: ErrorKind;
    code?: string;
  };
  const message = e.name && e.name !== 'Error' ? `${e.name}: ${e.message}` : e.message;
  if (e.kind) return { kind: e.kind, message };
  if (/device (was )?lost/i.test(e.message)) return { kind: 'device-lost', message };
  if (e.name === 'QuotaExceededError') return { kind: 'quota', message };
  if (
    e instanceof RangeError ||
    e.code === 'DEVICE_LIMIT' ||
    /out of (device )?memory|allocation failed|exceeds the device's max/i.test(e.message)
  )
    return { kind: 'out-of-memory', message };
  if (typeof e.code === 'string') return { kind: 'input', message };
  return { kind: 'internal', message };
}
