/** A fast WordPiece tokenizer with offsets, stride and overflowing windows (Rust `tokenizers`). */
export {
  type BatchEncoding,
  EncodeError,
  type EncodeOptions,
  QATokenizer,
  type Truncation,
} from "./tokenizer.ts";
export { loadTokenizerFiles, type LoadedTokenizer, type TokenizerConfig } from "./load.ts";
