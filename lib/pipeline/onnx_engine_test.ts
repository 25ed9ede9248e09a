// The pipeline on ONNX Runtime (`--engine onnxruntime`, the folder's onnx/model.onnx) against the
// pipeline on TensorFlow.js: the same predictions for the 600 golden dev questions (tiny
// DistilBERT and BERT), the same answers from `QuestionAnsweringPipeline`; and transformers.js's
// own pipeline("question-answering") on the exported folder answers as ours does.
import { assert, assertClose, assertEquals, assertRejects } from "../../test/assert.ts";
import { markerModel, smallConfig } from "../../test/marker_model.ts";
import { readGolden } from "../../test/golden.ts";
import { sharedPath } from "../../test/shared.ts";
import type { SquadExample } from "../data/mod.ts";
import { OnnxQuestionAnsweringModel, QuestionAnsweringModel } from "../model/mod.ts";
import { initBackend } from "../runtime/mod.ts";
import { QATokenizer } from "../tokenizer/mod.ts";
import {
  type Answer,
  answersOf,
  answersSideBySide,
  predictDataset,
  QuestionAnsweringPipeline,
  transformersJsPipeline,
} from "./mod.ts";

await initBackend("auto");
const silent = { log: () => {} };
const examples = await readGolden<SquadExample>("public", "dev_examples.jsonl.gz");

/** A tiny golden model saved with its tokenizer and exported, in a temporary folder. */
async function exportedFolder(kind: string, model?: QuestionAnsweringModel): Promise<string> {
  const source = sharedPath(`golden/models/tiny-${kind}-init`);
  const loaded = model ?? await QuestionAnsweringModel.fromPretrained(source, silent);
  const folder = await Deno.makeTempDir({ prefix: `qa-onnx-pipeline-${kind}-` });
  await loaded.save(folder, { tokenizerFolder: source });
  await loaded.saveOnnx(folder);
  if (!model) loaded.dispose();
  return folder;
}

for (const kind of ["distilbert", "bert"]) {
  Deno.test(`tiny ${kind}: predictions on ONNX Runtime = on tfjs for the 600 golden dev questions`, async () => {
    const folder = await exportedFolder(kind);
    const tokenizer = await QATokenizer.fromPretrained(folder);
    const tfjs = await QuestionAnsweringModel.fromPretrained(folder, silent);
    const onnx = await OnnxQuestionAnsweringModel.fromFolder(folder);
    const ours = await predictDataset(tfjs, tokenizer, examples);
    const theirs = await predictDataset(onnx, tokenizer, examples);
    assertEquals(theirs.features.length, 605);
    for (const v2 of [false, true]) {
      assertEquals(answersOf(theirs.predictions, v2), answersOf(ours.predictions, v2));
    }
    theirs.predictions.forEach((p, i) => {
      const q = ours.predictions[i];
      assertEquals(p.nbest.map((n) => n.text), q.nbest.map((n) => n.text), p.id);
      p.nbest.forEach((n, k) => assertClose(n.score, q.nbest[k].score, 1e-4, p.id));
    });
    tfjs.dispose();
    await onnx.dispose();
    await Deno.remove(folder, { recursive: true });
  });
}

const QUESTIONS = [
  { question: "Who married Beyonce?", context: "Jay Z married Beyonce in 2008 in New York." },
  { question: "Where is the golden gate?", context: "The golden gate bridge is in San Francisco." },
  { question: "When did it open?", context: "The bridge opened in 1937 after four years." },
];

Deno.test("the pipeline on engine onnxruntime answers as on tfjs", async () => {
  const folder = await exportedFolder("bert");
  const onnx = await QuestionAnsweringPipeline.fromPretrained(folder, {
    engine: "onnxruntime",
    ...silent,
  });
  const tfjs = await QuestionAnsweringPipeline.fromPretrained(folder, {
    engine: "tfjs",
    ...silent,
  });
  assert(onnx.model instanceof OnnxQuestionAnsweringModel);
  assert(tfjs.model instanceof QuestionAnsweringModel);
  const theirs = await onnx.answer(QUESTIONS, { topK: 3 });
  const ours = await tfjs.answer(QUESTIONS, { topK: 3 });
  theirs.forEach((answers, i) => {
    assertEquals(answers.map(span), ours[i].map(span));
    answers.forEach((a, k) => assertClose(a.score, ours[i][k].score, 1e-6, `question ${i}`));
  });
  await onnx.dispose();
  await tfjs.dispose();
  await Deno.remove(folder, { recursive: true });
});

