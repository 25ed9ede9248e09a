import { assert, assertEquals, assertRejects } from "../../../test/assert.ts";
import { GOLDEN_SETS, readGolden } from "../../../test/golden.ts";
import { sharedPath } from "../../../test/shared.ts";
import { loadSquad } from "../../data/mod.ts";
import { prepareTrainFeatures, prepareValidationFeatures } from "../../features/mod.ts";
import { EncodeError, type EncodeOptions, QATokenizer } from "../mod.ts";
import { folderReader } from "../load.ts";
import { unicodeCategoryFlags } from "./chars.ts";
import { fuzzTexts } from "./fuzz.ts";
import { WordPieceTokenizer } from "./mod.ts";

const bothEngines = async (folder: string) => ({
  native: await QATokenizer.fromPretrained(sharedPath(folder), { engine: "native" }),
  ours: await QATokenizer.fromPretrained(sharedPath(folder), { engine: "wordpiece" }),
});

for (const { set, tokenizer: folder } of GOLDEN_SETS) {
  Deno.test(`${set}: the TypeScript WordPiece gives every golden train and dev feature`, async () => {
    const tokenizer = await QATokenizer.fromPretrained(sharedPath(folder), { engine: "wordpiece" });
    assertEquals(tokenizer.engine.name, "wordpiece");
    const train = await loadSquad(sharedPath(`golden/${set}/train_examples.jsonl.gz`));
    const trainGolden = await readGolden(set, "train_features.jsonl.gz");
    const { features, skipped } = await prepareTrainFeatures(tokenizer, train.examples);
    assertEquals(skipped, []);
    assertEquals(features.length, trainGolden.length);
    features.forEach((f, i) => assertEquals({ ...f }, trainGolden[i], `train feature ${i}`));
    const dev = await loadSquad(sharedPath(`golden/${set}/dev_examples.jsonl.gz`));
    const devGolden = await readGolden(set, "dev_features.jsonl.gz");
    const validation = await prepareValidationFeatures(tokenizer, dev.examples);
    assertEquals(validation.features.length, devGolden.length);
    validation.features.forEach((f, i) => assertEquals({ ...f }, devGolden[i], `dev feature ${i}`));
  });

  Deno.test(`${set}: generated hard strings: the same tokens, offsets and words as Rust`, async () => {
    const { native, ours } = await bothEngines(folder);
    const texts = fuzzTexts(3000);
    const rust = await native.engine.tokenize(texts);
    const mine = await ours.engine.tokenize(texts);
    let differ = 0;
    texts.forEach((text, i) => {
      if (JSON.stringify(mine[i]) !== JSON.stringify(rust[i])) {
        if (differ++ < 3) assertEquals(mine[i], rust[i], JSON.stringify(text));
      }
    });
    assertEquals(differ, 0);
    assert(rust.some((t) => t.ids.length > 100), "some texts are long");
    assert(mine.some((t) => t.ids.includes(native.tokenToId("[UNK]"))), "some words are unknown");
  });

  Deno.test(`${set}: generated pairs: the same windows, overflow and padding as Rust`, async () => {
    const { native, ours } = await bothEngines(folder);
    const questions = fuzzTexts(600, 7, 6);
    const contexts = fuzzTexts(600, 8, 60);
    const options: EncodeOptions = {
      truncation: "only_second",
      maxLength: 48,
      stride: 12,
      returnOverflowingTokens: true,
      padding: "max_length",
    };
    const encodeBoth = (tokenizer: QATokenizer) =>
      tokenizer.encode(questions, contexts, options).catch((e) => {
        if (!(e instanceof EncodeError)) throw e;
        return [...e.failures.keys()];
      });
    const [rust, mine] = [await encodeBoth(native), await encodeBoth(ours)];
    // Questions that leave no room fail in both, with the same inputs named.
    assertEquals(Array.isArray(mine), Array.isArray(rust));
    const failed = Array.isArray(rust) ? new Set(rust) : new Set<number>();
    const keep = (_: string, i: number) => !failed.has(i);
    const [q, c] = [questions.filter(keep), contexts.filter(keep)];
    const a = await native.encode(q, c, options);
    const b = await ours.encode(q, c, options);
    assert(a.input_ids.length > q.length, "some contexts overflow into more windows");
    for (
      const column of [
        "input_ids",
        "attention_mask",
        "token_type_ids",
        "offset_mapping",
        "sequence_ids",
        "word_ids",
        "overflow_to_sample_mapping",
      ] as const
    ) {
      assertEquals(b[column], a[column], column);
    }
  });

  Deno.test(`${set}: ids back to text as the Rust decoder gives it`, async () => {
    const { native, ours } = await bothEngines(folder);
    for (const text of fuzzTexts(200, 3, 12)) {
      const { input_ids: [ids] } = await native.encode(text, null);
      for (const skip of [false, true]) {
        assertEquals(
          await ours.decode(ids, { skipSpecialTokens: skip }),
          await native.decode(ids, { skipSpecialTokens: skip }),
          JSON.stringify(text),
        );
      }
    }
  });
}

