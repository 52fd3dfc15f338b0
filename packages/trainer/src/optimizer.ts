import { join } from 'node:path';
import {
  decodeTensor,
  encodeTensor,
  SafetensorsFile,
  type SafetensorsFile as SafetensorsFileType,
  weightSpecs,
  writeSafetensors,
  type YoutuModel,
} from '@agentlm/model';
import { AdamWState, keep, tensor } from '@agentlm/tensor';
import { CheckpointIntegrityError } from './errors.js';

export const OPTIMIZER_FILE = 'optimizer.safetensors';

/**
 * Which parameters get weight decay: linear weights yes; RMSNorm weights and the embedding (and so a
 * tied head) no, unless `decayNormsAndEmbeddings`.
 */
export function decayFlags(model: YoutuModel, decayNormsAndEmbeddings: boolean): boolean[] {
  const kinds = new Map(weightSpecs(model.config).map((s) => [s.name, s.kind]));
  return [...model.params.keys()].map((name) => decayNormsAndEmbeddings || kinds.get(name) === 'linear');
}

/** Writes AdamW's first and second moments as `<param>.exp_avg` / `<param>.exp_avg_sq` (f32, exact). */
export async function saveOptimizer(model: YoutuModel, state: AdamWState, dir: string): Promise<void> {
  const entries = [];
  for (const [name, param] of model.params) {
    const moments = state.moments.get(param);
    if (!moments) continue;
    for (const [suffix, t] of [
      ['exp_avg', moments.m],
      ['exp_avg_sq', moments.v],
    ] as const) {
      entries.push({
        name: `${name}.${suffix}`,
        dtype: 'F32' as const,
        shape: t.shape,
        bytes: async () => encodeTensor(await t.data(), 'F32'),
      });
    }
  }
  await writeSafetensors(join(dir, OPTIMIZER_FILE), entries, {
    format: 'agentlm-adamw',
    step: String(state.step),
  });
}

/** Restores the moments written by saveOptimizer into a fresh AdamWState bound to `model`'s parameters. */
export async function loadOptimizer(model: YoutuModel, dir: string, step: number): Promise<AdamWState> {
  const file = join(dir, OPTIMIZER_FILE);
  const state = new AdamWState();
  state.step = step;
  let st: SafetensorsFileType;
  try {
    st = await SafetensorsFile.open(file);
  } catch (err) {
    throw new CheckpointIntegrityError(`${file}: cannot open optimizer state (${(err as Error).message})`);
  }
  try {
    for (const [name, param] of model.params) {
      if (!st.entries.has(`${name}.exp_avg`)) continue;
      const read = async (suffix: string) => {
        const key = `${name}.${suffix}`;
        const e = st.entries.get(key);
        if (!e || e.shape.join(',') !== param.shape.join(',')) {
          throw new CheckpointIntegrityError(
            `${file}: ${key} has shape [${e?.shape ?? 'missing'}], parameter is [${param.shape}]`,
          );
        }
        const values = decodeTensor(await st.readBytes(key), e.dtype, { file, tensor: key });
        return keep(tensor(values as Float32Array, [...param.shape], { backend: param.backend }));
      };
      state.moments.set(param, { m: await read('exp_avg'), v: await read('exp_avg_sq') });
    }
  } finally {
    await st.close();
  }
  return state;
}
