import { describe, expect, it } from 'vitest';
import { Sandbox } from '../src/index.js';

const sandbox = await Sandbox.create({ timeoutMs: 200, memoryBytes: 8 << 20 });

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
    expect(r).toMatchObject({ ok: false, timedOut: true });
    expect(r.error).toMatch(/TimeoutError: ran past 200 ms/);
  });

  it('stops code that allocates past its memory limit', () => {
    const r = sandbox.run('new Array(1e8).fill(1).length');
    expect(r).toMatchObject({ ok: false, timedOut: false, error: 'InternalError: out of memory' });
    // The runtime is discarded after each run, so the next one starts clean.
    expect(sandbox.run('[1, 2, 3].length').value).toBe(3);
  });

  it('caps printed output and isolates runs from each other', () => {
    const flood = sandbox.run('for (let i = 0; i < 100000; i++) console.log("line " + i)');
    expect(flood.stdout.length).toBeLessThanOrEqual(4001);
    sandbox.run('globalThis.leak = 42');
    expect(sandbox.run('typeof leak').value).toBe('undefined');
  });
});
