import { Buffer } from 'buffer';

/**
 * Node globals that some package modules touch when they are imported (never on the paths the browser runs):
 * the mixer's Megatron writer builds its magic bytes with `Buffer.from` at module level. Imported first by
 * the worker so those modules evaluate.
 */
const scope = globalThis as { Buffer?: unknown };
scope.Buffer ??= Buffer;
