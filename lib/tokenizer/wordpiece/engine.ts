// Our TypeScript WordPiece as the engine of a QATokenizer (see ../engine.ts).
import type { PairLayout, TokenizerEngine } from "../engine.ts";
import type { BatchEncoding, EncodeOptions } from "../encoding.ts";
import type { TextTokens } from "../windows.ts";
import type { WordPieceTokenizer } from "./tokenizer.ts";

// The pair layout of the Rust post-processor that made the reference features (NativeEngine asks
// it; the wordpiece tests check both agree): the first text's sequence ids null when a pair is
// not truncated, the truncated context typed 0 in overflowing windows.
const RUST_BERT_LAYOUT: PairLayout = {
  bert: true,
  untruncatedFirstSequenceId: null,
  overflowTypeId: 0,
};

/**
 * A WordPieceTokenizer behind QATokenizer. It tokenizes; windows.ts assembles BERT windows. What
 * that does not cover (longest_first truncation, no special tokens) goes to `fallback` (the Rust
 * addon, loaded when first needed, where there is one), else is refused.
 */
export class WordPieceEngine implements TokenizerEngine {
  readonly name = "wordpiece";
  #fallback: Promise<TokenizerEngine> | undefined;

  constructor(
    readonly tokenizer: WordPieceTokenizer,
    readonly fallback?: () => Promise<TokenizerEngine>,
  ) {}

  // Tokenizes, then lets the event loop run before answering, as the Rust addon (on its own
  // threads) does: a server keeps accepting requests, and batching them, while it tokenizes.
  async tokenize(texts: string[]): Promise<TextTokens[]> {
    const byText = new Map<string, TextTokens>();
    const tokens = texts.map((text) => {
      let found = byText.get(text);
      if (!found) byText.set(text, found = this.tokenizer.encode(text));
      return found;
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    return tokens;
  }

  tokenToId(token: string): number | null {
    return this.tokenizer.tokenToId(token);
  }

  idToToken(id: number): string | null {
    return this.tokenizer.idToToken(id);
  }

  decode(ids: number[], skipSpecialTokens: boolean): Promise<string> {
    return Promise.resolve(this.tokenizer.decode(ids, skipSpecialTokens));
  }

  layout(): Promise<PairLayout> {
    return Promise.resolve(RUST_BERT_LAYOUT);
  }

  postProcess(
    first: string[],
    second: string[] | null,
    options: EncodeOptions,
  ): Promise<BatchEncoding> {
    if (this.fallback) {
      this.#fallback ??= this.fallback();
      return this.#fallback.then((engine) => engine.postProcess(first, second, options));
    }
    const what = options.truncation === "longest_first"
      ? "longest_first truncation"
      : "encoding without special tokens";
    return Promise.reject(
      new Error(
        `the TypeScript WordPiece tokenizer does not do ${what}; it needs the Rust tokenizer (native engine)`,
      ),
    );
  }
}
