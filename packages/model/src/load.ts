import { type Backend, type DType, getBackend, type Tensor, tensor } from '@agentlm/tensor';
import { parseConfig, readConfig, type YoutuConfig } from './config.js';
import { CheckpointError, ConfigError } from './errors.js';
import { YoutuModel } from './model.js';
import { type ByteSource, byteSourceOf, Checkpoint, decodeTensor, type TensorEntry } from './safetensors.js';
import { numel, storageDType, type WeightSpec, weightSpecs } from './weights.js';

export interface LoadProgress {
  /** Tensors on the device so far, of `total`. */
  loaded: number;
  total: number;
  /** The tensor just loaded. */
  name: string;
  loadedBytes: number;
  totalBytes: number;
}

export interface LoadOptions {
  /** Default: the tensor package's default backend. */
  backend?: Backend;
  /** Storage dtype of the weights on the device (default f32; bf16/f16 halve memory, math stays f32). */
  dtype?: DType;
  /** Mark f32 weights trainable (default true for f32). */
  requiresGrad?: boolean;
  onProgress?: (p: LoadProgress) => void;
}

/** Stored buffers HF checkpoints sometimes carry that are recomputed, not loaded. */
const IGNORED_SUFFIXES = ['.rotary_emb.inv_freq'];

function listNames(names: string[]): string {
  return names.length <= 5
    ? names.join(', ')
    : `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`;
}

/** Checks names, shapes and dtypes of a checkpoint against a config before anything touches the device. */
export function checkCheckpoint(config: YoutuConfig, ckpt: Checkpoint): WeightSpec[] {
  const specs = weightSpecs(config);
  const expected = new Set(specs.map((s) => s.name));
  const missing = specs.filter((s) => !ckpt.entries.has(s.name)).map((s) => s.name);
  if (missing.length > 0)
    throw new CheckpointError(
      `missing tensors: ${listNames(missing)}`,
      ckpt.dir,
      missing[0],
      'MISSING_TENSOR',
    );
  const extra = [...ckpt.entries.keys()].filter(
    (n) =>
      !expected.has(n) &&
      !(n === 'lm_head.weight' && config.tieWordEmbeddings) &&
      !IGNORED_SUFFIXES.some((s) => n.endsWith(s)),
  );
  if (extra.length > 0)
    throw new CheckpointError(`unexpected tensors: ${listNames(extra)}`, ckpt.dir, extra[0], 'EXTRA_TENSOR');
  for (const s of specs) {
    const e = ckpt.entries.get(s.name) as TensorEntry;
    if (e.shape.length !== s.shape.length || e.shape.some((d, i) => d !== s.shape[i])) {
      throw new CheckpointError(
        `wrong shape: expected [${s.shape}], found [${e.shape}]`,
        e.file,
        s.name,
        'SHAPE',
      );
    }
    if (!['F32', 'F16', 'BF16', 'F64'].includes(e.dtype)) {
      throw new CheckpointError(
        `unsupported weight dtype ${e.dtype} (F32, F16, BF16 or F64)`,
        e.file,
        s.name,
        'DTYPE',
      );
    }
  }
  return specs;
}

type BufferLimits = { maxStorageBufferBindingSize?: number; maxBufferSize?: number };

/** The largest single buffer a backend can hold, when it says (a WebGPU backend's device does). */
function maxBufferBytes(backend: Backend): number {
  const b = backend as { device?: { limits?: BufferLimits }; limits?: BufferLimits };
  const limits = b.device?.limits ?? b.limits;
  return Math.min(
    limits?.maxStorageBufferBindingSize ?? Number.POSITIVE_INFINITY,
    limits?.maxBufferSize ?? Number.POSITIVE_INFINITY,
  );
}

