import type { Encoding, Tokenizer } from "@anush008/tokenizers";
import { loadTokenizerFiles, type TokenizerConfig } from "./load.ts";
import {
  type TextTokens,
  type Window,
  WindowError,
  type WindowOptions,
  windows,
} from "./windows.ts";

/** Truncation strategies, named as in Python. */
export type Truncation = "only_first" | "only_second" | "longest_first" | false;

/** Options of a tokenizer call, mirroring `tokenizer(question, context, ...)` in Python. */
export interface EncodeOptions {
  truncation?: Truncation;
  maxLength?: number;
  stride?: number;
  returnOverflowingTokens?: boolean;
  padding?: "max_length" | "longest" | false;
  addSpecialTokens?: boolean;
}

/** The columns a tokenizer call returns: one row per window (overflowing windows included). */
export interface BatchEncoding {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
  offset_mapping: [number, number][][];
  /** For each window, the index of the input it came from. */
  overflow_to_sample_mapping: number[];
  /** Per window: 0 = first text, 1 = second text, null = special or padding token. */
  sequence_ids: (number | null)[][];
  /** Python's `encoding.sequence_ids(i)`. */
  sequenceIds(i: number): (number | null)[];
  /**
   * Per window, Python's `encoding.word_ids(i)`: the word (a piece the pre-tokenizer cut, counted
   * from 0 in its own text) each token belongs to; null for special and padding tokens.
   */
  word_ids: (number | null)[][];
}

/** Raised when some inputs cannot be encoded; `failures` maps each input index to the reason. */
export class EncodeError extends Error {
  constructor(readonly failures: Map<number, string>) {
    const [index, reason] = failures.entries().next().value!;
    super(`${failures.size} input(s) could not be encoded; input ${index}: ${reason}`);
    this.name = "EncodeError";
  }
}

const TRUNCATION_STRATEGY = {
  only_first: "OnlyFirst",
  only_second: "OnlySecond",
  longest_first: "LongestFirst",
} as const;

/** A fast WordPiece tokenizer (Rust `tokenizers`) with the calling convention of HF transformers. */
export class QATokenizer {
  #queue: Promise<unknown> = Promise.resolve();
  #layout:
    | { bert: boolean; untruncatedFirstSequenceId: number | null; overflowTypeId: number }
    | undefined;

  private constructor(
    readonly core: Tokenizer,
    readonly config: TokenizerConfig,
    readonly folder: string,
  ) {}

  /** Loads from a local folder or a hub id (`distilbert-base-uncased`). */
  static async fromPretrained(nameOrPath: string): Promise<QATokenizer> {
    const { core, config, folder } = await loadTokenizerFiles(nameOrPath);
    return new QATokenizer(core, config, folder);
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
    const id = this.core.tokenToId(token);
    if (id === null) throw new Error(`${this.folder}: token ${token} is not in the vocabulary`);
    return id;
  }

  convertIdsToTokens(ids: number[]): string[] {
    return ids.map((id) => this.core.idToToken(id) ?? this.config.unkToken);
  }

  /** Turns ids back into text. */
  decode(ids: number[], options: { skipSpecialTokens?: boolean } = {}): Promise<string> {
    return this.core.decode(ids, options.skipSpecialTokens ?? false);
  }

  /**
   * Tokenizes texts (and optional paired texts), as `tokenizer(texts, pairs, ...)` does in Python:
   * truncation, stride and overflowing windows, padding, offsets and sequence ids.
   */
  encode(
    texts: string | string[],
    pairs?: string | string[] | null,
    options: EncodeOptions = {},
  ): Promise<BatchEncoding> {
    const first = typeof texts === "string" ? [texts] : texts;
    const second = pairs == null ? null : typeof pairs === "string" ? [pairs] : pairs;
    if (second && second.length !== first.length) {
      throw new Error(`encode: ${first.length} texts but ${second.length} pairs`);
    }
    // The Rust tokenizer holds truncation and padding as state: one call at a time.
    const run = this.#queue.then(() => this.#encodeNow(first, second, options));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #encodeNow(
    first: string[],
    second: string[] | null,
    options: EncodeOptions,
  ): Promise<BatchEncoding> {
    // Each distinct text is tokenized once (SQuAD asks ~5 questions per context), on native
    // threads; special tokens, truncation, stride and padding are applied when inputs are assembled.
    this.#configure({});
    const firstParts = await this.#encodeDistinct(first);
    const secondParts = second ? await this.#encodeDistinct(second) : null;
    const fast = options.truncation !== "longest_first" && (options.addSpecialTokens ?? true) &&
      (await this.#probeLayout()).bert;
    const batch = fast
      ? await this.#assemble(firstParts, secondParts, options)
      : this.#postProcess(firstParts, secondParts, options);
    if (options.padding === "longest") padToLongest(batch, this.padTokenId, this.paddingSide);
    return batch;
  }

  async #encodeDistinct(texts: string[]): Promise<Encoding[]> {
    const distinct = [...new Set(texts)];
    const encoded = await this.core.encodeBatch(distinct, { addSpecialTokens: false });
    const byText = new Map(distinct.map((text, i) => [text, encoded[i]]));
    return texts.map((text) => byText.get(text)!);
  }

