import {
  type Backend,
  type DType,
  empty,
  getBackend,
  QUANT_BLOCK,
  type QuantizedDType,
  storageBytes,
  type Tensor,
} from '@agentlm/tensor';
import { parseConfig, readConfig, type YoutuConfig } from './config.js';
import { CheckpointError, ConfigError } from './errors.js';
import { planWeight, streamWeight, type WeightPlan } from './load-weight.js';
import { YoutuModel } from './model.js';
import { type PlaneEntry, planeEntries, storedFormat } from './quantized.js';
import { type DownloadOptions, downloadModel } from './remote/download.js';
import { isModelUrl } from './remote/store.js';
import { type ByteSource, byteSourceOf, Checkpoint, type TensorEntry } from './safetensors.js';
import { BandScratch } from './weight-stream.js';
import { numel, type WeightSpec, weightSpecs } from './weights.js';

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
  /**
   * Storage dtype of the weights on the device. Default: the checkpoint's own (a bf16 checkpoint loads as bf16, a
   * quantized one stays quantized; never a silent f32 copy). f32/f16/bf16 convert (math is f32 whatever the
   * storage); q8/q4 quantize a float checkpoint while it streams in (see quantFormatFor for which weights).
   * RMSNorm weights are f32 always.
   */
  dtype?: DType;
  /** Mark f32 weights trainable (default true for f32). */
  requiresGrad?: boolean;
  /**
   * Refuse a checkpoint holding NaN or ±Infinity, naming the first such tensor and element (default true; checked
   * band by band as the bytes stream in). false loads it anyway, for inspection tools.
   */
  checkFinite?: boolean;
  onProgress?: (p: LoadProgress) => void;
}

/** Stored buffers HF checkpoints sometimes carry that are recomputed, not loaded. */
const IGNORED_SUFFIXES = ['.rotary_emb.inv_freq'];

function listNames(names: string[]): string {
  return names.length <= 5
    ? names.join(', ')
    : `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`;
}

const FLOAT_DTYPES = ['F32', 'F16', 'BF16', 'F64'];

/**
 * Checks names, shapes and dtypes of a checkpoint against a config before anything touches the device. A weight
 * stored quantized (I8 or U8 values) must come with its scale (and q4's minimum) planes of the right shapes.
 */
export function checkCheckpoint(config: YoutuConfig, ckpt: Checkpoint): WeightSpec[] {
  const specs = weightSpecs(config);
  const missing = specs.filter((s) => !ckpt.entries.has(s.name)).map((s) => s.name);
  if (missing.length > 0)
    throw new CheckpointError(
      `missing tensors: ${listNames(missing)}`,
      ckpt.dir,
      missing[0],
      'MISSING_TENSOR',
    );
  const expected = new Set<string>();
  for (const s of specs) {
    const e = ckpt.entries.get(s.name) as TensorEntry;
    const format = storedFormat(e);
    const planes = format === null ? [{ name: s.name, shape: s.shape }] : quantizedPlanes(s, format, e);
    for (const plane of planes) {
      const found = ckpt.entries.get(plane.name);
      if (found === undefined) {
        throw new CheckpointError(
          `missing: ${s.name} is stored ${format}`,
          e.file,
          plane.name,
          'MISSING_TENSOR',
        );
      }
      if (found.shape.length !== plane.shape.length || found.shape.some((d, i) => d !== plane.shape[i])) {
        throw new CheckpointError(
          `wrong shape: expected [${plane.shape}], found [${found.shape}]`,
          found.file,
          plane.name,
          'SHAPE',
        );
      }
      const dtypes = 'dtype' in plane ? [plane.dtype] : FLOAT_DTYPES;
      if (!dtypes.includes(found.dtype)) {
        throw new CheckpointError(
          `unsupported weight dtype ${found.dtype} (${dtypes.join(', ')}${format === null ? ', or I8/U8 quantized' : ''})`,
          found.file,
          plane.name,
          'DTYPE',
        );
      }
      expected.add(plane.name);
    }
  }
  const extra = [...ckpt.entries.keys()].filter(
    (n) =>
      !expected.has(n) &&
      !(n === 'lm_head.weight' && config.tieWordEmbeddings) &&
      !IGNORED_SUFFIXES.some((s) => n.endsWith(s)),
  );
  if (extra.length > 0)
    throw new CheckpointError(`unexpected tensors: ${listNames(extra)}`, ckpt.dir, extra[0], 'EXTRA_TENSOR');
  return specs;
}

