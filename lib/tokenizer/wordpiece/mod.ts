/**
 * The BERT/WordPiece path of tokenizer.json in TypeScript (no native addon, no Deno API): the
 * same ids, code-point offsets and words as the Rust `tokenizers` library, for the browser.
 */
export { WordPieceTokenizer } from "./tokenizer.ts";
export { parseTokenizerJson, type TokenizerSpec, UnsupportedTokenizerError } from "./json.ts";
export { WordPieceEngine } from "./engine.ts";