/** One tensor from its stored bytes: 16-bit data goes up as raw bits when the device dtype matches. */
function upload(
  entry: TensorEntry,
  bytes: Uint8Array,
  opts: { backend: Backend; dtype: DType; requiresGrad: boolean },
): Tensor {
  const sameHalf =
    (entry.dtype === 'BF16' && opts.dtype === 'bf16') || (entry.dtype === 'F16' && opts.dtype === 'f16');
  const data = sameHalf
    ? new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2)
    : decodeTensor(bytes, entry.dtype, { file: entry.file, tensor: entry.name });
  return tensor(data, entry.shape, opts);
}

/**
 * Loads an HF checkpoint directory (config.json + model.safetensors or shards): validates every name, shape
 * and dtype first (missing / extra tensors named, expected vs found shapes), then streams the tensors to the
 * device one at a time. On any failure every tensor already uploaded is freed before the error propagates.
 * A stored `lm_head.weight` is ignored when the head is tied.
 */
export async function loadModel(dir: string, opts: LoadOptions = {}): Promise<YoutuModel> {
  const config = await readConfig(dir);
  return loadCheckpoint(config, await Checkpoint.open(dir), dir, opts);
}

/** The files of a model directory already at hand, by file name (a browser's file picker, OPFS, memory). */
export type ModelFiles =
  | ReadonlyMap<string, Blob | Uint8Array | ArrayBuffer>
  | Readonly<Record<string, Blob | Uint8Array | ArrayBuffer>>;

/**
 * `loadModel` for files that are not in a directory on disk (no Node built-ins are touched): `config.json`
 * plus `model.safetensors` or shards with their index, keyed by file name; other files are ignored. Same
 * validation, progress and cleanup; tensors are read from the Blobs one at a time.
 */
export async function loadModelFromFiles(
  files: ModelFiles,
  opts: LoadOptions & { label?: string } = {},
): Promise<YoutuModel> {
  const label = opts.label ?? '(files)';
  const sources = new Map<string, ByteSource>();
  for (const [name, data] of files instanceof Map ? files : Object.entries(files))
    sources.set(name, byteSourceOf(data));
  const configSource = sources.get('config.json');
  if (configSource === undefined) throw new ConfigError('config.json', '(file)', `missing from ${label}`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(await configSource.read(0, configSource.size)));
  } catch (err) {
    throw new ConfigError('config.json', '(file)', `is not valid JSON: ${(err as Error).message}`);
  }
  return loadCheckpoint(parseConfig(json), await Checkpoint.fromFiles(sources, label), label, opts);
}

/** Validates an open checkpoint against its config, uploads it, and closes it (freeing uploads on failure). */
async function loadCheckpoint(
  config: YoutuConfig,
  ckpt: Checkpoint,
  dir: string,
  opts: LoadOptions,
): Promise<YoutuModel> {
  const backend = opts.backend ?? getBackend();
  const dtype = opts.dtype ?? 'f32';
  const requiresGrad = opts.requiresGrad ?? dtype === 'f32';
  const params = new Map<string, Tensor>();
  try {
    const specs = checkCheckpoint(config, ckpt);
    const bytesOf = (s: WeightSpec) => numel(s.shape) * (storageDType(s, dtype) === 'f32' ? 4 : 2);
    const limit = maxBufferBytes(backend);
    const totalBytes = specs.reduce((n, s) => n + bytesOf(s), 0);
    for (const s of specs) {
      if (bytesOf(s) > limit) {
        throw new CheckpointError(
          `needs a ${bytesOf(s)}-byte buffer, over the device limit of ${limit} bytes`,
          dir,
          s.name,
          'DEVICE_LIMIT',
        );
      }
    }
    let loadedBytes = 0;
    for (const s of specs) {
      const { entry, bytes } = await ckpt.readRaw(s.name);
      params.set(s.name, upload(entry, bytes, { backend, dtype: storageDType(s, dtype), requiresGrad }));
      loadedBytes += bytesOf(s);
      opts.onProgress?.({ loaded: params.size, total: specs.length, name: s.name, loadedBytes, totalBytes });
    }
    return YoutuModel.fromParams(config, params);
  } catch (err) {
    for (const t of params.values()) t.dispose();
    throw err;
  } finally {
    await ckpt.close();
  }
}
