import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { webgpuForTests } from '@agentlm/tensor/testing';
import { describe, expect, it } from 'vitest';

/**
 * `pnpm gpu-check --reduced` end to end on this machine's adapter (Mesa lavapipe in CI): the Vulkan loader
 * is found, the per-kernel WebGPU tests pass, every measurement runs, and the report names the device.
 * Without an adapter the test skips locally and fails under CI (webgpuForTests throws there).
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const { gpu, reason } = await webgpuForTests();
gpu?.destroy();
if (!gpu) console.warn(`skipping gpu-check: ${reason}`);

describe.runIf(gpu)('pnpm gpu-check --reduced', () => {
  it('runs the WebGPU tests and the tensor, inference and train cases, naming the adapter', () => {
    const r = spawnSync('bash', [join(root, 'tools/gpu-check/gpu-check.sh'), '--reduced'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 240_000,
    });
    const output = `${r.stdout}${r.stderr}`;
    expect(r.status, output).toBe(0);
    expect(output).toMatch(/^adapter: .+/m);
    const report = JSON.parse(readFileSync(join(root, 'bench-results/gpu-check-reduced.json'), 'utf8'));
    expect(report.machine.webgpu_adapter).toMatch(/\S/);
    expect(report.machine.tests_passed).toBe(true);
    expect(report.machine.reduced).toBe(true);
    const cases = report.results.map((row: { case: string }) => row.case.split(' ')[0]);
    expect(cases).toEqual(['matmul', 'attention', 'decode', 'train']);
    for (const row of report.results) expect(row.ours).toBeGreaterThan(0);
  }, 300_000);
});
