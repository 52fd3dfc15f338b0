// Node entry: everything of the main entry plus the OpenAI-compatible HTTP server (node:http).
export * from './index.js';
export { createServer, InferenceServer, type ServerOptions } from './server/server.js';