/** The planes a weight stored quantized must have; its rows must be whole blocks. */
function quantizedPlanes(spec: WeightSpec, format: QuantizedDType, entry: TensorEntry): PlaneEntry[] {
  if (spec.shape.length !== 2 || spec.shape[1] % QUANT_BLOCK !== 0) {
    throw new CheckpointError(
      `stored ${entry.dtype} (${format}), but a [${spec.shape}] weight cannot be quantized in blocks of ${QUANT_BLOCK}`,
      entry.file,
      spec.name,
      'DTYPE',
    );
  }
  return planeEntries(spec, format);
}

type BufferLimits = { maxStorageBufferBindingSize?: number; maxBufferSize?: number };

/**
 * The largest single buffer a backend can bind, when it says (a WebGPU backend's device does). A bigger tensor
 * is split over several buffers between rows of its outer dimension, so it is one row that must fit.
 */
function maxBufferBytes(backend: Backend): number {
  const b = backend as { device?: { limits?: BufferLimits }; limits?: BufferLimits };
  const limits = b.device?.limits ?? b.limits;
  return Math.min(
    limits?.maxStorageBufferBindingSize ?? Number.POSITIVE_INFINITY,
    limits?.maxBufferSize ?? Number.POSITIVE_INFINITY,
  );
}

/**
 * Loads an HF checkpoint directory (config.json + model.safetensors or shards): validates every name, shape
 * and dtype first (missing / extra tensors named, expected vs found shapes), then streams each tensor in bounded
 * bands straight into its storage on the device (one copy of the weights: no whole-tensor staging buffer),
 * converting or quantizing on the way when `dtype` asks. On any failure every tensor already made is freed before
 * the error propagates.
 * A stored `lm_head.weight` is ignored when the head is tied.
 * An http(s) URL is a Hugging Face model folder: downloaded into the cache folder first (`downloadModel`).
 */
export async function loadModel(
  dirOrUrl: string,
  opts: LoadOptions & DownloadOptions = {},
): Promise<YoutuModel> {
  const dir = isModelUrl(dirOrUrl) ? await downloadModel(dirOrUrl, opts) : dirOrUrl;
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
  const checkFinite = opts.checkFinite ?? true;
  const params = new Map<string, Tensor>();
  try {
    const specs = checkCheckpoint(config, ckpt);
    const plans = specs.map((spec) =>
      planWeight(spec, ckpt.entries.get(spec.name) as TensorEntry, opts.dtype),
    );
    const bytesOf = (p: WeightPlan) => storageBytes(numel(p.spec.shape), p.target);
    const rowBytes = (p: WeightPlan) => storageBytes(numel(p.spec.shape.slice(1)), p.target);
    const limit = maxBufferBytes(backend);
    const totalBytes = plans.reduce((n, p) => n + bytesOf(p), 0);
    for (const p of plans) {
      if (rowBytes(p) > limit) {
        throw new CheckpointError(
          `one row of [${p.spec.shape}] needs ${rowBytes(p)} bytes, over the device's binding limit of ${limit} bytes`,
          dir,
          p.spec.name,
          'DEVICE_LIMIT',
        );
      }
    }
    let loadedBytes = 0;
    const scratch = new BandScratch();
    for (const p of plans) {
      const requiresGrad = p.target === 'f32' && (opts.requiresGrad ?? true);
      const t = empty(p.spec.shape, { backend, dtype: p.target });
      params.set(p.spec.name, t);
      await streamWeight(ckpt, p, t, checkFinite, scratch);
      t.requiresGrad = requiresGrad;
      loadedBytes += bytesOf(p);
      opts.onProgress?.({
        loaded: params.size,
        total: specs.length,
        name: p.spec.name,
        loadedBytes,
        totalBytes,
      });
    }
    return YoutuModel.fromParams(config, params);
  } catch (err) {
    for (const t of params.values()) t.dispose();
    throw err;
  } finally {
    await ckpt.close();
  }
}
