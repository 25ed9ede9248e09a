import { assert, assertEquals, assertRejects } from "../../test/assert.ts";
import { GOLDEN_SETS, readGolden } from "../../test/golden.ts";
import { sharedPath } from "../../test/shared.ts";
import { loadSquad } from "../data/mod.ts";
import { EncodeError, type NativeEngine, QATokenizer } from "./mod.ts";

interface TrickyCase {
  question: string;
  context: string;
  max_length: number;
  stride: number;
  input_ids: number[][];
  offset_mapping: [number, number][][];
  tokens: string[][];
  sequence_ids: (number | null)[][];
}

for (const engine of ["native", "wordpiece"] as const) {
  for (const { set, tokenizer: folder } of GOLDEN_SETS) {
    Deno.test(`${set}, ${engine}: tricky strings give the reference tokens, ids, offsets and windows`, async () => {
      const tokenizer = await QATokenizer.fromPretrained(sharedPath(folder), { engine });
      const cases = await readGolden<TrickyCase>(set, "tokenizer_tricky.jsonl.gz");
      assertEquals(cases.length, 7);
      for (const c of cases) {
        const encoded = await tokenizer.encode(c.question, c.context, {
          truncation: "only_second",
          maxLength: c.max_length,
          stride: c.stride,
          returnOverflowingTokens: true,
        });
        assertEquals(encoded.input_ids, c.input_ids, c.context);
        assertEquals(encoded.offset_mapping, c.offset_mapping, c.context);
        assertEquals(encoded.sequence_ids, c.sequence_ids, c.context);
        assertEquals(encoded.input_ids.map((ids) => tokenizer.convertIdsToTokens(ids)), c.tokens);
      }
    });
  }
}

for (const { set, tokenizer: folder } of GOLDEN_SETS) {
  Deno.test(`${set}: word_ids of every window are the Rust post-processor's`, async () => {
    const tokenizer = await QATokenizer.fromPretrained(sharedPath(folder), { engine: "native" });
    const cases = await readGolden<TrickyCase>(set, "tokenizer_tricky.jsonl.gz");
    const { examples } = await loadSquad(sharedPath("data/squad/tutorial-examples.json"));
    const inputs = [
      ...cases,
      ...examples.map((e) => ({ ...e, max_length: 384, stride: 128 })),
    ];
    for (const c of inputs) {
      const ours = await tokenizer.encode(c.question, c.context, {
        truncation: "only_second",
        maxLength: c.max_length,
        stride: c.stride,
        returnOverflowingTokens: true,
      });
      (tokenizer.engine as NativeEngine).core.disableTruncation();
      const [question, context] = await (tokenizer.engine as NativeEngine).core.encodeBatch([
        c.question,
        c.context,
      ], {
        addSpecialTokens: false,
      });
      (tokenizer.engine as NativeEngine).core.setTruncation(c.max_length, {
        strategy: "OnlySecond" as never,
        stride: c.stride,
      });
      const joined = (tokenizer.engine as NativeEngine).core.postProcess(question, context, true);
      const rust = [joined, ...joined.getOverflowing()].map((w) =>
        w.getWordIds().map((word) => word ?? null)
      );
      assertEquals(ours.word_ids, rust, c.context);
      assert(ours.word_ids.flat().some((word) => word !== null && word > 0), c.context);
    }
  });
}

Deno.test("a folder with only vocab.txt + tokenizer_config.json tokenizes like tokenizer.json", async () => {
  const source = sharedPath("models/distilbert-base-uncased-distilled-squad");
  const folder = await Deno.makeTempDir();
  for (const file of ["vocab.txt", "tokenizer_config.json"]) {
    await Deno.copyFile(`${source}/${file}`, `${folder}/${file}`);
  }
  const fromVocab = await QATokenizer.fromPretrained(folder);
  const fromJson = await QATokenizer.fromPretrained(source);
  const cases = await readGolden<TrickyCase>("public", "tokenizer_tricky.jsonl.gz");
  const options = { truncation: "only_second", maxLength: 64, stride: 16 } as const;
  for (const c of cases) {
    const a = await fromVocab.encode(c.question, c.context, options);
    const b = await fromJson.encode(c.question, c.context, options);
    assertEquals(a.input_ids, b.input_ids, c.context);
    assertEquals(a.offset_mapping, b.offset_mapping, c.context);
  }
});

