import { builtinGenerators, generateDocument } from '@agentlm/mixer';
import { presetConfig, YoutuModel } from '@agentlm/model';
import {
  AdamWState,
  adamw,
  type Backend,
  clipGradNorm,
  type Tensor,
  tensor,
  tidy,
  zeroGrad,
} from '@agentlm/tensor';
import { AGENT_SPECIAL_TOKENS, encodeChat, type Tokenizer, trainTokenizer } from '@agentlm/tokenizer';
import { arrayBatchSource, decayFlags, shiftBatch } from '@agentlm/trainer';

/**
 * In-browser training of a `nano` model on the mixer's built-in (embedded) generators: a small BPE tokenizer
 * trained on the same text, packed sequences, and AdamW steps with gradient clipping. The trainer package's
 * `trainLoop` writes checkpoints and draws on `process.stderr`, so the browser runs this step loop over the
 * trainer's browser-safe pieces (`arrayBatchSource`, `shiftBatch`, `decayFlags`) instead.
 */
export const TRAIN_SETTINGS = {
  documents: 240,
  vocabSize: 512,
  seqLen: 32,
  rows: 2,
  peakLr: 3e-3,
  warmupSteps: 5,
};

/** The embedded corpus: documents of every built-in generator (text, and agent chats in the chat format). */
function embeddedDocuments(): ReturnType<typeof generateDocument>[] {
  const names = Object.keys(builtinGenerators).sort();
  return Array.from({ length: TRAIN_SETTINGS.documents }, (_, i) => {
    const name = names[i % names.length] as string;
    return generateDocument(builtinGenerators[name] as never, name, 1234, i);
  });
}

export interface TrainedModel {
  model: YoutuModel;
  tokenizer: Tokenizer;
}

export async function trainNano(
  backend: Backend,
  steps: number,
  onStep: (step: number, loss: number) => void,
  onStatus: (text: string) => void,
): Promise<TrainedModel> {
  onStatus('training a tokenizer on the embedded data…');
  const docs = embeddedDocuments();
  const texts = docs.flatMap((d) =>
    'text' in d ? [d.text] : 'messages' in d ? d.messages.map((m) => m.content ?? '') : [],
  );
  const tokenizer = await trainTokenizer({
    corpus: { texts },
    vocabSize: TRAIN_SETTINGS.vocabSize,
    specialTokens: AGENT_SPECIAL_TOKENS,
  });
  const eos = tokenizer.eosId as number;
  const stream: number[] = [];
  for (const d of docs) {
    let ids: readonly number[];
    if ('text' in d) ids = tokenizer.encode(d.text, { parseSpecialTokens: false });
    else if ('messages' in d) ids = encodeChat(tokenizer, d.messages, { tools: d.tools }).ids;
    else continue;
    // a loop, not push(...ids): a long document's ids would overflow the call stack as arguments
    for (const id of ids) stream.push(id);
    stream.push(eos);
  }
  const span = TRAIN_SETTINGS.seqLen + 1;
  const sequences = Array.from({ length: Math.floor(stream.length / span) }, (_, i) => ({
    tokens: stream.slice(i * span, (i + 1) * span),
  }));
  onStatus(`${stream.length} tokens in ${sequences.length} sequences; building the model…`);

  const config = presetConfig('nano', {
    vocab_size: tokenizer.vocabSize,
    bos_token_id: tokenizer.bosId,
    eos_token_id: eos,
    max_position_embeddings: 2048,
  });
  const model = YoutuModel.init(config, { seed: 0, backend });
  const params = model.parameters();
  const decay = decayFlags(model, false);
  const adam = new AdamWState();
  const source = arrayBatchSource(sequences, TRAIN_SETTINGS.rows);
  for (let step = 0; step < steps; step++) {
    const batch = shiftBatch(source.next(), 'all');
    const rows = batch.ids.length / batch.t;
    const loss = tidy(() => {
      const shape = [rows, batch.t];
      const out = model.forward(tensor(batch.ids, shape, { backend }), {
        targets: tensor(batch.targets, shape, { backend }),
        lossMask: tensor(batch.weights, shape, { backend }),
      });
      const l = out.loss as Tensor;
      l.backward();
      return l;
    });
    const value = await loss.item();
    loss.dispose();
    await clipGradNorm(params, 1);
    const lr = TRAIN_SETTINGS.peakLr * Math.min(1, (step + 1) / TRAIN_SETTINGS.warmupSteps);
    adamw(params, adam, { lr, weightDecay: 0.1, decay });
    zeroGrad(params);
    onStep(step + 1, value);
  }
  adam.dispose();
  return { model, tokenizer };
}
