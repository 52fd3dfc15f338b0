import type { SandboxFailure } from '../src/index.js';

/**
 * Hostile programs a teacher model (or a prompt injection) could hand the code sandbox, each with the
 * result the sandbox must give: a value (the run succeeds) or a kind of failure, optionally with the
 * error text. Run by sandbox-hostile.test.ts and, 10,000 runs at a time, by `pnpm bench sandbox`.
 */
export interface HostileProgram {
  name: string;
  code: string;
  expect: { value: unknown } | { failure: SandboxFailure; error?: RegExp };
  /** Takes long (a deep structure, a memory bomb, a stop from outside): left out of the quick soak. */
  heavy?: true;
}

const fail = (failure: SandboxFailure, error?: RegExp) => ({ failure, ...(error ? { error } : {}) });
const NO_MODULES = /cannot import "[^"]+": the sandbox has no modules/;

export const HOSTILE_PROGRAMS: HostileProgram[] = [
  // Recursion: QuickJS's own stack check, or the worker thread's, ends each one.
  { name: 'plain recursion', code: 'function f() { return f() } f()', expect: fail('stack') },
  {
    name: 'mutual recursion',
    code: 'function a() { return b() } function b() { return a() } a()',
    expect: fail('stack'),
  },
  {
    name: 'recursion through a getter',
    code: 'const o = { get x() { return this.x } }; o.x',
    expect: fail('stack'),
  },
  {
    name: 'recursion through toString',
    code: 'const o = { toString() { return "" + o } }; "" + o',
    expect: fail('stack'),
  },
  {
    name: 'recursion through Array.map',
    code: 'function f() { return [1].map(f) } f()',
    expect: fail('stack'),
  },
  {
    name: 'recursion through a Proxy trap',
    code: 'const p = new Proxy({}, { get: (t, k, r) => r[k] }); p.x',
    expect: fail('stack'),
  },
  {
    name: 'recursion in a constructor',
    code: 'class A { constructor() { new A() } } new A()',
    expect: fail('stack'),
  },
  {
    name: 'recursion through yield*',
    code: 'function* g() { yield* g() } g().next()',
    expect: fail('stack'),
  },
  {
    name: 'recursion through apply',
    code: 'function f() { return f.apply(null, []) } f()',
    expect: fail('stack'),
  },
  {
    name: 'recursion with doubling spread',
    code: 'function f(...a) { return f(...a, ...a, 1) } f()',
    expect: fail('error', /^RangeError: too many arguments/),
  },
  {
    name: 'recursion through eval',
    code: 'function f() { return eval("f()") } f()',
    expect: fail('stack'),
    heavy: true,
  },
  {
    name: 'recursion in a sort comparator',
    code: 'function f() { [2, 1].sort(() => f()) } f()',
    expect: fail('stack'),
  },
  {
    name: 'recursion in a replace callback',
    code: 'function f() { return "a".replace(/a/, f) } f()',
    expect: fail('stack'),
  },
  {
    name: 'async recursion (rejects with the overflow)',
    code: 'async function f() { return await f() } f()',
    expect: fail('stack'),
  },
  // JSON.stringify looks for cycles by a linear scan of the path, so depth d costs d² steps in C, where
  // the interrupt handler is never polled: only the stop from outside ends it (if building the array
  // has not used up the time already).
  {
    name: 'JSON.stringify of a 50k-deep array',
    code: 'let a = []; for (let i = 0; i < 50000; i++) a = [a]; JSON.stringify(a).length',
    expect: fail('timeout'),
    heavy: true,
  },
  {
    name: 'String() of a 50k-deep array',
    code: 'let a = []; for (let i = 0; i < 50000; i++) a = [a]; String(a).length',
    expect: fail('stack'),
    heavy: true,
  },
  {
    name: 'JSON.parse of 200k nested brackets',
    code: 'JSON.parse("[".repeat(200000) + "]".repeat(200000))',
    expect: fail('stack', /^SyntaxError: stack overflow$/),
    heavy: true,
  },
  {
    name: 'parser fed 200k nested brackets',
    code: 'eval("[".repeat(200000) + "]".repeat(200000))',
    expect: fail('stack', /^SyntaxError: stack overflow$/),
    heavy: true,
  },
  {
    name: 'a caught stack overflow is the program’s to handle',
    code: 'function depth(n) { try { return depth(n + 1) } catch { return n } } depth(0) > 1000',
    expect: { value: true },
  },

  // Allocation storms and string/array bombs: the runtime's heap ceiling ends each one.
  // Concatenation makes ropes, so doubling reaches QuickJS's 2^30-character cap without allocating.
  {
    name: 'string doubling',
    code: 'let s = "x"; for (;;) s += s',
    expect: fail('error', /^InternalError: string too long$/),
  },
  {
    name: 'string doubling, flattened',
    code: 'let s = "x"; for (;;) s = (s + s).toUpperCase()',
    expect: fail('memory'),
  },
  {
    name: 'array of arrays',
    code: 'const keep = []; for (;;) keep.push(new Array(1000).fill(0))',
    expect: fail('memory'),
  },
  {
    name: 'object storm',
    code: 'const keep = []; for (let i = 0; ; i++) keep.push({ i, s: "v" + i })',
    expect: fail('memory'),
  },
  {
    name: 'Map storm',
    code: 'const m = new Map(); for (let i = 0; ; i++) m.set(i, [i])',
    expect: fail('memory'),
  },
  {
    name: 'closure storm',
    code: 'const keep = []; for (let i = 0; ; i++) keep.push(() => i)',
    expect: fail('memory'),
  },
  { name: 'huge ArrayBuffer', code: 'new ArrayBuffer(1e9).byteLength', expect: fail('memory') },
  { name: 'huge Float64Array', code: 'new Float64Array(1e8).length', expect: fail('memory') },
  { name: 'array join bomb', code: 'new Array(1e7).join("xxxxxxxxxx").length', expect: fail('memory') },
  { name: 'repeat bomb', code: '"abcdefgh".repeat(1 << 24).length', expect: fail('memory') },
  {
    name: 'infinite spread of a generator',
    code: '[...(function* () { for (;;) yield 1 })()]',
    expect: fail('memory'),
  },
  {
    name: 'promise storm (a million pending reactions)',
    code: 'for (;;) Promise.resolve().then(() => 0)',
    expect: fail('memory'),
  },
  {
    name: 'promise chain that keeps what it makes',
    code: 'const keep = []; function loop() { keep.push(new Array(100).fill(1)); return Promise.resolve().then(loop) } loop()',
    expect: fail('memory'),
  },
  {
    name: 'throw a megabyte-long message',
    code: 'throw new Error("x".repeat(1 << 20))',
    expect: fail('error', /^Error: x{1000}/),
    heavy: true,
  },

  // Time: the interrupt handler (or, past it, the caller) ends each one.
  { name: 'busy loop', code: 'while (true) {}', expect: fail('timeout') },
  {
    name: 'exponential recursion',
    code: 'function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) } fib(60)',
    expect: fail('timeout'),
  },
  // Array.prototype.join walks a billion holes in C without polling the interrupt handler: stopped from outside.
  {
    name: 'uninterruptible builtin',
    code: 'new Array(1e9).join("").length',
    expect: fail('timeout', /stopped from outside/),
    heavy: true,
  },
  {
    name: 'catch the interrupt and carry on',
    code: 'for (;;) { try { for (;;) {} } catch {} }',
    expect: fail('timeout'),
  },
  {
    name: 'finally that loops again',
    code: 'for (;;) { try { for (;;) {} } finally { continue } }',
    expect: fail('timeout'),
  },
  { name: 'stopped clock', code: 'Date.now = () => 0; for (;;) {}', expect: fail('timeout') },
  {
    name: 'catastrophic regex (a+)+$',
    code: '/^(a+)+$/.test("a".repeat(40) + "b")',
    expect: fail('timeout'),
  },
  { name: 'catastrophic regex (x+x+)+y', code: '/(x+x+)+y/.test("x".repeat(5000))', expect: fail('timeout') },
  { name: 'async busy loop', code: '(async () => { for (;;) {} })()', expect: fail('timeout') },
  { name: 'await loop', code: '(async () => { for (;;) await null })()', expect: fail('timeout') },
  {
    name: 'endless promise chain',
    code: 'function loop() { return Promise.resolve().then(loop) } loop()',
    expect: fail('timeout'),
  },
  {
    name: 'getter that spins in the last value',
    code: '({ get x() { for (;;) {} } })',
    expect: fail('timeout'),
  },
  { name: 'toJSON that spins', code: '({ toJSON() { for (;;) {} } })', expect: fail('timeout') },
  {
    name: 'Object.prototype.toJSON that spins',
    code: 'Object.prototype.toJSON = () => { for (;;) {} }; ({ a: 1 })',
    expect: fail('timeout'),
  },
  {
    name: 'Proxy ownKeys trap that spins',
    code: 'new Proxy({}, { ownKeys() { for (;;) {} } })',
    expect: fail('timeout'),
  },
  {
    name: 'thrown object whose message spins',
    code: 'throw { get message() { for (;;) {} } }',
    expect: fail('timeout'),
  },
  {
    name: 'console.log of a value that spins',
    code: 'console.log({ get x() { for (;;) {} } })',
    expect: fail('timeout'),
  },

  // Promises as the last value: awaited, then reported.
  {
    name: 'async entry point',
    code: '(async () => { await null; await null; return 42 })()',
    expect: { value: 42 },
  },
  { name: 'never-settling promise', code: 'new Promise(() => {})', expect: fail('unsettled') },
  {
    name: 'async entry point awaiting forever',
    code: '(async () => { await new Promise(() => {}) })()',
    expect: fail('unsettled'),
  },
  {
    name: 'rejected promise',
    code: 'Promise.reject(new TypeError("bad"))',
    expect: fail('error', /^TypeError: bad$/),
  },
  { name: 'rejection with a non-error', code: 'Promise.reject(7)', expect: fail('error', /^Uncaught 7$/) },
  {
    name: 'thenable that never calls back',
    code: 'Promise.resolve({ then() {} })',
    expect: fail('unsettled'),
  },
  // This QuickJS build has no Atomics (nor threads to wake a waiter).
  {
    name: 'Atomics.wait',
    code: 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)',
    expect: fail('error', /^ReferenceError: 'Atomics' is not defined$/),
  },
  {
    name: 'Atomics.wait with a long timeout',
    code: 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1e9)',
    expect: fail('error', /^ReferenceError: 'Atomics' is not defined$/),
  },

  // Modules: none exist inside.
  { name: 'dynamic import', code: 'import("fs")', expect: fail('error', NO_MODULES) },
  {
    name: 'static import',
    code: 'import fs from "fs"; fs.readFileSync("/etc/passwd")',
    expect: fail('error', NO_MODULES),
  },
  { name: 'module code', code: 'export const answer = 6 * 7;', expect: { value: { answer: 42 } } },
  {
    name: 'module with top-level await',
    code: 'export const late = await Promise.resolve(5);',
    expect: { value: { late: 5 } },
  },

  // Reaching for the host: nothing is there.
  {
    name: 'host globals',
    code: '[typeof require, typeof process, typeof module, typeof Buffer, typeof std, typeof os, typeof fetch, typeof WebAssembly].join()',
    expect: { value: 'undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined' },
  },
  { name: 'globalThis.process', code: 'globalThis.process?.mainModule', expect: { value: undefined } },
  {
    name: 'Function("return this")()',
    code: 'typeof Function("return this")().process',
    expect: { value: 'undefined' },
  },
  {
    name: 'constructor.constructor escape',
    code: 'this.constructor.constructor("return process")()',
    expect: fail('error', /^ReferenceError: 'process' is not defined$/),
  },
  {
    name: 'escape through a host function',
    code: 'console.log.constructor("return process")()',
    expect: fail('error', /^ReferenceError: 'process' is not defined$/),
  },
  {
    name: 'escape through the AsyncFunction constructor',
    code: 'Object.getPrototypeOf(async function () {}).constructor("return process.env")()',
    expect: fail('error', /^ReferenceError: 'process' is not defined$/),
  },
  {
    name: 'eval("require")',
    code: 'eval("require")("fs")',
    expect: fail('error', /^ReferenceError: 'require' is not defined$/),
  },
  { name: 'import.meta in a script', code: 'import.meta.url', expect: fail('error', /^SyntaxError/) },
  {
    name: 'V8 prepareStackTrace trick',
    code: 'Error.prepareStackTrace = (e, frames) => frames[0].getThis(); typeof new Error("x").stack',
    expect: { value: 'string' },
  },
  {
    name: 'caller of the host console.log',
    code: 'console.log.caller',
    expect: fail('error', /^TypeError: invalid property access$/),
  },
  {
    name: 'redefine console and keep going',
    code: 'console.log = null; globalThis.console = 1; 2 + 2',
    expect: { value: 4 },
  },
  { name: 'symbol as the last value', code: 'Symbol("s")', expect: { value: 'Symbol(s)' } },
  { name: 'bigint as the last value', code: '2n ** 70n', expect: { value: '1180591620717411303424n' } },
  { name: 'function as the last value', code: '() => process', expect: { value: undefined } },
  { name: 'thrown null', code: 'throw null', expect: fail('error', /^Uncaught null$/) },
  {
    name: 'thrown Proxy whose traps throw',
    code: 'throw new Proxy({}, { get() { throw 1 }, ownKeys() { throw 2 } })',
    expect: fail('error', /^Uncaught object$/),
  },
];