  async #assemble(
    first: Encoding[],
    second: Encoding[] | null,
    options: EncodeOptions,
  ): Promise<BatchEncoding> {
    const tokens = new Map<Encoding, TextTokens>();
    const tokensOf = (encoding: Encoding) => {
      let found = tokens.get(encoding);
      if (!found) {
        found = {
          ids: encoding.getIds(),
          offsets: encoding.getOffsets() as [number, number][],
          wordIds: encoding.getWordIds().map((word) => word ?? null),
        };
        tokens.set(encoding, found);
      }
      return found;
    };
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
      untruncatedFirstSequenceId: (await this.#probeLayout()).untruncatedFirstSequenceId,
      overflowTypeId: (await this.#probeLayout()).overflowTypeId,
    };
    const batch = emptyBatch();
    const failures = new Map<number, string>();
    first.forEach((encoding, i) => {
      try {
        const pair = second ? tokensOf(second[i]) : null;
        for (const w of windows(tokensOf(encoding), pair, windowOptions)) {
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

  #postProcess(
    first: Encoding[],
    second: Encoding[] | null,
    options: EncodeOptions,
  ): BatchEncoding {
    this.#configure(options);
    const batch = emptyBatch();
    const failures = new Map<number, string>();
    first.forEach((encoding, i) => {
      try {
        const joined = this.core.postProcess(
          encoding,
          second?.[i] ?? null,
          options.addSpecialTokens,
        );
        const windows = options.returnOverflowingTokens
          ? [joined, ...joined.getOverflowing()]
          : [joined];
        for (const w of windows) {
          const window: Window = {
            ids: w.getIds(),
            attentionMask: w.getAttentionMask(),
            typeIds: w.getTypeIds(),
            offsets: w.getOffsets() as [number, number][],
            sequenceIds: w.getSequenceIds().map((s) => s ?? null),
            wordIds: w.getWordIds().map((word) => word ?? null),
          };
          pushWindow(batch, window, i);
        }
      } catch (e) {
        failures.set(i, (e as Error).message);
      }
    });
    if (failures.size > 0) throw new EncodeError(failures);
    return batch;
  }

  // Whether the post-processor is BERT's `[CLS] A [SEP] B [SEP]` template with type ids 0/1,
  // which `#assemble` reproduces, and its sequence and type ids where they are irregular (see
  // WindowOptions); asked once of the Rust post-processor itself.
  async #probeLayout() {
    if (this.#layout === undefined) {
      this.#configure({});
      const [a, b] = await this.core.encodeBatch(["a", "b"], { addSpecialTokens: false });
      const joined = this.core.postProcess(a, b, true);
      const [cls, sep] = [this.clsTokenId, this.sepTokenId];
      const expectedIds = [cls, ...a.getIds(), sep, ...b.getIds(), sep];
      const expectedTypes = [0, ...a.getIds().map(() => 0), 0, ...b.getIds().map(() => 1), 1];
      const bert = JSON.stringify(joined.getIds()) === JSON.stringify(expectedIds) &&
        JSON.stringify(joined.getTypeIds()) === JSON.stringify(expectedTypes);
      this.core.setTruncation(5, { strategy: "OnlySecond" as never, stride: 0 });
      const [c] = await this.core.encodeBatch(["b b b"], { addSpecialTokens: false });
      const overflow = this.core.postProcess(a, c, true).getOverflowing()[0];
      this.#layout = {
        bert,
        untruncatedFirstSequenceId: joined.getSequenceIds()[1] ?? null,
        overflowTypeId: overflow?.getTypeIds()[a.getIds().length + 2] ?? 1,
      };
    }
    return this.#layout;
  }

  #configure(options: EncodeOptions): void {
    const maxLength = options.maxLength ?? this.config.modelMaxLength;
    if (options.truncation) {
      this.core.setTruncation(maxLength, {
        strategy: TRUNCATION_STRATEGY[options.truncation] as never,
        stride: options.stride ?? 0,
      });
    } else {
      this.core.disableTruncation();
    }
    if (options.padding === "max_length") {
      this.core.setPadding({
        maxLength,
        padId: this.padTokenId,
        padToken: this.config.padToken,
        direction: this.config.paddingSide,
      });
    } else {
      this.core.disablePadding();
    }
  }
}

function emptyBatch(): BatchEncoding {
  return {
    input_ids: [],
    attention_mask: [],
    token_type_ids: [],
    offset_mapping: [],
    overflow_to_sample_mapping: [],
    sequence_ids: [],
    word_ids: [],
    sequenceIds(i: number) {
      return this.sequence_ids[i];
    },
  };
}

function pushWindow(batch: BatchEncoding, w: Window, sample: number): void {
  batch.input_ids.push(w.ids);
  batch.attention_mask.push(w.attentionMask);
  batch.token_type_ids.push(w.typeIds);
  batch.offset_mapping.push(w.offsets);
  batch.sequence_ids.push(w.sequenceIds);
  batch.word_ids.push(w.wordIds);
  batch.overflow_to_sample_mapping.push(sample);
}

// Pads every window to the longest one of the batch (`padding="longest"` in Python).
function padToLongest(batch: BatchEncoding, padId: number, side: "right" | "left"): void {
  const longest = Math.max(0, ...batch.input_ids.map((ids) => ids.length));
  const pad = <T>(row: T[], value: T) => {
    const filler = new Array<T>(longest - row.length).fill(value);
    return side === "right" ? [...row, ...filler] : [...filler, ...row];
  };
  for (let i = 0; i < batch.input_ids.length; i++) {
    batch.input_ids[i] = pad(batch.input_ids[i], padId);
    batch.attention_mask[i] = pad(batch.attention_mask[i], 0);
    batch.token_type_ids[i] = pad(batch.token_type_ids[i], 0);
    batch.offset_mapping[i] = pad(batch.offset_mapping[i], [0, 0] as [number, number]);
    batch.sequence_ids[i] = pad(batch.sequence_ids[i], null);
    batch.word_ids[i] = pad(batch.word_ids[i], null);
  }
}
