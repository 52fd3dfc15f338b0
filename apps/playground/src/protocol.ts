/** Messages between the page (main.ts) and the compute worker (worker.ts). All heavy work runs in the worker. */

/** A model directory's files by name (from the file picker, drag and drop or the OPFS cache). */
export type ModelFiles = Record<string, Blob>;

export type BackendPreference = 'auto' | 'cpu' | 'webgpu';

export type Request =
  | { type: 'init'; backend: BackendPreference }
  | { type: 'load'; name: string; files: ModelFiles }
  | { type: 'chat'; text: string; maxNewTokens: number; thinking: boolean; tools: boolean }
  | { type: 'reset' }
  | { type: 'tokenize'; text: string }
  | { type: 'train'; steps: number };

export type ErrorKind = 'device-lost' | 'out-of-memory' | 'quota' | 'input' | 'internal';

export type Reply =
  | { type: 'ready'; backend: string; notice?: string }
  | { type: 'progress'; text: string }
  | { type: 'loaded'; name: string; parameters: number; kvBytesPerToken: number }
  | { type: 'token'; text: string }
  | { type: 'reasoning'; text: string }
  | { type: 'tool'; name: string; arguments: unknown; result: string; ok: boolean }
  | { type: 'stats'; tokensPerSecond: number; timeToFirstTokenMs: number; kvBytes: number }
  | { type: 'done'; content: string }
  | { type: 'tokens'; ids: number[]; pieces: string[] }
  | { type: 'trainStep'; step: number; steps: number; loss: number }
  | { type: 'trained'; name: string; parameters: number; kvBytesPerToken: number }
  | { type: 'error'; kind: ErrorKind; message: string };
