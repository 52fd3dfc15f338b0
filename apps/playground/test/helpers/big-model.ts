import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { presetConfig, saveModel, YoutuModel } from '@agentlm/model';
import { initBackend } from '@agentlm/tensor';

/**
 * A model whose tied embedding is larger than one WebGPU binding: vocabulary 128,256 × hidden 512 in f32 is
 * 262 MB, twice the 128 MiB `maxStorageBufferBindingSize` of SwiftShader and lavapipe; one layer, random weights.
 * Its tokenizer is the shipped demo's, grown to the same 128,256 ids with made-up merges (two and three
 * byte-level characters), so every id the model picks decodes to text of its own.
 */
export const BIG_VOCAB = 128_256;

interface TokenizerJson {
  added_tokens: { id: number; content: string }[];
  model: { vocab: Record<string, number>; merges: string[] };
}

/** The demo tokenizer with synthetic merges appended until it has `vocab` ids (special tokens renumbered last). */
function grownTokenizer(source: string, vocab: number): { json: TokenizerJson; bos: number; eos: number } {
  const json = JSON.parse(readFileSync(source, 'utf8')) as TokenizerJson;
  const { vocab: table, merges } = json.model;
  const single = Object.keys(table).filter((t) => [...t].length === 1);
  const regular = vocab - json.added_tokens.length;
  let next = Object.keys(table).length;
  const add = (left: string, right: string) => {
    if (next >= regular || table[left + right] !== undefined) return;
    table[left + right] = next++;
    merges.push(`${left} ${right}`);
  };
  for (const a of single) for (const b of single) add(a, b);
  for (const ab of Object.keys(table).filter((t) => [...t].length === 2)) for (const c of single) add(ab, c);
  if (next !== regular) throw new Error(`grew the tokenizer to ${next} ids, not ${regular}`);
  json.added_tokens.forEach((t, i) => {
    t.id = regular + i;
  });
  const id = (content: string) => json.added_tokens.find((t) => t.content === content)?.id as number;
  return { json, bos: id('<|begin_of_text|>'), eos: id('<|end_of_text|>') };
}

/** Writes the big model's directory (config.json, model.safetensors, tokenizer files) and returns its path. */
export async function writeBigModel(shippedDir: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'agentlm-playground-big-'));
  const { json, bos, eos } = grownTokenizer(join(shippedDir, 'tokenizer.json'), BIG_VOCAB);
  const config = presetConfig('nano', {
    vocab_size: BIG_VOCAB,
    hidden_size: 512,
    intermediate_size: 64,
    num_hidden_layers: 1,
    tie_word_embeddings: true,
    bos_token_id: bos,
    eos_token_id: eos,
  });
  const model = YoutuModel.init(config, { seed: 5, backend: await initBackend('cpu') });
  await saveModel(model, dir);
  model.dispose();
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
  copyFileSync(join(shippedDir, 'tokenizer_config.json'), join(dir, 'tokenizer_config.json'));
  return dir;
}
