// What the Chinese (CMRC 2018) notebook must show once executed: Chinese character tokens with
// their offsets, the windows of a long context, the answer found from offsets, a loss chart, the
// CMRC and SQuAD scores, the n-best table and the pipeline's answer as JavaScript indices.
import { assert, assertEquals } from "../assert.ts";
import { assertOutput, findOutputs, type Notebook, readExecuted } from "../notebook.ts";

const NOTEBOOK = "notebooks/cmrc2018_chinese.ipynb";
let executed: Promise<Notebook> | undefined;
const notebook = () => executed ??= readExecuted(NOTEBOOK);

Deno.test("cmrc2018_chinese: CMRC sample table, and the unusable answers reported", async () => {
  const nb = await notebook();
  assertOutput(nb, { cell: "dataset-table", mime: "text/html", text: 'class="dataframe"' });
  assertOutput(nb, { type: "stream", text: "5 unusable" });
  assertOutput(nb, { type: "stream", text: "does not match the context" });
});

Deno.test("cmrc2018_chinese: one token per Chinese character, offsets into the Chinese text", async () => {
  const nb = await notebook();
  const table = assertOutput(nb, { cell: "offset-walkthrough", mime: "text/html" }).text;
  const cells = [
    ...table.matchAll(
      /<tr>\s*<th>\d+<\/th>\s*<td>(\d+)<\/td>\s*<td[^>]*>([^<]*)<\/td>\s*<td>\d+<\/td>\s*<td>1<\/td>\s*<td>\((\d+), (\d+)\)<\/td>\s*<td[^>]*>([^<]*)<\/td>/g,
    ),
  ];
  assert(cells.length > 10, `${cells.length} context rows`);
  for (const [, , token, start, end, text] of cells) {
    if (/^[\u4e00-\u9fa5]$/.test(token)) {
      assertEquals(Number(end) - Number(start), 1);
      assertEquals(text, token);
    }
  }
  assertOutput(nb, { cell: "window-overlap", mime: "text/plain", text: "window 1:" });
});

Deno.test("cmrc2018_chinese: the answer cut out by offsets equals the gold answer", async () => {
  const text = findOutputs(await notebook(), { cell: "answer-tokens", type: "stream" })
    .map((o) => o.text).join("");
  const fromOffsets = [...text.matchAll(/from offsets: (.*)/g)].map((m) => m[1]);
  const gold = text.match(/gold answer: {2}(.*)/)![1];
  assert(fromOffsets.length > 0);
  for (const answer of fromOffsets) assertEquals(answer, gold);
});

Deno.test("cmrc2018_chinese: training shows a loss chart; CMRC and SQuAD scores; n-best; pipeline", async () => {
  const nb = await notebook();
  assertOutput(nb, { cell: "training", mime: "application/vnd.vegalite.v5+json", text: '"loss"' });
  const metrics = assertOutput(nb, { cell: "metrics", type: "execute_result" }).text;
  assert(/cmrc2018: \{ exact_match: [\d.]+, f1: [\d.]+/.test(metrics), metrics);
  assertOutput(nb, { cell: "nbest-table", mime: "text/html", text: "<th>score</th>" });
  assertOutput(nb, { cell: "breakdown", mime: "text/html", text: "question word" });
  const answers = assertOutput(nb, { cell: "pipeline-answer", type: "execute_result" }).text;
  const pairs = [...answers.matchAll(/answer: "([^"]*)"[\s\S]*?slice: "([^"]*)"/g)];
  assert(pairs.length > 0, answers);
  for (const [, answer, slice] of pairs) assertEquals(answer, slice);
});
