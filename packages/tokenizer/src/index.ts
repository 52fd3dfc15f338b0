export {
  CorpusError,
  TokenIdError,
  TokenizerError,
  TokenizerFormatError,
  TokenizerOptionError,
} from './errors.js';
export { PRE_TOKENIZER_PRESETS, type PreTokenizerPreset } from './presets.js';
export { parseTiktokenRanks, type TiktokenEncoding, tokenizerFromTiktoken } from './tiktoken.js';
export {
  type AddedToken,
  type DecodeOptions,
  type EncodeOptions,
  Tokenizer,
  type TokenizerConfig,
} from './tokenizer.js';
export { type CorpusSource, readCorpus } from './train/corpus.js';
export { type TrainOptions, trainTokenizer } from './train/trainer.js';
