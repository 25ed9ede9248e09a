// What the tutorial notebook must show once executed (issue acceptance): the dataset table, the
// decoded overflow windows, the offset walkthrough, the answer tokens decoded to the gold answer,
// a loss chart with a point per logging step, the n-best table, EM/F1 and the pipeline's answer.
import { assert, assertEquals } from "../assert.ts";
import { assertOutput, findOutputs, type Notebook, readExecuted } from "../notebook.ts";

const NOTEBOOK = "notebooks/qa_finetune.ipynb";
let executed: Promise<Notebook> | undefined;
const notebook = () => executed ??= readExecuted(NOTEBOOK);

Deno.test("qa_finetune: a random sample of the dataset as an HTML table", async () => {
  const html = assertOutput(
    await notebook(),
    { cell: "dataset-table", mime: "text/html" },
    NOTEBOOK,
  );
  assert(html.text.includes('class="dataframe"'), html.text.slice(0, 80));
  assertEquals(html.text.match(/<tr>/g)?.length, 5);
  for (const column of ["id", "title", "context", "question", "answers"]) {
    assert(new RegExp(`<th[^>]*>${column}</th>`).test(html.text), column);
  }
});

Deno.test("qa_finetune: the long context's two overflow windows, decoded, and their overlap", async () => {
  const nb = await notebook();
  const decoded = findOutputs(nb, { cell: "decoded-windows", type: "stream" })
    .map((o) => o.text).join("").split("\n").filter((line) => line.startsWith("[CLS]"));
  assertEquals(decoded.length, 2);
  for (const window of decoded) {
    assert(window.startsWith("[CLS] beyonce got married in 2008 to whom? [SEP]"));
  }
  assertOutput(nb, { cell: "window-overlap", mime: "text/plain", text: "window 0: 384 tokens" });
  assertOutput(nb, { cell: "window-overlap", mime: "text/plain", text: "window 1: 192 tokens" });
  assertOutput(nb, { cell: "window-overlap", mime: "text/html", text: "<mark" });
});

Deno.test("qa_finetune: the offset walkthrough maps tokens back to the text", async () => {
  const html = assertOutput(await notebook(), { cell: "offset-walkthrough", mime: "text/html" });
  assert(html.text.includes('<td style="text-align: left;">beyonce</td>'), "token, left-aligned");
  assert(html.text.includes('<td style="text-align: left;">Beyonce</td>'), "text, left-aligned");
  assert(html.text.includes("<td>(0, 7)</td>"));
});

Deno.test("qa_finetune: the answer's tokens decode to the gold answer", async () => {
  const text = findOutputs(await notebook(), { cell: "answer-tokens", type: "stream" })
    .map((o) => o.text).join("");
  assertEquals(text.trim().split("\n"), ["jay z", "Jay Z"]);
});

Deno.test("qa_finetune: a base checkpoint's head is initialised with transformers' warning", async () => {
  const warning = assertOutput(await notebook(), { cell: "head-warning", type: "stream" }).text;
  assert(warning.includes("newly initialized: ['qa_outputs.weight', 'qa_outputs.bias']"), warning);
});

Deno.test("qa_finetune: the loss chart has a point per logging step and the eval losses", async () => {
  const nb = await notebook();
  const chart = assertOutput(nb, { cell: "training", mime: "application/vnd.vegalite.v5+json" });
  const points = (chart.content as { data: { values: { series: string; step: number }[] } }).data
    .values;
  const args = assertOutput(nb, { type: "execute_result", text: "loggingSteps" }).text;
  const loggingSteps = Number(args.match(/loggingSteps: (\d+)/)![1]);
  const progress = assertOutput(nb, {
    cell: "training",
    mime: "text/plain",
    text: /^train \d+\/\d+/,
  });
  const steps = Number(progress.text.match(/^train (\d+)\/(\d+)/)![2]);
  const trainSteps = points.filter((p) => p.series === "training loss").map((p) => p.step);
  for (let step = loggingSteps; step <= steps; step += loggingSteps) {
    assert(trainSteps.includes(step), `no training loss point at step ${step}`);
  }
  const evalPoints = points.filter((p) => p.series === "eval loss");
  assert(evalPoints.length >= 1, "eval loss points");
  assertOutput(nb, { cell: "training", mime: "image/svg+xml", text: "<svg" });
});

Deno.test("qa_finetune: the n-best table, highlighted answer and logit chart of the first question", async () => {
  const nb = await notebook();
  const table = assertOutput(nb, { cell: "nbest-table", mime: "text/html" });
  for (const column of ["text", "start logit", "end logit", "score"]) {
    assert(new RegExp(`<th[^>]*>${column}</th>`).test(table.text), column);
  }
  assertEquals(table.text.match(/<tr>/g)?.length, 20);
  assertOutput(nb, {
    cell: "nbest-table",
    type: "stream",
    text: "Which NFL team represented the AFC",
  });
  assertOutput(nb, { cell: "highlight", mime: "text/html", text: "Denver Broncos" });
  assertOutput(nb, { cell: "logit-chart", mime: "application/vnd.vegalite.v5+json" });
});

Deno.test("qa_finetune: EM/F1, their breakdown, the pipeline's answer and the homework", async () => {
  const nb = await notebook();
  const metrics = assertOutput(nb, { cell: "metrics", type: "execute_result" }).text;
  assert(/exact_match: [\d.]+/.test(metrics) && /f1: [\d.]+/.test(metrics), metrics);
  assertOutput(nb, { cell: "breakdown", mime: "text/html", text: "question word" });
  const answer = assertOutput(nb, { cell: "pipeline-answer", type: "execute_result" }).text;
  assert(/answer: "/.test(answer) && /score: [\d.e-]+/.test(answer), answer);
  const homework = assertOutput(nb, { cell: "homework", type: "execute_result" }).text;
  assert(/before: \{ exact_match: [\d.]+/.test(homework) && /after: \{ exact_match/.test(homework));
});

Deno.test("qa_finetune: transformers.js on the exported model answers as our pipeline, side by side", async () => {
  const html = assertOutput(await notebook(), { cell: "transformers-js", mime: "text/html" }).text;
  for (const column of ["ours", "our score", "transformers.js", "its score"]) {
    assert(html.includes(`>${column}</th>`), column);
  }
  const rows = [...html.matchAll(/<tr>\s*<th>\d+<\/th>([\s\S]*?)<\/tr>/g)]
    .map(([, cells]) => [...cells.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map(([, text]) => text));
  assertEquals(rows.length, 3);
  for (const [, ours, ourScore, theirs, theirScore] of rows) {
    // transformers.js decodes its answer from tokens: lower case with the uncased tokenizer, and
    // spaces around punctuation
    assertEquals(theirs.replace(/\s+/g, ""), ours.toLowerCase().replace(/\s+/g, ""));
    assert(Math.abs(Number(ourScore) - Number(theirScore)) <= 2e-6, `${ourScore} ${theirScore}`);
  }
});
