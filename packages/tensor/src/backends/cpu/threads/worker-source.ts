/**
 * The script every pool worker runs (a string, so that it needs no bundler support and no file of its own: Node
 * starts it with `eval`, a browser from a Blob URL). It knows no kernel: it instantiates the WebAssembly modules
 * it is sent on the shared memories it is sent, then claims and runs plans (see pool.ts), lists of two ops
 * written by the main thread into the control block:
 *   CALL fn argc args…                         an export of an instance, by the id the main thread gave it
 *   COPY src srcAt srcStride dst dstAt dstStride rowBytes rows   bytes between (or within) shared memories
 * Waits spin briefly, then block in Atomics.wait. A job that needs registrations the worker has not received
 * yet is left to the other threads while it returns to the event loop for them (they come by message).
 */
export const WORKER_SOURCE = `
const GEN = 0, LEFT = 1, REQUIRED = 2, STOP = 3, ERROR = 4, PLANS = 5, CLAIMS = 16;
const CALL = 1, COPY = 2;
let control, lane, planBase, planInts, seen = 0, applied = 0, parked = false;
const memories = new Map(), modules = new Map(), fns = new Map(), instances = new Map();
const post = (data) => port.postMessage(data);
let port;
if (typeof process !== 'undefined' && process.versions && process.versions.node) {
  // a CommonJS eval worker has require; one started with --input-type=module inherited is ESM
  const threads = typeof require === 'function' ? require('node:worker_threads') : process.getBuiltinModule('node:worker_threads');
  port = threads.parentPort;
  port.on('message', receive);
} else {
  port = self;
  self.onmessage = (e) => receive(e.data);
}
function receive(msg) {
  if (msg.type === 'init') {
    control = new Int32Array(msg.control);
    lane = msg.lane;
    planBase = msg.planBase;
    planInts = msg.planInts;
    seen = Atomics.load(control, GEN);
    post({ type: 'ready' });
    loop();
    return;
  }
  for (const [id, memory] of msg.memories) memories.set(id, memory);
  for (const [id, module] of msg.modules) modules.set(id, module);
  for (const [id, moduleId, memoryId, name] of msg.fns) {
    const key = moduleId + ':' + memoryId;
    let instance = instances.get(key);
    if (!instance) {
      instance = new WebAssembly.Instance(modules.get(moduleId), { env: { memory: memories.get(memoryId) } });
      instances.set(key, instance);
    }
    fns.set(id, instance.exports[name]);
  }
  applied = msg.seq;
  if (parked && applied >= Atomics.load(control, REQUIRED)) {
    parked = false;
    claim(seen);
    loop();
  }
}
function loop() {
  for (;;) {
    let spins = 0;
    while (Atomics.load(control, GEN) === seen) {
      if (++spins > 20000) Atomics.wait(control, GEN, seen);
    }
    seen = Atomics.load(control, GEN);
    if (Atomics.load(control, STOP)) return;
    if (applied < Atomics.load(control, REQUIRED)) {
      parked = true; // the other threads take this job's plans
      return;
    }
    claim(seen);
  }
}
// Plans of generation gen nobody has taken, starting from this lane's first so that threads spread out.
function claim(gen) {
  const plans = Atomics.load(control, PLANS);
  for (let i = 0; i < plans; i++) {
    const p = (lane + i) % plans;
    if (Atomics.compareExchange(control, CLAIMS + p, -gen, gen) !== -gen) continue;
    execute(planBase + p * planInts);
    if (Atomics.sub(control, LEFT, 1) === 1) Atomics.notify(control, LEFT);
  }
}
function execute(planAt) {
  const plan = control;
  let at = planAt + 1;
  const end = at + plan[planAt];
  try {
    while (at < end) {
      if (plan[at] === CALL) {
        const fn = fns.get(plan[at + 1]);
        const argc = plan[at + 2];
        const args = [];
        for (let i = 0; i < argc; i++) args.push(plan[at + 3 + i]);
        fn(...args);
        at += 3 + argc;
      } else {
        const src = new Uint8Array(memories.get(plan[at + 1]).buffer);
        const dst = new Uint8Array(memories.get(plan[at + 4]).buffer);
        let from = plan[at + 2] >>> 0, to = plan[at + 5] >>> 0;
        const srcStride = plan[at + 3] >>> 0, dstStride = plan[at + 6] >>> 0, bytes = plan[at + 7] >>> 0;
        for (let r = 0, rows = plan[at + 8]; r < rows; r++, from += srcStride, to += dstStride) {
          dst.set(src.subarray(from, from + bytes), to);
        }
        at += 9;
      }
    }
  } catch (err) {
    Atomics.store(control, ERROR, 1);
    post({ type: 'error', message: String((err && err.stack) || err) });
  }
}
`;
