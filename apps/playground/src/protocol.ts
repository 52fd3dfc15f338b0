/** Messages between the page (main.ts) and the compute worker (worker.ts). All heavy work runs in the worker. */

/** A model directory's files by name (from the file picker, drag and drop, or a URL through the download cache). */
export type ModelFiles = Record<string, Blob>;

export type BackendPreference = 'auto' | 'cpu' | 'webgpu';

export type Request =
  /** `maxBindingBytes` caps a WebGPU buffer (`?maxBindingMiB=`): try a model as on a GPU with smaller limits. */
  | { type: 'init'; backend: BackendPreference; maxBindingBytes?: number }
  | { type: 'load'; name: string; files: ModelFiles }
  /** Fetch a model folder by URL into the cache and load it; `preferCache`: use a cached copy without asking. */
  | { type: 'loadUrl'; name: string; url: string; preferCache: boolean }
  | {
      type: 'chat';
      text: string;
      maxNewTokens: number;
      thinking: boolean;
      tools: boolean;
      /** 0: greedy decoding. */
      temperature: number;
      /** The system prompt; a change starts a new conversation. */
      system: string;
    }
  | { type: 'reset' }
  | { type: 'tokenize'; text: string }
  | { type: 'train'; steps: number }
  | { type: 'listCache' }
  | { type: 'deleteCached'; url: string };

export type ErrorKind = 'device-lost' | 'out-of-memory' | 'quota' | 'input' | 'internal';

export type Reply =
  | { type: 'ready'; backend: string; notice?: string }
  | { type: 'progress'; text: string }
  | ({ type: 'loaded' } & LoadedModel)
  /** Download progress of a model by URL (bytes of all its files; `cached`: this file came from the cache). */
  | {
      type: 'download';
      name: string;
      loaded: number;
      total: number;
      loadedBytes: number;
      totalBytes: number;
      cached: boolean;
    }
  /** The key-value store of the loaded model's tools, after it loaded and after each tool call. */
  | { type: 'store'; kv: Record<string, string> }
  | { type: 'cache'; models: { url: string; bytes: number }[] }
  | { type: 'token'; text: string }
  | { type: 'reasoning'; text: string }
  | { type: 'tool'; name: string; arguments: unknown; result: string; ok: boolean }
  | { type: 'stats'; tokensPerSecond: number; timeToFirstTokenMs: number; kvBytes: number }
  | { type: 'done'; content: string }
  | { type: 'tokens'; ids: number[]; pieces: string[] }
  | { type: 'trainStep'; step: number; steps: number; loss: number }
  | ({ type: 'trained' } & LoadedModel)
  | { type: 'error'; kind: ErrorKind; message: string };

/** What the page shows of a loaded model. */
export interface LoadedModel {
  name: string;
  parameters: number;
  kvBytesPerToken: number;
  /** The tools the chat offers it (its tools.json's, else the calculator, clock and converter). */
  tools: string[];
  /** Tools of its manifest this browser cannot run, with why. */
  skippedTools?: { name: string; reason: string }[];
}
