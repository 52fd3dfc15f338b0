import { afterAll, describe, expect, it } from 'vitest';
import { randn, uniform } from '../../src/index.js';
import { availableBackends, reference } from './backends.js';
import { allCases } from './cases.js';
import { evaluate, finiteDifferenceErrors, mismatch, type Result } from './harness.js';
import { TOLERANCE } from './tolerances.js';

const cases = allCases().map((c, seed) => ({ ...c, seed }));
const backends = await availableBackends();
afterAll(() => {
  for (const b of backends) b.backend?.destroy();
});

const referenceResults = new Map<number, Promise<Result>>();
function expected(seed: number): Promise<Result> {
  let r = referenceResults.get(seed);
  if (!r) {
    r = evaluate(reference, cases[seed], seed, true);
    referenceResults.set(seed, r);
  }
  return r;
}

describe('f64 reference', () => {
  it.each(cases.filter((c) => c.composed))('fused op equals its composition: $name', async (c) => {
    const fused = await expected(c.seed);
    const composed = await evaluate(reference, { ...c, run: c.composed! }, c.seed, true);
    expect(mismatch(fused.out, composed.out, TOLERANCE.composed)).toBeNull();
    fused.grads.forEach((g, i) => {
      if (g) expect(mismatch(g, composed.grads[i]!, TOLERANCE.composed), `grad ${i}`).toBeNull();
    });
  });

  it.each(cases.filter((c) => !c.noFiniteDifference))('finite differences: $name', async (c) => {
    expect(await finiteDifferenceErrors(reference, c, c.seed)).toEqual([]);
  });
});

for (const { name, backend, reason } of backends) {
  if (!backend) {
    if (process.env.CI) {
      it(`${name} backend is available in CI`, () => {
        throw new Error(`${name} backend unavailable: ${reason}`);
      });
    } else {
      console.log(`conformance: skipping the ${name} backend: ${reason}`);
    }
    continue;
  }
  describe(`${name} backend`, () => {
    it('randn and uniform reproduce the Philox stream of the reference', async () => {
      for (const make of [randn, uniform] as const) {
        const got = await make([1000], { seed: 12345, backend }).data();
        const want = make([1000], { seed: 12345, backend: reference }).dataSync();
        expect(mismatch(Float64Array.from(got), Float64Array.from(want), TOLERANCE.f32)).toBeNull();
      }
    });

    it.each(cases)(
      '$name',
      async (c) => {
        const want = await expected(c.seed);
        const got = await evaluate(backend, c, c.seed, false);
        const tol = TOLERANCE[want.outDtype as keyof typeof TOLERANCE] ?? TOLERANCE.f32;
        expect(got.outDtype).toBe(want.outDtype);
        expect(mismatch(got.out, want.out, 'atol' in tol ? tol : TOLERANCE.f32), 'forward').toBeNull();
        want.grads.forEach((g, i) => {
          if (g) expect(mismatch(got.grads[i]!, g, TOLERANCE.f32), `grad of input ${i}`).toBeNull();
        });
        // A case's first run compiles its WebGPU pipelines: lavapipe takes seconds for the unrolled attention
        // kernels (forward, dq, dk/dv per head-dim pair) on a loaded machine.
      },
      60_000,
    );
  });
}
