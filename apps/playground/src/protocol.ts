/** Messages between the page (main.ts) and the compute worker (worker.ts). All heavy work runs in the worker. */
export type ModelFiles = Record<string, ArrayBuffer>;

export interface ChatTurn {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  tool_calls?: { name: string; arguments: Record<string, unknown> }[];
}

export type Request =
  | { type: 'init'; backend: 'auto' | 'cpu' | 'webgpu' }
  | { type: 'load'; name: string; files: ModelFiles }
  | { type: 'chat'; messages: ChatTurn[]; maxNewTokens: number }
  | { type: 'tokenize'; text: string }
  | { type: 'train'; steps: number };

export type Reply =
  | { type: 'ready'; backend: string; notice?: string }
  | { type: 'loaded'; name: string; parameters: number; kvBytesPerToken: number }
  | { type: 'token'; text: string }
  | { type: 'reasoning'; text: string }
  | { type: 'tool'; name: string; arguments: unknown; result: string }
  | { type: 'stats'; tokensPerSecond: number; timeToFirstTokenMs: number; kvBytes: number }
  | { type: 'done'; content: string }
  | { type: 'tokens'; ids: number[]; pieces: string[] }
  | { type: 'trainStep'; step: number; loss: number }
  | { type: 'trained'; name: string }
  | {
      type: 'error';
      kind: 'device-lost' | 'out-of-memory' | 'quota' | 'input' | 'internal';
      message: string;
    };
