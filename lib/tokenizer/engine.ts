// What QATokenizer needs of the library that cuts text into tokens: the Rust `tokenizers` addon
// (native.ts) on the server, our TypeScript WordPiece (wordpiece/) anywhere, browsers included.
import type { BatchEncoding, EncodeOptions } from "./encoding.ts";
import type { TextTokens } from "./windows.ts";

/** How the engine's post-processor lays out a pair (see WindowOptions in windows.ts). */
export interface PairLayout {
  /** Whether it is BERT's `[CLS] A [SEP] B [SEP]` with type ids 0/1, which windows.ts assembles. */
  bert: boolean;
  untruncatedFirstSequenceId: number | null;
  overflowTypeId: number;
}

/** A tokenizing library behind QATokenizer. */
export interface TokenizerEngine {
  /** "native" (Rust) or "wordpiece" (TypeScript). */
  readonly name: string;
  /** The tokens of each text, without special tokens. */
  tokenize(texts: string[]): Promise<TextTokens[]>;
  tokenToId(token: string): number | null;
  idToToken(id: number): string | null;
  decode(ids: number[], skipSpecialTokens: boolean): Promise<string>;
  layout(): Promise<PairLayout>;
  /**
   * Windows made by the library's own post-processor, for what windows.ts does not assemble
   * (longest_first truncation, no special tokens, a template that is not BERT's).
   */
  postProcess(
    first: string[],
    second: string[] | null,
    options: EncodeOptions,
  ): Promise<BatchEncoding>;
}
