// Node entry: everything of the main entry plus the OpenAI-compatible HTTP server (node:http) and the tool-manifest file reader (node:fs).
export * from './index.js';
export { createServer, InferenceServer, type ServerOptions } from './server/server.js';
export { readToolManifest } from './tool-manifest-file.js';
