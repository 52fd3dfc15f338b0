import { AGENT_SPECIAL_TOKENS, type Tokenizer, trainTokenizer } from '@agentlm/tokenizer';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  builtinGenerators,
  encoderFromTokenizer,
  generateDocument,
  MixStream,
  type TextDocument,
  youtuCurriculum,
} from '../src/index.js';
import { drain } from './helpers.js';

let tokenizer: Tokenizer;

beforeAll(async () => {
  const texts = ['commonsense', 'stem', 'code'].flatMap((g) =>
    Array.from(
      { length: 60 },
      (_, i) => (generateDocument(builtinGenerators[g], g, 0, i) as TextDocument).text,
    ),
  );
  tokenizer = await trainTokenizer({
    corpus: { texts },
    vocabSize: 800,
    specialTokens: AGENT_SPECIAL_TOKENS,
  });
});

describe('with the real @agentlm/tokenizer', () => {
  it('packs the preset into ids that decode back to the documents, EOS between them', async () => {
    const encoder = encoderFromTokenizer(tokenizer);
    expect(encoder.eosId).toBe(tokenizer.tokenToId('<|end_of_text|>'));
    const stream = new MixStream(
      youtuCurriculum({ totalTokens: 20_000, seqLen: 128, fractions: [0.4, 0.3, 0.1, 0.2] }),
      encoder,
    );
    const seqs = await drain(stream);
    const ids = seqs.flatMap((q) => Array.from(q.tokens));
    expect(ids.every((id) => id >= 0 && id < tokenizer.vocabSize)).toBe(true);
    const text = tokenizer.decode(ids);
    expect(text).toContain('<|end_of_text|>');
    expect(text).toContain('<|Assistant|><think>Analysis:');
    // assistant turns (and only they) carry the loss inside the agentic stage
    const agentic = seqs.filter((q) => q.stageName === 'agentic');
    const masked = agentic.flatMap((q) => Array.from(q.tokens).filter((_, i) => q.lossMask[i] === 0));
    expect(tokenizer.decode(masked)).toContain('<|User|>');
    expect(tokenizer.decode(masked)).not.toContain('Summary:');
  });

  it('keeps special-token text inside documents as text', () => {
    const encoder = encoderFromTokenizer(tokenizer);
    const ids = Array.from(encoder.encode('a <|end_of_text|> b'));
    expect(ids).not.toContain(encoder.eosId);
    expect(tokenizer.decode(ids)).toBe('a <|end_of_text|> b');
  });
});
