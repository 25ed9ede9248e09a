// The BERT/WordPiece path of a tokenizer.json in TypeScript: added (special) tokens matched in
// the raw text, BertNormalizer, BertPreTokenizer, WordPiece, and the WordPiece decoder. Offsets
// are code points of the original text, word ids count the pre-tokenizer's words, as the Rust
// `tokenizers` library gives them. No native code and no Deno API: it runs in a browser.
import type { TextTokens } from "../windows.ts";
import { normalize, type NormalizerOptions } from "./normalizer.ts";
import { preTokenize } from "./pre_tokenizer.ts";
import { type WordPieceModel, wordPieceModel, wordPieces } from "./model.ts";
import { type AddedTokenMatcher, addedTokenMatcher, splitOnAddedTokens } from "./added_tokens.ts";
import { parseTokenizerJson } from "./json.ts";
import type { TokenizerConfig } from "../config.ts";

/** A WordPiece tokenizer read from tokenizer.json. */
export class WordPieceTokenizer {
  readonly #idToToken: string[];

  private constructor(
    readonly model: WordPieceModel,
    readonly normalizer: NormalizerOptions | null,
    readonly added: AddedTokenMatcher,
    readonly decoderCleanup: boolean,
  ) {
    this.#idToToken = [];
    for (const [token, id] of model.vocab) this.#idToToken[id] ??= token;
    for (const [token, { id }] of added.tokens) this.#idToToken[id] = token;
  }

  /** Reads the text of a tokenizer.json; `where` names it in error messages. */
  static fromJSON(text: string, where = "tokenizer.json"): WordPieceTokenizer {
    const spec = parseTokenizerJson(text, where);
    const model = wordPieceModel(spec.vocab, spec.model, where);
    return new WordPieceTokenizer(
      model,
      spec.normalizer,
      addedTokenMatcher(spec.addedTokens),
      spec.decoderCleanup,
    );
  }

  /**
   * What BertTokenizerFast builds from a vocab.txt (one token a line, id = line number) and the
   * tokenizer_config.json settings, when a checkpoint ships no tokenizer.json.
   */
  static fromVocab(text: string, config: TokenizerConfig, where = "vocab.txt"): WordPieceTokenizer {
    const lines = text.split("\n");
    if (lines.at(-1) === "") lines.pop();
    const vocab = new Map<string, number>();
    lines.forEach((token, id) => {
      const clean = token.replace(/\r$/, "");
      if (!vocab.has(clean)) vocab.set(clean, id);
    });
    const special = [
      config.padToken,
      config.unkToken,
      config.clsToken,
      config.sepToken,
      config.maskToken,
    ];
    const added = special.map((content) => {
      const id = vocab.get(content);
      if (id === undefined) {
        throw new Error(`${where}: the special token ${content} is not in the vocabulary`);
      }
      return { id, content, special: true };
    });
    const model = wordPieceModel(
      vocab,
      { unkToken: config.unkToken, prefix: "##", maxInputCharsPerWord: 100 },
      where,
    );
    const normalizer = {
      cleanText: true,
      handleChineseChars: config.tokenizeChineseChars,
      stripAccents: config.stripAccents ?? config.doLowerCase,
      lowercase: config.doLowerCase,
    };
    return new WordPieceTokenizer(model, normalizer, addedTokenMatcher(added), true);
  }

  /** The id of a token (vocabulary or added), or null. */
  tokenToId(token: string): number | null {
    return this.added.tokens.get(token)?.id ?? this.model.vocab.get(token) ?? null;
  }

  /** The token of an id, or null. */
  idToToken(id: number): string | null {
    return this.#idToToken[id] ?? null;
  }

  /** The tokens of one text without special tokens around it: ids, offsets and words. */
  encode(text: string): TextTokens {
    const chars = Array.from(text, (ch) => ch.codePointAt(0)!);
    const out: TextTokens = { ids: [], offsets: [], wordIds: [] };
    let word = 0;
    for (const part of splitOnAddedTokens(this.added, chars)) {
      if (part.id !== null) {
        out.ids.push(part.id);
        out.offsets.push([part.start, part.end]);
        out.wordIds.push(word++);
        continue;
      }
      const piece = chars.slice(part.start, part.end);
      const normalized = this.normalizer
        ? normalize(piece, part.start, this.normalizer)
        : { chars: piece, origins: piece.map((_, k) => part.start + k) };
      for (const [from, to] of preTokenize(normalized.chars)) {
        for (const p of wordPieces(this.model, normalized.chars, from, to)) {
          out.ids.push(p.id);
          out.offsets.push([
            normalized.origins[from + p.start],
            normalized.origins[from + p.end - 1] + 1,
          ]);
          out.wordIds.push(word);
        }
        word++;
      }
    }
    return out;
  }

  /** Text back from ids: the WordPiece decoder (`##` pieces joined, spaces before punctuation cleaned). */
  decode(ids: number[], skipSpecialTokens = false): string {
    const tokens: string[] = [];
    for (const id of ids) {
      const added = this.added.byId.get(id);
      if (skipSpecialTokens && added?.special) continue;
      tokens.push(this.idToToken(id) ?? this.idToToken(this.model.unkId)!);
    }
    const prefix = this.model.prefix;
    return tokens.map((token, i) => {
      const spaced = token.startsWith(prefix)
        ? token.slice(prefix.length)
        : i === 0
        ? token
        : ` ${token}`;
      return this.decoderCleanup ? cleanup(spaced) : spaced;
    }).join("");
  }
}

// The Rust WordPiece decoder's `cleanup`, applied to each token as it does: English spacing
// around punctuation and contractions.
function cleanup(text: string): string {
  return text.replaceAll(" .", ".").replaceAll(" ?", "?").replaceAll(" !", "!")
    .replaceAll(" ,", ",").replaceAll(" ' ", "'").replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m").replaceAll(" do not", " don't").replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve").replaceAll(" 're", "'re");
}
