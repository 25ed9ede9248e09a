/**
 * WordPiece tokenizers with offsets, stride and overflowing windows: the Rust `tokenizers` addon
 * (native) or our TypeScript implementation of tokenizer.json's BERT path (wordpiece/).
 */
export { type EngineName, type FileReader, QATokenizer } from "./tokenizer.ts";
export {
  type BatchEncoding,
  EncodeError,
  type EncodeOptions,
  type Truncation,
} from "./encoding.ts";
export type { PairLayout, TokenizerEngine } from "./engine.ts";
export { NativeEngine } from "./native.ts";
export { type TokenizerConfig } from "./config.ts";
export { type LoadedTokenizer, loadTokenizerFiles } from "./load.ts";
export { WordPieceEngine, WordPieceTokenizer } from "./wordpiece/mod.ts";
