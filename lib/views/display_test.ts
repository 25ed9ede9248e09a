import assert from "node:assert/strict";
import { sharedPath } from "../../test/shared.ts";
import {
  EXAMPLE_COLUMNS,
  exampleRow,
  formatAnswers,
  pythonStringRepr,
  showRandomElements,
  toDataFrame,
} from "./display.ts";
import { fitWidths, LEFT_ALIGNED, renderHtmlTable, renderTextTable } from "./render_table.ts";
import { loadSquad, type SquadExample } from "../data/mod.ts";

const SAMPLE = sharedPath("data/squad/squad-v1.1-train-sample5-allennlp.json");
const FIRST_ID = "5733be284776f41900661182";

async function sampleExamples(): Promise<SquadExample[]> {
  return (await loadSquad(SAMPLE)).examples;
}

function ids(examples: readonly SquadExample[]): string[] {
  return examples.map((e) => e.id);
}

function lineWidths(text: string): number[] {
  return text.split("\n").map((line) => Array.from(line).length);
}

/** The text of column `j` of a cli-table3 table, whitespace removed (cells wrap across lines). */
function columnText(table: string, j: number): string {
  const lines = table.split("\n").filter((line) => line.startsWith("│"));
  return lines.map((line) => line.split("│")[j + 1]).join("").replace(/\s+/g, "");
}

function compact(text: string): string {
  return text.replace(/\s+/g, "");
}

Deno.test("toDataFrame: one row per example, the tutorial's columns, answers as the Python dict", async () => {
  const examples = await sampleExamples();
  const df = toDataFrame(examples);
  assert.deepEqual(df.shape, { height: 5, width: 5 });
  assert.deepEqual(df.columns, [...EXAMPLE_COLUMNS]);
  assert.equal(df.getColumn("id").get(0), FIRST_ID);
  assert.equal(df.getColumn("title").get(0), "University_of_Notre_Dame");
  assert.equal(
    df.getColumn("answers").get(0),
    "{'text': ['Saint Bernadette Soubirous'], 'answer_start': [515]}",
  );
  assert.deepEqual(toDataFrame([]).shape, { height: 0, width: 5 });
});

Deno.test("formatAnswers prints the answers as Python prints the dict", () => {
  assert.equal(
    formatAnswers({ text: ["Denver Broncos", "Broncos"], answer_start: [177, 184] }),
    "{'text': ['Denver Broncos', 'Broncos'], 'answer_start': [177, 184]}",
  );
  assert.equal(formatAnswers({ text: [], answer_start: [] }), "{'text': [], 'answer_start': []}");
  assert.equal(pythonStringRepr("Saint Mary's"), `"Saint Mary's"`);
  assert.equal(pythonStringRepr(`it's "x"`), `'it\\'s "x"'`);
  assert.equal(pythonStringRepr("a\\b\nc\u00a0d\u200be"), "'a\\\\b\\nc\\xa0d\\u200be'");
  assert.equal(pythonStringRepr("café – 北京"), "'café – 北京'");
});

Deno.test("showRandomElements picks n distinct examples", async () => {
  const examples = await sampleExamples();
  for (const n of [0, 1, 3, 5]) {
    const picked = showRandomElements(examples, n).examples;
    assert.equal(picked.length, n);
    assert.equal(new Set(ids(picked)).size, n);
    for (const e of picked) assert.ok(examples.includes(e));
  }
  const twelve = Array.from({ length: 12 }, (_, i) => ({ ...examples[i % 5], id: `q${i}` }));
  assert.equal(new Set(ids(showRandomElements(twelve).examples)).size, 10, "10 by default");
});

Deno.test("showRandomElements with a seed is reproducible", async () => {
  const examples = await sampleExamples();
  const first = ids(showRandomElements(examples, 3, { seed: 42 }).examples);
  assert.deepEqual(ids(showRandomElements(examples, 3, { seed: 42 }).examples), first);
  const orders = new Set(
    [1, 2, 3, 4, 5, 6, 7, 8].map((seed) =>
      ids(showRandomElements(examples, 5, { seed }).examples).join()
    ),
  );
  assert.ok(orders.size > 1, "different seeds should give different picks");
});

