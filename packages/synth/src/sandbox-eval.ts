import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from 'quickjs-emscripten';
import type { SandboxFailure, SandboxLimits, SandboxResult } from './sandbox.js';

/** Jobs run between two checks of the clock while pending promises are awaited. */
const JOB_BATCH = 256;

/**
 * A host-side exception escaped QuickJS (the WebAssembly stack ran out, QuickJS aborted, a handle was
 * used after free) or the run could not free what it made: the module's linear memory may be
 * inconsistent, so the caller must not reuse it. `result` is what the run reports.
 */
export class ModuleFault extends Error {
  constructor(readonly result: SandboxResult) {
    super(result.error);
  }
}

/** A QuickJS WebAssembly instance whose linear memory cannot grow past `maxBytes` (base + `memoryBytes`). */
export interface QuickJSInstance {
  quickjs: QuickJSWASMModule;
  memoryBytes: number;
  maxBytes: number;
  /** Set when the heap asked for memory past the ceiling (the linear memory refused to grow). */
  exhausted: boolean;
}

/**
 * Evaluates one program in a fresh runtime and context of the instance, awaits the promises it
 * leaves (the last value included) within the time budget, and frees everything it made. Failures
 * inside the program come back as a failed result; a fault of the WebAssembly module itself throws
 * `ModuleFault` (after which the module must be discarded).
 */
export function evaluate(instance: QuickJSInstance, code: string, limits: SandboxLimits): SandboxResult {
  const deadline = Date.now() + limits.timeoutMs;
  const output = new Output(limits.maxOutputChars);
  const handles: QuickJSHandle[] = [];
  const run: Run = { instance, output, deadline, limits };
  let runtime: QuickJSRuntime | undefined;
  let context: QuickJSContext | undefined;
  let result: SandboxResult;
  let poisoned = false;
  instance.exhausted = false;
  try {
    runtime = instance.quickjs.newRuntime();
    // QuickJS's own count is coarse in this build (no malloc_usable_size): it stops single huge
    // allocations early; the instance's memory ceiling is the hard bound.
    runtime.setMemoryLimit(limits.memoryBytes);
    runtime.setMaxStackSize(limits.stackBytes);
    runtime.setInterruptHandler(() => Date.now() > deadline);
    // No modules exist inside: `import` (static or dynamic) is refused with a catchable error.
    runtime.setModuleLoader((name) => ({
      error: new Error(`cannot import "${name}": the sandbox has no modules`),
    }));
    context = runtime.newContext();
    installConsole(context, output);
    const evaluated = context.evalCode(code, 'solution.js');
    const last = evaluated.error ?? evaluated.value;
    handles.push(last);
    result = evaluated.error ? failed(context, last, run) : settle(runtime, context, last, handles, run);
  } catch (err) {
    // QuickJS has bugs on some out-of-memory paths (a trap, a leak): after the heap ran out, that is the cause.
    result = instance.exhausted
      ? failure(output, 'memory', 'InternalError: out of memory')
      : hostFault(err, output);
    poisoned = true;
  }
  try {
    for (const handle of handles) if (handle.alive) handle.dispose();
    if (context?.alive) context.dispose();
    if (runtime?.alive) runtime.dispose();
  } catch {
    // QuickJS found objects still alive when freeing the runtime (a leak inside it) and aborted.
    poisoned = true;
  }
  if (poisoned) throw new ModuleFault(result);
  return result;
}

/** What the steps of one evaluation share. */
interface Run {
  instance: QuickJSInstance;
  output: Output;
  deadline: number;
  limits: SandboxLimits;
}

/** Drains the job queue (promise reactions) and reports the settled last value. */
function settle(
  runtime: QuickJSRuntime,
  context: QuickJSContext,
  last: QuickJSHandle,
  handles: QuickJSHandle[],
  run: Run,
): SandboxResult {
  const { output, deadline, limits } = run;
  while (runtime.hasPendingJob()) {
    if (Date.now() > deadline) return timeout(output, limits);
    const ran = runtime.executePendingJobs(JOB_BATCH);
    if (ran.error) {
      handles.push(ran.error);
      return failed(ran.error.context, ran.error, run);
    }
  }
  const state = context.getPromiseState(last);
  if (state.type === 'pending') {
    const why = 'the last value is a promise that never settles (no job is left to settle it)';
    return failure(output, 'unsettled', `PendingPromiseError: ${why}`);
  }
  if (state.type === 'rejected') {
    handles.push(state.error);
    return failed(context, state.error, run);
  }
  if (!state.notAPromise) handles.push(state.value);
  const value = toData(context, state.value);
  if (Date.now() > deadline) return timeout(output, limits);
  return { ok: true, stdout: output.text(), value, timedOut: false };
}

