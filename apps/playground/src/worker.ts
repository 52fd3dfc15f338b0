import type { Reply, Request } from './protocol.js';

/** The compute worker: owns the backend, the loaded model and the trainer so the page never freezes. */
const reply = (msg: Reply) => postMessage(msg);

async function detectBackend(preference: 'auto' | 'cpu' | 'webgpu'): Promise<Reply> {
  if (preference === 'cpu') return { type: 'ready', backend: 'cpu' };
  const adapter = 'gpu' in navigator && navigator.gpu ? await navigator.gpu.requestAdapter() : null;
  if (adapter) return { type: 'ready', backend: 'webgpu' };
  return {
    type: 'ready',
    backend: 'cpu',
    notice: 'WebGPU is not available in this browser: running on the CPU backend.',
  };
}

addEventListener('message', async (event: MessageEvent<Request>) => {
  const req = event.data;
  try {
    if (req.type === 'init') reply(await detectBackend(req.backend));
    else reply({ type: 'error', kind: 'internal', message: `${req.type} is not available yet` });
  } catch (err) {
    reply({ type: 'error', kind: 'internal', message: (err as Error).message });
  }
});