Deno.test("showRandomElements refuses to pick more examples than there are", async () => {
  const examples = await sampleExamples();
  assert.throws(() => showRandomElements(examples, 6), RangeError);
  assert.throws(() => showRandomElements(examples), RangeError, "the default n is 10");
  assert.throws(() => showRandomElements(examples, 6, { seed: 1 }), /Can't pick more elements/);
  assert.throws(() => showRandomElements(examples, -1), RangeError);
});

Deno.test("the view renders for Jupyter (HTML) and for the terminal (text)", async () => {
  const view = showRandomElements(await sampleExamples(), 2, { seed: 7 });
  const display = view as unknown as Record<symbol, () => Record<string, string>>;
  const bundle = display[Symbol.for("Jupyter.display")]();
  assert.deepEqual(Object.keys(bundle).sort(), ["text/html", "text/plain"]);
  assert.equal(bundle["text/html"], view.toHtml());
  assert.equal(bundle["text/plain"], String(view));
  const questions = columnText(Deno.inspect(view), EXAMPLE_COLUMNS.indexOf("question"));
  for (const e of view.examples) {
    assert.ok(questions.includes(compact(e.question)), e.question);
    assert.ok(view.toHtml().includes(`<td ${LEFT_ALIGNED}>${e.id}</td>`));
  }
});

Deno.test("renderHtmlTable is laid out like pandas' to_html and escapes every cell", async () => {
  const [example] = await sampleExamples();
  const context = `<script>alert("x & 'y'")</script> ${example.context}`;
  const html = renderHtmlTable([exampleRow({ ...example, context })], EXAMPLE_COLUMNS);
  assert.ok(html.startsWith('<table border="1" class="dataframe">\n  <thead>'));
  assert.ok(html.includes("<th></th>\n      <th>id</th>"));
  assert.ok(html.includes("<tbody>\n    <tr>\n      <th>0</th>\n      <td>" + FIRST_ID + "</td>"));
  assert.ok(!html.includes("<script>"));
  assert.ok(html.includes("&lt;script&gt;alert(&quot;x &amp; &#39;y&#39;&quot;)&lt;/script&gt;"));
  assert.ok(html.includes("{&#39;text&#39;: [&#39;Saint Bernadette Soubirous&#39;]"));
  assert.ok(html.trimEnd().endsWith("</tbody>\n</table>"));
});

Deno.test("renderHtmlTable left-aligns the text columns only (JupyterLab right-aligns cells)", () => {
  const rows = [{ question: "Who won?", score: "1.25" }, { question: "Where?", score: "-0.50" }];
  const html = renderHtmlTable(rows, ["question", "score"], { textColumns: ["question"] });
  assert.ok(html.includes(`<th ${LEFT_ALIGNED}>question</th>\n      <th>score</th>`), html);
  assert.ok(html.includes(`<td ${LEFT_ALIGNED}>Who won?</td>\n      <td>1.25</td>`), html);
  assert.equal(html.match(/text-align: left/g)?.length, 3, "header and two question cells");
  assert.ok(!renderHtmlTable(rows, ["question", "score"]).includes("text-align: left"));
});

Deno.test("renderTextTable shows the question and fits in maxWidth", async () => {
  const rows = (await sampleExamples()).map(exampleRow);
  for (const maxWidth of [60, 80, 120]) {
    const text = renderTextTable(rows, EXAMPLE_COLUMNS, { maxWidth });
    assert.ok(Math.max(...lineWidths(text)) <= maxWidth, `wider than ${maxWidth}:\n${text}`);
    const questions = columnText(text, EXAMPLE_COLUMNS.indexOf("question"));
    for (const row of rows) assert.ok(questions.includes(compact(row.question)), row.question);
  }
  const table = renderTextTable(rows, EXAMPLE_COLUMNS);
  assert.equal(Math.max(...lineWidths(table)), 120);
  assert.ok(table.includes("…"), "long contexts are cut with an ellipsis");
  assert.ok(!table.includes("\x1b["), "no color codes");
  assert.throws(() => renderTextTable(rows, EXAMPLE_COLUMNS, { maxWidth: 20 }), RangeError);
});

Deno.test("fitWidths keeps short columns whole and gives long ones the rest", () => {
  assert.deepEqual(fitWidths([5, 10], [2, 2], 40), [5, 10]);
  const widths = fitWidths([24, 400, 80], [2, 4, 4], 60);
  assert.equal(widths.reduce((a, b) => a + b, 0), 60);
  assert.ok(widths[1] > widths[2] && widths[2] > widths[0], String(widths));
});
