/** A fast WordPiece tokenizer with offsets, stride and overflowing windows (Rust `tokenizers`). */
export {
  type BatchEncoding,
  EncodeError,
  type EncodeOptions,
  QATokenizer,
  type Truncation,
} from "./tokenizer.ts";
export { type LoadedTokenizer, loadTokenizerFiles, type TokenizerConfig } from "./load.ts";
