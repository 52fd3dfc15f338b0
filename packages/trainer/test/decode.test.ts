import { presetConfig, YoutuModel } from '@agentlm/model';
import { createCpuBackend, noGrad } from '@agentlm/tensor';
import { describe, expect, it } from 'vitest';
import { greedyDecoder } from '../src/index.js';

/** The evaluation's greedy decoder (through @agentlm/inference) against argmax of the full forward. */
describe('greedyDecoder', () => {
  const backend = createCpuBackend();
  const config = presetConfig('nano', { vocab_size: 64, num_hidden_layers: 2 });
  const model = YoutuModel.init(config, { seed: 7, backend, requiresGrad: false });

  async function reference(prompt: number[], steps: number, stopIds: number[]): Promise<number[]> {
    const ids = [...prompt];
    const out: number[] = [];
    for (let i = 0; i < steps; i++) {
      const logits = noGrad(() => model.forward([ids]).logits);
      const row = (await logits.data()).slice((ids.length - 1) * 64, ids.length * 64);
      logits.dispose();
      let best = 0;
      for (let v = 1; v < row.length; v++) if (row[v] > row[best]) best = v;
      if (stopIds.includes(best)) break;
      out.push(best);
      ids.push(best);
    }
    return out;
  }

  it('continues greedily exactly like argmax over the full forward', async () => {
    const prompt = [3, 14, 15, 9, 26, 5];
    const got = await greedyDecoder(model).continue(prompt, { maxNewTokens: 8, stopIds: [] });
    expect(got).toHaveLength(8);
    expect(got).toEqual(await reference(prompt, 8, []));
  });

  it('stops before the stop id and excludes it', async () => {
    const prompt = [3, 14, 15, 9, 26, 5];
    const free = await reference(prompt, 8, []);
    const stop = free[3];
    const got = await greedyDecoder(model).continue(prompt, { maxNewTokens: 8, stopIds: [stop] });
    expect(got).toEqual(free.slice(0, free.indexOf(stop)));
    expect(got).not.toContain(stop);
  });
});