const span = (a: Answer) => [a.answer, a.start, a.end];

/**
 * Our answers next to transformers.js's for the same questions (top 3 each). By design
 * transformers.js decodes the answer from its tokens (lower case with an uncased tokenizer) where
 * we slice the context, and it has no max_answer_len and no doc_stride windows (it truncates): the
 * contexts here are short enough for neither to matter, and answers compare in lower case.
 */
async function compareWithTransformersJs(folder: string, qa: QuestionAnsweringPipeline) {
  const theirs = await transformersJsPipeline(folder);
  for (const { question, context } of QUESTIONS) {
    const ours = await qa.answer({ question, context }, { topK: 3, alignToWords: false });
    const answers = await theirs.answer(question, context, 3);
    assertEquals(
      answers.map((a) => a.answer),
      ours.map((a) => a.answer.toLowerCase()),
      question,
    );
    // Scores: products of two softmaxes in float32 on both sides.
    answers.forEach((a, k) => assertClose(a.score, ours[k].score, 1e-5, question));
  }
  await theirs.dispose();
}

for (const kind of ["distilbert", "bert"]) {
  Deno.test(`transformers.js's pipeline on the exported tiny ${kind} answers as ours`, async () => {
    const folder = await exportedFolder(kind);
    const qa = await QuestionAnsweringPipeline.fromPretrained(folder, silent);
    await compareWithTransformersJs(folder, qa);
    await qa.dispose();
    await Deno.remove(folder, { recursive: true });
  });
}

Deno.test("transformers.js finds the marker model's answer, the span ours finds", async () => {
  const tokenizer = await QATokenizer.fromPretrained(
    sharedPath("golden/models/tiny-distilbert-init"),
  );
  const markers = {
    start: tokenizer.tokenToId("golden"),
    end: tokenizer.tokenToId("gate"),
    cls: tokenizer.clsTokenId,
  };
  const model = await markerModel(smallConfig("distilbert", 30522), markers, 20);
  const folder = await exportedFolder("distilbert", model);
  const qa = await QuestionAnsweringPipeline.fromPretrained(folder, silent);
  const [best] = await qa.answer(QUESTIONS[1]);
  assertEquals(best.answer, "golden gate");
  assert(best.score > 0.99, `score ${best.score}`);
  await compareWithTransformersJs(folder, qa);
  // The notebook's side-by-side table: rank by rank, ours and transformers.js's.
  const theirs = await transformersJsPipeline(folder);
  const side = answersSideBySide(
    await qa.answer(QUESTIONS[1], { topK: 2 }),
    await theirs.answer(QUESTIONS[1].question, QUESTIONS[1].context, 2),
  );
  await theirs.dispose();
  assertEquals(side.rows.length, 2);
  assertEquals([side.rows[0].ours, side.rows[0]["transformers.js"]], [
    "golden gate",
    "golden gate",
  ]);
  assert(/<td style="text-align: left;?">golden gate<\/td>/.test(side.toHtml()), side.toHtml());
  const notExported = await Deno.makeTempDir();
  const missing = await assertRejects(() => transformersJsPipeline(notExported));
  assert(String(missing).includes("no onnx/model.onnx"), String(missing));
  await Deno.remove(notExported);
  model.dispose();
  await qa.dispose();
  await Deno.remove(folder, { recursive: true });
});

Deno.test("on ONNX Runtime an answer does not depend on the batch it shares (qa serve's promise)", async () => {
  const folder = await exportedFolder("distilbert");
  const qa = await QuestionAnsweringPipeline.fromPretrained(folder, {
    engine: "onnxruntime",
    ...silent,
  });
  // A context of several windows, so that windows of different questions share runs.
  const long = {
    question: "Where is the bridge?",
    context: Array.from({ length: 60 }, (_, i) => `Bridge ${i} is in town ${i * 7}.`).join(" "),
  };
  const inputs = [...QUESTIONS, long];
  const together = await qa.answer(inputs, { topK: 3, batchSize: 8 });
  for (const [i, input] of inputs.entries()) {
    assertEquals(await qa.answer(input, { topK: 3, batchSize: 1 }), together[i], `input ${i}`);
  }
  await qa.dispose();
  await Deno.remove(folder, { recursive: true });
});
