import type { QuickJSContext, QuickJSHandle, QuickJSWASMModule } from 'quickjs-emscripten';
import { SandboxError } from './errors.js';

/** Resource limits of one code execution. */
export interface SandboxLimits {
  /** Wall-clock budget; the interpreter is interrupted when it runs past it. */
  timeoutMs: number;
  /** Heap ceiling of the QuickJS runtime. */
  memoryBytes: number;
  /** Printed output kept (the rest is cut, so a print loop cannot flood the trajectory). */
  maxOutputChars: number;
}

export const DEFAULT_LIMITS: SandboxLimits = { timeoutMs: 1000, memoryBytes: 32 << 20, maxOutputChars: 4000 };

export interface SandboxResult {
  ok: boolean;
  /** What `console.log` printed, one line per call. */
  stdout: string;
  /** The value of the last expression, as JSON-compatible data. */
  value?: unknown;
  /** `Name: message` of the uncaught error, including `InternalError: interrupted` on timeout. */
  error?: string;
  timedOut: boolean;
}

let modulePromise: Promise<QuickJSWASMModule> | undefined;

function loadQuickJS(): Promise<QuickJSWASMModule> {
  modulePromise ??= import('quickjs-emscripten')
    .then((m) => m.getQuickJS())
    .catch((err: unknown) => {
      modulePromise = undefined;
      throw new SandboxError(`cannot load quickjs-emscripten: ${(err as Error).message}`);
    });
  return modulePromise;
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
}

/**
 * Runs untrusted JavaScript in QuickJS compiled to WebAssembly. Each `run` gets a fresh runtime and
 * context: no `require`, `process`, `fetch`, file or network access exists inside (only the ECMAScript
 * built-ins and a `console.log` that records output), and time and memory are capped.
 */
export class Sandbox {
  private constructor(
    private readonly quickjs: QuickJSWASMModule,
    readonly limits: SandboxLimits,
  ) {}

  static async create(limits: Partial<SandboxLimits> = {}): Promise<Sandbox> {
    return new Sandbox(await loadQuickJS(), { ...DEFAULT_LIMITS, ...limits });
  }

  run(code: string): SandboxResult {
    const runtime = this.quickjs.newRuntime();
    runtime.setMemoryLimit(this.limits.memoryBytes);
    runtime.setMaxStackSize(1 << 20);
    const deadline = Date.now() + this.limits.timeoutMs;
    let timedOut = false;
    runtime.setInterruptHandler(() => {
      timedOut = Date.now() > deadline;
      return timedOut;
    });
    const context = runtime.newContext();
    const lines: string[] = [];
    let printed = 0;
    try {
      installConsole(context, (line) => {
        if (printed >= this.limits.maxOutputChars) return;
        const kept = line.slice(0, this.limits.maxOutputChars - printed);
        printed += kept.length + 1;
        lines.push(kept);
      });
      const result = context.evalCode(code, 'solution.js');
      const stdout = lines.join('\n');
      if (result.error) {
        const error = context.dump(result.error) as { name?: string; message?: string } | string;
        result.error.dispose();
        const text =
          typeof error === 'object' && error
            ? `${error.name ?? 'Error'}: ${error.message ?? ''}`
            : show(error);
        return {
          ok: false,
          stdout,
          error: timedOut ? `TimeoutError: ran past ${this.limits.timeoutMs} ms` : text,
          timedOut,
        };
      }
      const value = context.dump(result.value) as unknown;
      result.value.dispose();
      return { ok: true, stdout, value, timedOut: false };
    } finally {
      context.dispose();
      runtime.dispose();
    }
  }
}

function installConsole(context: QuickJSContext, print: (line: string) => void): void {
  const log = context.newFunction('log', (...args: QuickJSHandle[]) => {
    print(args.map((a) => show(context.dump(a))).join(' '));
  });
  const consoleObject = context.newObject();
  context.setProp(consoleObject, 'log', log);
  context.setProp(context.global, 'console', consoleObject);
  log.dispose();
  consoleObject.dispose();
}
