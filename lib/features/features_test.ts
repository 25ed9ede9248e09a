import { assert, assertEquals, assertRejects } from "../../test/assert.ts";
import { GOLDEN_SETS, readGolden } from "../../test/golden.ts";
import { sharedPath } from "../../test/shared.ts";
import { DataError, loadSquad, type SquadExample } from "../data/mod.ts";
import { QATokenizer } from "../tokenizer/mod.ts";
import { answerTokenSpan, prepareTrainFeatures, prepareValidationFeatures } from "./mod.ts";

for (const { set, tokenizer: folder } of GOLDEN_SETS) {
  Deno.test(`${set}: train features equal the reference in every field`, async () => {
    const tokenizer = await QATokenizer.fromPretrained(sharedPath(folder));
    const { examples } = await loadSquad(sharedPath(`golden/${set}/train_examples.jsonl.gz`));
    const golden = await readGolden(set, "train_features.jsonl.gz");
    const { features, skipped } = await prepareTrainFeatures(tokenizer, examples);
    assertEquals(skipped, []);
    assertEquals(features.length, golden.length);
    features.forEach((feature, i) => assertEquals({ ...feature }, golden[i], `feature ${i}`));
  });

  Deno.test(`${set}: validation features equal the reference in every field`, async () => {
    const tokenizer = await QATokenizer.fromPretrained(sharedPath(folder));
    const { examples } = await loadSquad(sharedPath(`golden/${set}/dev_examples.jsonl.gz`));
    const golden = await readGolden(set, "dev_features.jsonl.gz");
    const { features } = await prepareValidationFeatures(tokenizer, examples);
    assertEquals(features.length, golden.length);
    features.forEach((feature, i) => assertEquals({ ...feature }, golden[i], `feature ${i}`));
  });
}

const uncased = () =>
  QATokenizer.fromPretrained(sharedPath("models/distilbert-base-uncased-distilled-squad"));

function example(id: string, question: string, context: string, answer?: [string, number]) {
  const answers = answer
    ? { text: [answer[0]], answer_start: [answer[1]] }
    : { text: [], answer_start: [] };
  return { id, title: "", question, context, answers } satisfies SquadExample;
}

Deno.test("an answer at the end of a long context is labelled in the last window", async () => {
  const tokenizer = await uncased();
  const filler = Array.from({ length: 120 }, (_, i) => `word${i} is here.`).join(" ");
  const context = `${filler} The treasure lies under the old oak.`;
  const start = context.indexOf("the old oak");
  const { features } = await prepareTrainFeatures(tokenizer, [
    example("end", "Where is the treasure?", context, ["the old oak", start]),
  ]);
  assert(features.length > 1);
  const last = features.at(-1)!;
  assert(last.start_position > 0);
  const span = last.offset_mapping.slice(last.start_position, last.end_position + 1);
  assertEquals(context.slice(span[0][0], span.at(-1)![1]), "the old oak");
  for (const f of features.slice(0, -1)) assertEquals([f.start_position, f.end_position], [0, 0]);
});

Deno.test("COVID-QA: mismatched answers are skipped and counted; --strict stops", async () => {
  const tokenizer = await uncased();
  const ds = await loadSquad(sharedPath("data/qa/covid-qa-200423.json"));
  const sample = ds.examples.slice(0, 120);
  const bad = new Set(ds.problems.map((p) => p.id));
  const expectedSkips = sample.filter((e) => bad.has(e.id)).length;
  assert(expectedSkips > 0);
  const options = { source: ds.source, maxLength: 384, docStride: 128 };
  const { features, skipped } = await prepareTrainFeatures(tokenizer, sample, options);
  assertEquals(skipped.length, expectedSkips);
  assert(features.every((f) => !bad.has(f.example_id)));
  assert(skipped.every((p) => p.source === ds.source && p.kind === "answer_mismatch"));
  const error = await assertRejects(() =>
    prepareTrainFeatures(tokenizer, sample, { ...options, strict: true })
  );
  assert(error instanceof DataError);
  assert(error.message.startsWith(`${ds.source}: question `), error.message);
});

Deno.test("a question longer than max_length and an empty context are reported, not fatal", async () => {
  const tokenizer = await uncased();
  const examples = [
    example("long-q", "why ".repeat(400), "A short context.", ["short", 2]),
    example("empty", "What?", ""),
    example("ok", "What is it?", "It is a test.", ["a test", 6]),
  ];
  for (const prepare of [prepareTrainFeatures, prepareValidationFeatures]) {
    const { features, skipped } = await prepare(tokenizer, examples, { source: "mem.json" });
    assertEquals(features.map((f) => f.example_id), ["ok"]);
    assertEquals(skipped.map((p) => [p.id, p.kind]).sort(), [
      ["empty", "empty_context"],
      ["long-q", "question_too_long"],
    ]);
    const tooLong = skipped.find((p) => p.id === "long-q")!;
    assert(tooLong.problem.includes("max_length 384"), tooLong.problem);
  }
});

Deno.test("unanswerable questions are labelled with the CLS token", async () => {
  const tokenizer = await uncased();
  const { features } = await prepareTrainFeatures(tokenizer, [
    example("none", "Who?", "Nobody here."),
  ]);
  assertEquals([features[0].start_position, features[0].end_position], [0, 0]);
});

Deno.test("the tutorial's long context: windows [384, 192], answer tokens decode to 'jay z'", async () => {
  const tokenizer = await uncased();
  const { examples } = await loadSquad(
    new URL("../../data/tutorial-examples.json", import.meta.url).pathname,
  );
  const long = examples.find((e) => e.id === "tutorial-long-context")!;
  const encoding = await tokenizer.encode([long.question], [long.context], {
    truncation: "only_second",
    maxLength: 384,
    stride: 128,
    returnOverflowingTokens: true,
  });
  assertEquals(encoding.input_ids.map((ids) => ids.length), [384, 192]);
  const spans = encoding.input_ids.map((_, w) =>
    answerTokenSpan(long, encoding.offset_mapping[w], encoding.sequence_ids[w], 1)
  );
  for (const [w, span] of spans.entries()) {
    if (!span) continue;
    const ids = encoding.input_ids[w].slice(span[0], span[1] + 1);
    assertEquals(await tokenizer.decode(ids), "jay z");
  }
  assert(spans.some((span) => span !== null));
});

Deno.test("onProgress counts examples batch by batch up to the total", async () => {
  const tokenizer = await uncased();
  const { examples } = await loadSquad(
    new URL("../../data/squad-v1.1-train-sample.json", import.meta.url).pathname,
  );
  const seen: [number, number][] = [];
  await prepareTrainFeatures(tokenizer, examples, {
    batchSize: 100,
    onProgress: (done, total) => seen.push([done, total]),
  });
  assertEquals(seen, [[100, 234], [200, 234], [234, 234]]);
  const validation: number[] = [];
  await prepareValidationFeatures(tokenizer, examples, {
    batchSize: 100,
    onProgress: (done) => validation.push(done),
  });
  assertEquals(validation, [100, 200, 234]);
});
