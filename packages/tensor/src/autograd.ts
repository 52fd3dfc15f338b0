import { TensorError } from './errors.js';
import { keep, tidy } from './memory.js';
import { alias, ones } from './ops/creation.js';
import { add } from './ops/elementwise.js';
import type { Tensor } from './tensor.js';

/**
 * Reverse-mode autograd. Each op that has an input requiring grad records a GradNode on its output:
 * the inputs and a backward function written in terms of other ops. `backward()` walks the graph in
 * reverse topological order, accumulates gradients, writes leaf gradients into `.grad` (adding to what
 * is there: gradient accumulation) and releases the graph.
 */
export interface GradNode {
  readonly inputs: readonly Tensor[];
  /** Gradients for each input (null where not needed), given the output's gradient. */
  readonly backward: (dy: Tensor) => readonly (Tensor | null)[];
  /** Tensors only the backward needs (e.g. saved statistics); disposed with the graph. */
  readonly saved: readonly Tensor[];
}

let noGradDepth = 0;

export function isGradEnabled(): boolean {
  return noGradDepth === 0;
}

/** Run fn without recording a graph (inference, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  noGradDepth++;
  try {
    return fn();
  } finally {
    noGradDepth--;
  }
}

/** Attach a backward to `out` when grad is enabled and some input requires it; else drop `saved`. */
export function record(
  out: Tensor,
  inputs: readonly Tensor[],
  backward: (dy: Tensor) => readonly (Tensor | null)[],
  saved: readonly Tensor[] = [],
): void {
  if (noGradDepth > 0 || !inputs.some((t) => t.requiresGrad)) {
    for (const t of saved) t.dispose();
    return;
  }
  out.requiresGrad = true;
  out._node = { inputs, backward, saved };
}

function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>([root]);
  const stack: [Tensor, number][] = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const inputs = top[0]._node?.inputs ?? [];
    if (top[1] < inputs.length) {
      const next = inputs[top[1]++];
      if (next.requiresGrad && !seen.has(next)) {
        seen.add(next);
        stack.push([next, 0]);
      }
    } else {
      order.push(top[0]);
      stack.pop();
    }
  }
  return order;
}

/** Backpropagate from a one-element tensor into every leaf's `.grad`. */
export function backward(root: Tensor): void {
  if (root.size !== 1) {
    throw new TensorError(
      `backward() needs a one-element tensor, got shape [${root.shape}]`,
      'BACKWARD_SHAPE',
    );
  }
  if (!root.requiresGrad) {
    throw new TensorError(
      'backward(): the tensor does not require grad (no input had requiresGrad)',
      'NO_GRAD',
    );
  }
  const order = topoOrder(root);
  const consumed = order.find((t) => t._graphReleased);
  if (consumed) {
    throw new TensorError(
      `backward(): ${consumed} belongs to a graph an earlier backward() already consumed; run the forward again`,
      'GRAPH_RELEASED',
    );
  }
  const grads = new Map<Tensor, Tensor>();
  noGrad(() => {
    grads.set(root, ones(root.shape, { backend: root.backend }));
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      const node = t._node;
      if (!node) {
        accumulateGrad(t, g);
        continue;
      }
      const inputGrads = tidy(() => node.backward(g));
      const used = new Set<Tensor>();
      node.inputs.forEach((input, k) => {
        let gi = inputGrads[k];
        if (!gi || !input.requiresGrad) {
          if (gi && gi !== g) gi.dispose();
          return;
        }
        // a backward may hand the same tensor to several inputs (or pass dy through): give each its own
        if (gi === g || used.has(gi)) gi = alias(gi);
        used.add(gi);
        const prev = grads.get(input);
        if (prev) {
          grads.set(input, add(prev, gi));
          prev.dispose();
          gi.dispose();
        } else {
          grads.set(input, gi);
        }
      });
      g.dispose();
    }
  });
  for (const t of order) releaseGraph(t);
}

/**
 * `leaf.grad += g`, exactly as `backward()` accumulates into leaves (the first gradient is kept as is; `g` is
 * owned afterwards). For gradients computed elsewhere, e.g. by data-parallel replicas, added in a fixed order.
 */
export function accumulateGrad(leaf: Tensor, g: Tensor): void {
  if (leaf.grad && !leaf.grad.disposed) {
    const sum = add(leaf.grad, g);
    leaf.grad.dispose();
    g.dispose();
    leaf.grad = keep(sum);
  } else {
    leaf.grad = keep(g);
  }
}

/** Drop a tensor's graph node and the tensors only its backward needed. */
function releaseGraph(t: Tensor): void {
  const node = t._node;
  if (!node) return;
  t._node = null;
  t._graphReleased = true;
  for (const s of node.saved) s.dispose();
  if (t._transient) t.dispose();
}

/**
 * Dispose an intermediate of a composite op: now when it is not part of a graph, else when the graph is
 * released by backward() (a downstream backward may still read its values).
 */
export function disposeIntermediate(t: Tensor): void {
  if (t._node) t._transient = true;
  else t.dispose();
}
