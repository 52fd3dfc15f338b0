import { describe, expect, it } from 'vitest';
import { expectTypedFailures, jsonCases } from '../../../tools/dev/fuzz.js';
import { AGENT_SPECIAL_TOKENS, Tokenizer, TokenizerError, trainTokenizer } from '../src/index.js';
import { stemCorpus } from './fixtures/stem-text.js';

/**
 * Mutated tokenizer.json / tokenizer_config.json: each either loads (and then encodes and decodes without
 * throwing anything but a TokenizerError) or fails with a TokenizerError naming the file.
 */
describe('tokenizer files under fuzzing', { timeout: 120_000 }, () => {
  it('tokenizer.json: 600 mutations of a trained one', async () => {
    const tok = await trainTokenizer({
      corpus: { texts: stemCorpus(60) },
      vocabSize: 300,
      specialTokens: AGENT_SPECIAL_TOKENS,
    });
    const [tokenizer, config] = [tok.toJSON(), tok.config];
    const sample = 'The sum of 12 and 30 is 42. <|User|> ünï x^2';
    const outcome = await expectTypedFailures(
      jsonCases(tokenizer, 19, 600),
      ({ text }) => {
        const t = Tokenizer.fromJSON(text, config);
        t.decode(t.encode(sample));
      },
      TokenizerError,
      'tokenizer.json',
    );
    expect(outcome.rejected).toBeGreaterThan(100);
    expect(outcome.accepted).toBeGreaterThan(10);
  });

  it('tokenizer_config.json: 300 mutations', async () => {
    const tok = await trainTokenizer({
      corpus: { texts: stemCorpus(20) },
      vocabSize: 280,
      specialTokens: AGENT_SPECIAL_TOKENS,
    });
    const [tokenizer, config] = [tok.toJSON(), tok.config];
    const outcome = await expectTypedFailures(
      jsonCases(config, 23, 300),
      ({ text }) => {
        const t = Tokenizer.fromJSON(tokenizer, text);
        t.decode(t.encode('hello <|User|>'));
      },
      TokenizerError,
      'tokenizer_config.json',
    );
    expect(outcome.rejected).toBeGreaterThan(50);
  });

  it('regressions the fuzzer found: an added token with "-", a null post-processor item', async () => {
    const tok = await trainTokenizer({
      corpus: { texts: stemCorpus(20) },
      vocabSize: 280,
      specialTokens: ['<|im-start|>'],
    });
    expect(tok.encode('a<|im-start|>b').filter((id) => id === tok.tokenToId('<|im-start|>'))).toHaveLength(1);
    const json = structuredClone(tok.toJSON()) as Record<string, unknown>;
    json.post_processor = { type: 'TemplateProcessing', single: [null], special_tokens: {} };
    expect(() => Tokenizer.fromJSON(json)).toThrow(
      /tokenizer.json: post_processor.single\[0\] names a special token/,
    );
  });
});
