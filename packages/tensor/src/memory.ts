import type { BackendName } from './backend.js';
import { type DType, storageBytes } from './backend.js';
import { TensorError } from './errors.js';
import type { Tensor } from './tensor.js';

/**
 * Memory model: every tensor owns a reference to a storage (views share one, reference-counted; a view's
 * dense copy, made when a kernel needs one, is owned by the view); `dispose()` drops the references and a
 * storage goes back to its backend when its last one goes.
 * `tidy(fn)` opens a scope: every tensor created inside is disposed when fn returns, except what fn
 * returns and what was passed to `keep`. Gradients written to `.grad` and optimizer state are kept.
 */

const scopes: Set<Tensor>[] = [];
let liveTensors = 0;
const bytesByBackend: Record<BackendName, number> = { cpu: 0, webgpu: 0 };

/** Called by every Tensor constructor. */
export function trackTensor(t: Tensor): void {
  liveTensors++;
  scopes[scopes.length - 1]?.add(t);
}

/** Called once per disposed tensor. */
export function untrackTensor(t: Tensor): void {
  liveTensors--;
  for (const scope of scopes) scope.delete(t);
}

export function trackBytes(backend: BackendName, size: number, dtype: DType, sign: 1 | -1) {
  bytesByBackend[backend] += sign * storageBytes(size, dtype);
}

/** Exclude a tensor from disposal by every enclosing tidy scope. Returns it. */
export function keep<T extends Tensor>(t: T): T {
  for (const scope of scopes) scope.delete(t);
  return t;
}

/** Dispose one tensor, a list, or every tensor in an object's values. */
export function dispose(ts: Tensor | readonly Tensor[] | Record<string, Tensor> | null | undefined): void {
  if (!ts) return;
  if (isTensor(ts)) ts.dispose();
  else for (const t of Array.isArray(ts) ? ts : Object.values(ts)) t.dispose();
}

function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && 'shape' in x && 'dispose' in x && 'backend' in x;
}

/** Tensors reachable in a tidy result: the value itself, or nested in arrays, Maps and plain objects. */
function resultTensors(result: unknown, found = new Set<Tensor>(), seen = new Set<unknown>()): Set<Tensor> {
  if (isTensor(result)) found.add(result);
  else if (result && typeof result === 'object' && !seen.has(result) && !ArrayBuffer.isView(result)) {
    seen.add(result);
    const values = result instanceof Map ? [...result.values()] : Object.values(result);
    for (const v of values) resultTensors(v, found, seen);
  }
  return found;
}

/**
 * Run fn and dispose every tensor it created except the ones it returns (a tensor, or tensors anywhere
 * in returned arrays, Maps and objects) and kept ones. Returned tensors move to the enclosing scope. fn must be
 * synchronous: await readbacks outside the scope.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw err;
  }
  scopes.pop();
  if (result instanceof Promise) {
    throw new TensorError('tidy(fn): fn must be synchronous (it returned a Promise)', 'TIDY_ASYNC');
  }
  const survivors = resultTensors(result);
  for (const t of scope) {
    if (survivors.has(t)) scopes[scopes.length - 1]?.add(t);
    else t.dispose();
  }
  return result;
}

export interface MemoryStats {
  /** Tensors created and not yet disposed. */
  liveTensors: number;
  /** Bytes of storage held by live tensors, per backend (views share their storage, counted once). */
  bytes: Record<BackendName, number>;
}

export function memoryStats(): MemoryStats {
  return { liveTensors, bytes: { ...bytesByBackend } };
}