/** The failed result of an uncaught exception (or rejection), classified by its QuickJS message. */
function failed(context: QuickJSContext, thrown: QuickJSHandle, run: Run): SandboxResult {
  const { output, deadline, limits } = run;
  const error = describe(context, thrown);
  if (error === 'InternalError: interrupted' || Date.now() > deadline) return timeout(output, limits);
  // With the heap exhausted, what was thrown is out of memory whatever it shows (QuickJS throws null, or an
  // error it cannot describe, when it runs out while making the out-of-memory error).
  if (/^\w+: out of memory$/.test(error) || run.instance.exhausted)
    return failure(output, 'memory', 'InternalError: out of memory');
  // The parser reports its overflow as `SyntaxError: stack overflow`.
  return failure(output, /^\w+: stack overflow$/.test(error) ? 'stack' : 'error', error);
}

function failure(output: Output, kind: SandboxFailure, error: string): SandboxResult {
  return { ok: false, stdout: output.text(), error, failure: kind, timedOut: kind === 'timeout' };
}

function timeout(output: Output, limits: SandboxLimits): SandboxResult {
  return failure(output, 'timeout', `TimeoutError: ran past ${limits.timeoutMs} ms`);
}

/** The result reported for a host-side fault; a host stack overflow is reported as the program's. */
function hostFault(err: unknown, output: Output): SandboxResult {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  if (err instanceof RangeError && /call stack/i.test(message))
    return failure(output, 'stack', 'InternalError: stack overflow');
  return failure(output, 'crash', `SandboxFault: ${message}`);
}

/** `Name: message` of a thrown value; a thrown non-error is shown as data. */
function describe(context: QuickJSContext, thrown: QuickJSHandle): string {
  const data = toData(context, thrown);
  if (data && typeof data === 'object') {
    const { name, message } = data as { name?: unknown; message?: unknown };
    if (typeof message === 'string') return `${typeof name === 'string' ? name : 'Error'}: ${message}`;
  }
  return `Uncaught ${show(data) || context.typeof(thrown)}`;
}

/**
 * The value as JSON-compatible data (what JSON.stringify inside QuickJS makes of it); bigints and
 * symbols, which JSON and structured clone cannot carry, become their string form.
 */
function toData(context: QuickJSContext, handle: QuickJSHandle): unknown {
  const type = context.typeof(handle);
  if (type === 'undefined' || type === 'function') return undefined;
  if (type === 'bigint') return `${context.getBigInt(handle)}n`;
  if (type === 'symbol') return String(context.getSymbol(handle));
  // `dump` would report (and free) a promise; a nested one is shown as JSON.stringify shows it.
  const state = context.getPromiseState(handle);
  if (state.type === 'fulfilled' && state.notAPromise) return context.dump(handle);
  if (state.type === 'fulfilled') state.value.dispose();
  if (state.type === 'rejected') state.error.dispose();
  return {};
}

function show(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** What `console.log` printed, cut at the character budget so a print loop cannot flood the result. */
class Output {
  private readonly lines: string[] = [];
  private printed = 0;

  constructor(private readonly maxChars: number) {}

  get full(): boolean {
    return this.printed >= this.maxChars;
  }

  print(line: string): void {
    if (this.full) return;
    const kept = line.slice(0, this.maxChars - this.printed);
    this.printed += kept.length + 1;
    this.lines.push(kept);
  }

  text(): string {
    return this.lines.join('\n');
  }
}

function installConsole(context: QuickJSContext, output: Output): void {
  const log = context.newFunction('log', (...args: QuickJSHandle[]) => {
    if (output.full) return;
    output.print(args.map((a) => show(toData(context, a) ?? context.typeof(a))).join(' '));
  });
  const consoleObject = context.newObject();
  context.setProp(consoleObject, 'log', log);
  context.setProp(context.global, 'console', consoleObject);
  log.dispose();
  consoleObject.dispose();
}
