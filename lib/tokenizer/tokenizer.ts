// QATokenizer: the calling convention of HF transformers' tokenizers (pairs, truncation, stride,
// overflowing windows, padding, offsets) over a tokenizing engine: the Rust addon by default, our
// TypeScript WordPiece where native code cannot go (a browser) or when asked.
import { parseTokenizerConfig, type TokenizerConfig } from "./config.ts";
import type { TokenizerEngine } from "./engine.ts";
import {
  type BatchEncoding,
  emptyBatch,
  EncodeError,
  type EncodeOptions,
  padToLongest,
  pushWindow,
} from "./encoding.ts";
import { folderReader, loadTokenizerFiles, tokenizerFolder } from "./load.ts";
import { NativeEngine } from "./native.ts";
import { type TextTokens, WindowError, type WindowOptions, windows } from "./windows.ts";
import { UnsupportedTokenizerError, WordPieceEngine, WordPieceTokenizer } from "./wordpiece/mod.ts";
import { setting } from "../settings.ts";

/** Reads a tokenizer's file by name (tokenizer.json, ...); null when the file is not there. */
export type FileReader = (name: string) => Promise<string | null>;

/**
 * Which engine tokenizes: our TypeScript WordPiece ("wordpiece"), the Rust addon ("native"), or
 * "auto": WordPiece where the tokenizer is on the BERT/WordPiece path (faster, see
 * docs/serve.md), else native.
 */
export type EngineName = "auto" | "native" | "wordpiece";

/** A WordPiece tokenizer with the calling convention of HF transformers. */
export class QATokenizer {
  constructor(
    readonly engine: TokenizerEngine,
    readonly config: TokenizerConfig,
    readonly folder: string,
  ) {}

  /**
   * Loads from a local folder or a hub id (`distilbert-base-uncased`); the engine is
   * `options.engine`, else $QA_TOKENIZER, else "auto".
   */
  static async fromPretrained(
    nameOrPath: string,
    options: { engine?: EngineName } = {},
  ): Promise<QATokenizer> {
    const engine = options.engine ?? setting("QA_TOKENIZER");
    if (engine === "native") return await native(nameOrPath);
    const folder = await tokenizerFolder(nameOrPath);
    const fallback = async () => (await native(folder)).engine;
    try {
      return await QATokenizer.fromFiles(folderReader(folder), folder, fallback);
    } catch (e) {
      if (engine === "auto" && e instanceof UnsupportedTokenizerError) return await native(folder);
      throw e;
    }
  }

  /**
   * Our TypeScript WordPiece from the files of a tokenizer folder, read through `read` (`fetch`
   * in a browser): tokenizer.json, or vocab.txt, with tokenizer_config.json. `folder` names it;
   * `fallback` gives the engine for what WordPiece does not do (see WordPieceEngine).
   */
  static async fromFiles(
    read: FileReader,
    folder: string,
    fallback?: () => Promise<TokenizerEngine>,
  ): Promise<QATokenizer> {
    const where = (name: string) => `${folder}/${name}`;
    const config = parseTokenizerConfig(
      await read("tokenizer_config.json"),
      where("tokenizer_config.json"),
    );
    const json = await read("tokenizer.json");
    if (json !== null) {
      const tokenizer = WordPieceTokenizer.fromJSON(json, where("tokenizer.json"));
      return new QATokenizer(new WordPieceEngine(tokenizer, fallback), config, folder);
    }
    const vocab = await read("vocab.txt");
    if (vocab !== null) {
      const tokenizer = WordPieceTokenizer.fromVocab(vocab, config, where("vocab.txt"));
      return new QATokenizer(new WordPieceEngine(tokenizer, fallback), config, folder);
    }
    throw new Error(
      `${folder}: not a tokenizer folder (it needs tokenizer.json, or vocab.txt with tokenizer_config.json)`,
    );
  }

  get clsTokenId(): number {
    return this.tokenToId(this.config.clsToken);
  }

