// The Rust `tokenizers` addon as a TokenizerEngine: texts tokenized on native threads, each
// distinct text once; its own post-processor for the layouts windows.ts does not assemble.
import type { Encoding, Tokenizer } from "@anush008/tokenizers";
import type { PairLayout, TokenizerEngine } from "./engine.ts";
import {
  type BatchEncoding,
  emptyBatch,
  EncodeError,
  type EncodeOptions,
  pushWindow,
} from "./encoding.ts";
import type { TextTokens } from "./windows.ts";

const TRUNCATION_STRATEGY = {
  only_first: "OnlyFirst",
  only_second: "OnlySecond",
  longest_first: "LongestFirst",
} as const;

/** A Rust `tokenizers` Tokenizer behind QATokenizer. */
export class NativeEngine implements TokenizerEngine {
  readonly name = "native";
  #queue: Promise<unknown> = Promise.resolve();
  #layout: PairLayout | undefined;

  constructor(
    readonly core: Tokenizer,
    readonly special: { cls: string; sep: string; pad: string; padSide: "right" | "left" },
    readonly defaultMaxLength: number,
  ) {}

  // The Rust tokenizer holds truncation and padding as state: one call at a time.
  #serial<T>(work: () => Promise<T> | T): Promise<T> {
    const run = this.#queue.then(work);
    this.#queue = run.catch(() => {});
    return run;
  }

  tokenize(texts: string[]): Promise<TextTokens[]> {
    return this.#serial(async () =>
      (await this.#encodeDistinct(texts)).map((encoding) => ({
        ids: encoding.getIds(),
        offsets: encoding.getOffsets() as [number, number][],
        wordIds: encoding.getWordIds().map((word) => word ?? null),
      }))
    );
  }

  tokenToId(token: string): number | null {
    return this.core.tokenToId(token) ?? null;
  }

  idToToken(id: number): string | null {
    return this.core.idToToken(id) ?? null;
  }

  decode(ids: number[], skipSpecialTokens: boolean): Promise<string> {
    return this.core.decode(ids, skipSpecialTokens);
  }

  async #encodeDistinct(texts: string[]): Promise<Encoding[]> {
    this.#configure({});
    const distinct = [...new Set(texts)];
    const encoded = await this.core.encodeBatch(distinct, { addSpecialTokens: false });
    const byText = new Map(distinct.map((text, i) => [text, encoded[i]]));
    return texts.map((text) => byText.get(text)!);
  }

  postProcess(
    firstTexts: string[],
    secondTexts: string[] | null,
    options: EncodeOptions,
  ): Promise<BatchEncoding> {
    return this.#serial(async () => {
      const first = await this.#encodeDistinct(firstTexts);
      const second = secondTexts ? await this.#encodeDistinct(secondTexts) : null;
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
            pushWindow(batch, {
              ids: w.getIds(),
              attentionMask: w.getAttentionMask(),
              typeIds: w.getTypeIds(),
              offsets: w.getOffsets() as [number, number][],
              sequenceIds: w.getSequenceIds().map((s) => s ?? null),
              wordIds: w.getWordIds().map((word) => word ?? null),
            }, i);
          }
        } catch (e) {
          failures.set(i, (e as Error).message);
        }
      });
      if (failures.size > 0) throw new EncodeError(failures);
      return batch;
    });
  }

  // Asked once of the Rust post-processor itself.
  layout(): Promise<PairLayout> {
    return this.#serial(async () => {
      if (this.#layout === undefined) {
        this.#configure({});
        const [a, b] = await this.core.encodeBatch(["a", "b"], { addSpecialTokens: false });
        const joined = this.core.postProcess(a, b, true);
        const [cls, sep] = [
          this.core.tokenToId(this.special.cls),
          this.core.tokenToId(this.special.sep),
        ];
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
    });
  }

  #configure(options: EncodeOptions): void {
    const maxLength = options.maxLength ?? this.defaultMaxLength;
    if (options.truncation) {
      this.core.setTruncation(maxLength, {
        strategy: TRUNCATION_STRATEGY[options.truncation] as never,
        stride: options.stride ?? 0,
      });
    } else {
      this.core.disableTruncation();
    }
    if (options.padding === "max_length") {
      const padId = this.core.tokenToId(this.special.pad);
      if (padId === null) {
        throw new Error(`the pad token ${this.special.pad} is not in the vocabulary`);
      }
      this.core.setPadding({
        maxLength,
        padId,
        padToken: this.special.pad,
        direction: this.special.padSide,
      });
    } else {
      this.core.disablePadding();
    }
  }
}
