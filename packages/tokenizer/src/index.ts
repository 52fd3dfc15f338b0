export {
  AGENT_CHAT_TEMPLATE,
  AGENT_SPECIAL_TOKENS,
  AGENT_TOKENS,
  type AgentFormatOptions,
} from './chat/agent-format.js';
export { parseAssistant } from './chat/parse.js';
export {
  type EncodedChat,
  encodeChat,
  type RenderChatOptions,
  type RenderChatSpansOptions,
  type RenderedChat,
  renderChat,
  renderChatSpans,
} from './chat/render.js';
export type {
  BareToolCall,
  ChatMessage,
  ChatRole,
  ParsedAssistant,
  ToolCall,
  ToolCallError,
  ToolSpec,
} from './chat/types.js';
export {
  CorpusError,
  TokenIdError,
  TokenizerError,
  TokenizerFormatError,
  TokenizerOptionError,
} from './errors.js';
export { PRE_TOKENIZER_PRESETS, type PreTokenizerPreset } from './presets.js';
export { createStreamDecoder, type StreamDecoder } from './stream-decoder.js';
export { parseTiktokenRanks, type TiktokenEncoding, tokenizerFromTiktoken } from './tiktoken.js';
export {
  type AddedToken,
  type DecodeOptions,
  type EncodeOptions,
  type LiteralSpan,
  Tokenizer,
  type TokenizerConfig,
} from './tokenizer.js';
export { type CorpusSource, readCorpus } from './train/corpus.js';
export { type TrainOptions, trainTokenizer } from './train/trainer.js';