  get sepTokenId(): number {
    return this.tokenToId(this.config.sepToken);
  }

  get padTokenId(): number {
    return this.tokenToId(this.config.padToken);
  }

  /** Padding side; the tutorial's `pad_on_right`. */
  get paddingSide(): "right" | "left" {
    return this.config.paddingSide;
  }

  tokenToId(token: string): number {
    const id = this.engine.tokenToId(token);
    if (id === null) throw new Error(`${this.folder}: token ${token} is not in the vocabulary`);
    return id;
  }

  convertIdsToTokens(ids: number[]): string[] {
    return ids.map((id) => this.engine.idToToken(id) ?? this.config.unkToken);
  }

  /** Turns ids back into text. */
  decode(ids: number[], options: { skipSpecialTokens?: boolean } = {}): Promise<string> {
    return this.engine.decode(ids, options.skipSpecialTokens ?? false);
  }

  /**
   * Tokenizes texts (and optional paired texts), as `tokenizer(texts, pairs, ...)` does in Python:
   * truncation, stride and overflowing windows, padding, offsets and sequence ids.
   */
  async encode(
    texts: string | string[],
    pairs?: string | string[] | null,
    options: EncodeOptions = {},
  ): Promise<BatchEncoding> {
    const first = typeof texts === "string" ? [texts] : texts;
    const second = pairs == null ? null : typeof pairs === "string" ? [pairs] : pairs;
    if (second && second.length !== first.length) {
      throw new Error(`encode: ${first.length} texts but ${second.length} pairs`);
    }
    // Each distinct text is tokenized once (SQuAD asks ~5 questions per context); special
    // tokens, truncation, stride and padding are applied when inputs are assembled.
    const assembled = options.truncation !== "longest_first" &&
      (options.addSpecialTokens ?? true) &&
      (await this.engine.layout()).bert;
    const batch = assembled
      ? await this.#assemble(first, second, options)
      : await this.engine.postProcess(first, second, options);
    if (options.padding === "longest") padToLongest(batch, this.padTokenId, this.paddingSide);
    return batch;
  }

  async #assemble(
    firstTexts: string[],
    secondTexts: string[] | null,
    options: EncodeOptions,
  ): Promise<BatchEncoding> {
    const first = await this.engine.tokenize(firstTexts);
    const second = secondTexts ? await this.engine.tokenize(secondTexts) : null;
    const layout = await this.engine.layout();
    const maxLength = options.maxLength ?? this.config.modelMaxLength;
    const windowOptions: WindowOptions = {
      maxLength,
      stride: options.stride ?? 0,
      truncate: !options.truncation ? null : options.truncation === "only_first" ? 0 : 1,
      overflow: options.returnOverflowingTokens ?? false,
      padTo: options.padding === "max_length" ? maxLength : null,
      clsId: this.clsTokenId,
      sepId: this.sepTokenId,
      padId: this.padTokenId,
      padLeft: this.paddingSide === "left",
      untruncatedFirstSequenceId: layout.untruncatedFirstSequenceId,
      overflowTypeId: layout.overflowTypeId,
    };
    const batch = emptyBatch();
    const failures = new Map<number, string>();
    first.forEach((tokens: TextTokens, i) => {
      try {
        for (const w of windows(tokens, second?.[i] ?? null, windowOptions)) {
          pushWindow(batch, w, i);
        }
      } catch (e) {
        if (!(e instanceof WindowError)) throw e;
        failures.set(i, e.message);
      }
    });
    if (failures.size > 0) throw new EncodeError(failures);
    return batch;
  }
}

// The Rust addon's tokenizer of a folder or hub id.
async function native(nameOrPath: string): Promise<QATokenizer> {
  const { core, config, folder } = await loadTokenizerFiles(nameOrPath);
  const special = {
    cls: config.clsToken,
    sep: config.sepToken,
    pad: config.padToken,
    padSide: config.paddingSide,
  };
  return new QATokenizer(new NativeEngine(core, special, config.modelMaxLength), config, folder);
}
