import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Sandbox, SynthOptionError } from '../src/index.js';

const sandbox = await Sandbox.create({ timeoutMs: 200, memoryBytes: 8 << 20 });
// For programs that must end by themselves: a budget no loaded machine exhausts.
const patient = await Sandbox.create({ timeoutMs: 20_000, memoryBytes: 8 << 20 });

describe('QuickJS sandbox', () => {
  it('runs code, records console.log and returns the last value', () => {
    const r = sandbox.run('console.log("hi", 1 + 1, [3]); ({ a: 2 })');
    expect(r).toMatchObject({ ok: true, stdout: 'hi 2 [3]', value: { a: 2 } });
  });

  it('has no way to read files: no require, process, Deno, std/os modules or dynamic import', () => {
    const r = sandbox.run(
      '[typeof require, typeof process, typeof Deno, typeof std, typeof os, typeof globalThis.readFile].join()',
    );
    expect(r.value).toBe('undefined,undefined,undefined,undefined,undefined,undefined');
    const fsRead = sandbox.run('require("fs").readFileSync("/etc/passwd", "utf8")');
    expect(fsRead.ok).toBe(false);
    expect(fsRead.error).toMatch(/ReferenceError/);
    const imported = sandbox.run(
      'let out = "none"; import("fs").then(m => { out = "loaded" }, e => { out = "refused" }); out',
    );
    expect(imported.value).not.toBe('loaded');
  });

  it('has no network: no fetch, XMLHttpRequest, WebSocket or sockets', () => {
    const r = sandbox.run('[typeof fetch, typeof XMLHttpRequest, typeof WebSocket, typeof net].join()');
    expect(r.value).toBe('undefined,undefined,undefined,undefined');
    const call = sandbox.run('fetch("http://127.0.0.1:1/")');
    expect(call.ok).toBe(false);
    expect(call.error).toMatch(/ReferenceError/);
  });

  it('stops code that runs past its time limit', () => {
    const r = sandbox.run('let i = 0; while (true) { i++ }');
    expect(r).toMatchObject({ ok: false, timedOut: true, failure: 'timeout' });
    expect(r.error).toMatch(/TimeoutError: ran past 200 ms/);
  });

  it('stops code that allocates past its memory limit', () => {
    const r = patient.run('const keep = []; for (;;) keep.push(new Array(1000).fill(1))');
    expect(r).toMatchObject({
      ok: false,
      timedOut: false,
      failure: 'memory',
      error: 'InternalError: out of memory',
    });
    // The runtime is discarded after each run, so the next one starts clean.
    expect(sandbox.run('[1, 2, 3].length').value).toBe(3);
  });

  it('reports a stack overflow as a failed result, and the next run is unaffected', async () => {
    const r = sandbox.run('function f() { return f() } f()');
    expect(r).toMatchObject({ ok: false, failure: 'stack', error: 'InternalError: stack overflow' });
    // 1 MiB of QuickJS stack is several thousand plain calls.
    expect(sandbox.run('function depth(n) { return n === 0 ? 0 : 1 + depth(n - 1) } depth(3000)').value).toBe(
      3000,
    );
    const shallow = await Sandbox.create({ timeoutMs: 200, memoryBytes: 8 << 20, stackBytes: 64 << 10 });
    expect(
      shallow.run('function depth(n) { return n === 0 ? 0 : 1 + depth(n - 1) } depth(3000)').failure,
    ).toBe('stack');
  });

  it('awaits a promise left as the last value, running the jobs it queues', () => {
    const r = sandbox.run(
      'async function main() { await null; console.log("in job"); return [1, 2] } Promise.resolve().then(() => console.log("then")); main()',
    );
    expect(r).toMatchObject({ ok: true, value: [1, 2] });
    expect(r.stdout.split('\n').sort()).toEqual(['in job', 'then']);
    expect(sandbox.run('new Promise(() => {})')).toMatchObject({ ok: false, failure: 'unsettled' });
    expect(sandbox.run('Promise.reject(new RangeError("no"))')).toMatchObject({
      ok: false,
      failure: 'error',
      error: 'RangeError: no',
    });
  });

  it('runs ES module source (its exports are the value) and refuses every import', () => {
    expect(sandbox.run('export const x = await Promise.resolve(3); export default "d";').value).toEqual({
      x: 3,
      default: 'd',
    });
    expect(sandbox.run('import { readFileSync } from "fs"; readFileSync("/etc/passwd")')).toMatchObject({
      ok: false,
      failure: 'error',
      error: 'Error: cannot import "fs": the sandbox has no modules',
    });
  });

  it('caps printed output and isolates runs from each other', () => {
    const flood = sandbox.run('for (let i = 0; i < 100000; i++) console.log("line " + i)');
    expect(flood.stdout.length).toBeLessThanOrEqual(4001);
    sandbox.run('globalThis.leak = 42');
    expect(sandbox.run('typeof leak').value).toBe('undefined');
  });

  it('starts its worker whatever Node flags the caller was run with (here --input-type with -e)', () => {
    const built = new URL('../dist/index.js', import.meta.url).href;
    const script = `const { Sandbox } = await import(${JSON.stringify(built)}); const s = await Sandbox.create(); console.log(JSON.stringify(s.run('6 * 7').value));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('.', import.meta.url)),
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('42');
  });

  it('rejects bad limits with a typed error naming the limit', async () => {
    await expect(Sandbox.create({ timeoutMs: 0 })).rejects.toThrow(SynthOptionError);
    await expect(Sandbox.create({ stackBytes: 64 << 20 })).rejects.toThrow(/sandbox stackBytes/);
    await expect(Sandbox.create({ memoryBytes: Number.NaN })).rejects.toThrow(/sandbox memoryBytes/);
  });
});