Deno.test("the tutorial's long Beyonce context: windows of 384 and 192 tokens, answer reachable", async () => {
  const tokenizer = await QATokenizer.fromPretrained(
    sharedPath("models/distilbert-base-uncased-distilled-squad"),
  );
  const { examples } = await loadSquad(sharedPath("data/squad/tutorial-examples.json"));
  const long = examples.find((e) => e.id === "tutorial-long-context")!;
  const whole = await tokenizer.encode(long.question, long.context);
  assertEquals(whole.input_ids[0].length, 437);
  const windows = await tokenizer.encode(long.question, long.context, {
    truncation: "only_second",
    maxLength: 384,
    stride: 128,
    returnOverflowingTokens: true,
  });
  assertEquals(windows.input_ids.map((ids) => ids.length), [384, 192]);
  assertEquals(windows.overflow_to_sample_mapping, [0, 0]);
  // The second window ends where the context ends: its tail is not dropped (tokenizers#2091).
  const lastContextOffset = windows.offset_mapping[1].at(-2)!;
  assertEquals(lastContextOffset[1], long.context.trimEnd().length);
  // The answer ("Jay Z", at character 34) is inside the first window.
  const start = long.answers.answer_start[0];
  const covering = windows.offset_mapping[0].filter((o, k) =>
    windows.sequence_ids[0][k] === 1 && o[0] >= start && o[1] <= start + 5
  );
  assertEquals(covering.length, 2);
});

Deno.test("padding to max_length and to the longest input", async () => {
  const tokenizer = await QATokenizer.fromPretrained(
    sharedPath("models/distilbert-base-uncased-distilled-squad"),
  );
  const fixed = await tokenizer.encode(["short?"], ["a context"], {
    padding: "max_length",
    maxLength: 16,
  });
  assertEquals(fixed.input_ids[0].length, 16);
  assertEquals(fixed.attention_mask[0].filter((m) => m === 1).length, 7);
  assertEquals(fixed.sequence_ids[0].slice(6), Array(10).fill(null));
  assertEquals(fixed.input_ids[0].slice(7), Array(9).fill(0));
  const longest = await tokenizer.encode(["a", "a b c d"], null, { padding: "longest" });
  assertEquals(longest.input_ids.map((ids) => ids.length), [6, 6]);
  assertEquals(longest.input_ids[0], [101, 1037, 102, 0, 0, 0]);
  assertEquals(
    await tokenizer.decode(longest.input_ids[1], { skipSpecialTokens: true }),
    "a b c d",
  );
});

Deno.test("a question that leaves no room for the context is reported by input index", async () => {
  const tokenizer = await QATokenizer.fromPretrained(
    sharedPath("models/distilbert-base-uncased-distilled-squad"),
  );
  const long = "why ".repeat(40);
  const error = await assertRejects(() =>
    tokenizer.encode(["fine?", long], ["some context here", "context"], {
      truncation: "only_second",
      maxLength: 32,
      stride: 8,
      returnOverflowingTokens: true,
    })
  );
  assert(error instanceof EncodeError);
  assertEquals([...error.failures.keys()], [1]);
});

Deno.test("model_input_names: DistilBERT's tokenizer class gives a model no token types", async () => {
  const names = async (folder: string) =>
    (await QATokenizer.fromPretrained(sharedPath(folder))).config.modelInputNames;
  // tiny-bert-init is a BERT whose tokenizer_config names DistilBertTokenizer.
  assertEquals(await names("golden/models/tiny-bert-init"), ["input_ids", "attention_mask"]);
  assertEquals(await names("models/bert-base-chinese"), [
    "input_ids",
    "token_type_ids",
    "attention_mask",
  ]);
  const folder = await Deno.makeTempDir();
  const source = sharedPath("models/bert-base-chinese");
  await Deno.copyFile(`${source}/vocab.txt`, `${folder}/vocab.txt`);
  const config = JSON.parse(await Deno.readTextFile(`${source}/tokenizer_config.json`));
  config.model_input_names = ["input_ids", "attention_mask"];
  await Deno.writeTextFile(`${folder}/tokenizer_config.json`, JSON.stringify(config));
  assertEquals(
    (await QATokenizer.fromPretrained(folder)).config.modelInputNames,
    ["input_ids", "attention_mask"],
  );
});

Deno.test("a folder that is not a tokenizer gives a clear error", async () => {
  const empty = await Deno.makeTempDir();
  const error = await assertRejects(() => QATokenizer.fromPretrained(empty));
  assert((error as Error).message.includes("not a tokenizer folder"), String(error));
  const missing = await assertRejects(() => QATokenizer.fromPretrained("/no/such/folder"));
  assert((missing as Error).message.includes("/no/such/folder"), String(missing));
});

Deno.test("longest_first truncation (the Rust post-processor path) cuts the longer text", async () => {
  const tokenizer = await QATokenizer.fromPretrained(
    sharedPath("models/distilbert-base-uncased-distilled-squad"),
  );
  const encoded = await tokenizer.encode("one two", "a b c d e f g h i j", {
    truncation: "longest_first",
    maxLength: 10,
  });
  assertEquals(encoded.input_ids[0].length, 10);
  assertEquals(tokenizer.convertIdsToTokens(encoded.input_ids[0]), [
    "[CLS]",
    "one",
    "two",
    "[SEP]",
    "a",
    "b",
    "c",
    "d",
    "e",
    "[SEP]",
  ]);
  assertEquals(encoded.sequence_ids[0].filter((s) => s === 1).length, 5);
});