Deno.test("every code point that is a control, format, punctuation or mark today is read as Rust does", async () => {
  // Rust's character tables are Unicode 8.0's (unknown_to_rust.ts and CHANGED_SINCE_RUST say
  // where they differ from this JavaScript engine's); a newer engine would show up here.
  const { native, ours } = await bothEngines("models/distilbert-base-uncased-distilled-squad");
  const characters: number[] = [0x166D, 0x1734, 0x111C9, 0x1171E];
  for (let c = 0x80; c <= 0x10FFFF; c++) {
    if (
      (c >= 0xD800 && c <= 0xDFFF) || ((c >= 0xE000 && c <= 0xF8FF) || c >= 0xF0000) && c % 4096
    ) {
      continue;
    }
    if (unicodeCategoryFlags(c) !== 0) characters.push(c);
  }
  assert(characters.length > 3000, `${characters.length} characters`);
  const texts = characters.map((c) => {
    const ch = String.fromCodePoint(c);
    return `a${ch}b ${ch} É${ch}`;
  });
  const [rust, mine] = [await native.engine.tokenize(texts), await ours.engine.tokenize(texts)];
  const differ = characters.filter((_, i) => JSON.stringify(rust[i]) !== JSON.stringify(mine[i]));
  assertEquals(differ.map((c) => `U+${c.toString(16).toUpperCase()}`), []);
});

Deno.test("the pair layout our engine assumes is the one the Rust post-processor gives", async () => {
  const { native, ours } = await bothEngines("models/distilbert-base-uncased-distilled-squad");
  assertEquals(await ours.engine.layout(), await native.engine.layout());
});

Deno.test("vocab.txt alone: the same tokens as tokenizer.json", async () => {
  const source = sharedPath("models/distilbert-base-uncased-distilled-squad");
  const folder = await Deno.makeTempDir();
  for (const file of ["vocab.txt", "tokenizer_config.json"]) {
    await Deno.copyFile(`${source}/${file}`, `${folder}/${file}`);
  }
  const fromVocab = await QATokenizer.fromPretrained(folder, { engine: "wordpiece" });
  const fromJson = await QATokenizer.fromPretrained(source, { engine: "wordpiece" });
  const texts = fuzzTexts(300, 11);
  assertEquals(await fromVocab.engine.tokenize(texts), await fromJson.engine.tokenize(texts));
});

Deno.test("longest_first goes to the Rust tokenizer where there is one, else is refused", async () => {
  const folder = sharedPath("models/distilbert-base-uncased-distilled-squad");
  const options = { truncation: "longest_first", maxLength: 6 } as const;
  const alone = await QATokenizer.fromFiles(folderReader(folder), folder);
  const error = await assertRejects(() => alone.encode("one two", "a b c", options));
  assert((error as Error).message.includes("longest_first"), String(error));
  const { native, ours } = await bothEngines("models/distilbert-base-uncased-distilled-squad");
  const [a, b] = [
    await native.encode("one two", "a b c", options),
    await ours.encode("one two", "a b c", options),
  ];
  assertEquals(b.input_ids, a.input_ids);
  assertEquals(b.offset_mapping, a.offset_mapping);
});

Deno.test("auto: our WordPiece on the BERT path, the Rust tokenizer off it", async () => {
  const source = sharedPath("models/distilbert-base-uncased-distilled-squad");
  assertEquals(
    (await QATokenizer.fromPretrained(source, { engine: "auto" })).engine.name,
    "wordpiece",
  );
  const folder = await Deno.makeTempDir();
  const json = JSON.parse(await Deno.readTextFile(`${source}/tokenizer.json`));
  json.normalizer = { type: "Sequence", normalizers: [json.normalizer] };
  await Deno.writeTextFile(`${folder}/tokenizer.json`, JSON.stringify(json));
  await Deno.copyFile(`${source}/tokenizer_config.json`, `${folder}/tokenizer_config.json`);
  const other = await QATokenizer.fromPretrained(folder, { engine: "auto" });
  assertEquals(other.engine.name, "native");
  await assertRejects(() => QATokenizer.fromPretrained(folder, { engine: "wordpiece" }));
});

Deno.test("a tokenizer.json off the BERT/WordPiece path is refused, naming file and field", async () => {
  const text = await Deno.readTextFile(
    sharedPath("models/distilbert-base-uncased-distilled-squad/tokenizer.json"),
  );
  const edit = (change: (json: Record<string, Record<string, unknown>>) => void) => {
    const json = JSON.parse(text);
    change(json);
    return JSON.stringify(json);
  };
  const refused = (json: string, words: string[]) => {
    let error: unknown = null;
    try {
      WordPieceTokenizer.fromJSON(json, "m/tokenizer.json");
    } catch (e) {
      error = e;
    }
    assert(error instanceof Error, `${words}: not refused`);
    for (const word of ["m/tokenizer.json", ...words]) {
      assert((error as Error).message.includes(word), `${error} lacks ${word}`);
    }
  };
  refused("{", ["malformed JSON"]);
  refused(edit((j) => j.model.type = "BPE"), ["model", "BPE"]);
  refused(edit((j) => j.normalizer.type = "NFKC"), ["normalizer", "NFKC"]);
  refused(edit((j) => j.pre_tokenizer = { type: "Whitespace" }), ["pre_tokenizer", "Whitespace"]);
  refused(edit((j) => j.model.unk_token = "<unk>"), ["<unk>", "vocabulary"]);
  refused(edit((j) => j.model.vocab = { a: "one" }), ["model.vocab", "integer"]);
  refused(edit((j) => (j.post_processor.pair as unknown[]).reverse()), ["post_processor"]);
  refused(edit((j) => (j.added_tokens as unknown as Record<string, unknown>[])[1].lstrip = true), [
    "added_tokens[1]",
    "lstrip",
  ]);
});
