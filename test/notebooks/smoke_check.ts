// The smoke notebook's outputs: what CI's headless kernel gives for imports from lib/, data paths,
// npm packages, rich outputs and display updates.
import { assert, assertEquals } from "../assert.ts";
import {
  assertNoErrors,
  assertOutput,
  findOutputs,
  type Notebook,
  notebookErrors,
  readExecuted,
} from "../notebook.ts";

const SMOKE = "test/fixtures/smoke.ipynb";
let executed: Promise<Notebook> | undefined;
/** The executed smoke notebook, read once; each test fails with the reason when it is missing. */
const smoke = () => executed ??= readExecuted(SMOKE);

Deno.test("smoke: the kernel runs in the notebook's folder and reads data relative to it", async () => {
  const notebook = await smoke();
  assertOutput(notebook, { type: "stream", text: "238 questions, SQuAD 1.1" }, SMOKE);
  const cwd = assertOutput(notebook, { type: "stream", text: "/test/fixtures" }, SMOKE);
  assert(cwd.text.trim().endsWith("/test/fixtures"), cwd.text);
});

Deno.test("smoke: showRandomElements renders as a pandas-like HTML table with a text fallback", async () => {
  const notebook = await smoke();
  const html = assertOutput(notebook, { type: "execute_result", mime: "text/html" }, SMOKE);
  assert(html.text.startsWith('<table border="1" class="dataframe">'), html.text.slice(0, 80));
  assertEquals(html.text.match(/<tr>/g)?.length, 3);
  assertOutput(notebook, { cell: html.cell, mime: "text/plain", text: "question" }, SMOKE);
});

Deno.test("smoke: a bare npm specifier resolves through the repo's import map", async () => {
  const notebook = await smoke();
  const table = assertOutput(notebook, { mime: "text/html", text: "<th>title</th><th>n</th>" });
  const resource = assertOutput(notebook, {
    cell: table.cell,
    mime: "application/vnd.dataresource+json",
  });
  const { data } = resource.content as { data: { n: number }[] };
  assertEquals(data.map((row) => row.n), [1, 2, 3]);
});

Deno.test("smoke: a display updated by display_id shows its last content in the first cell", async () => {
  const notebook = await smoke();
  const shown = findOutputs(notebook, { text: /^progress: / });
  assertEquals(shown.map((p) => p.text), ["progress: done"]);
  assertEquals(shown[0].type, "display_data");
  const updater = notebook.cells.findIndex((c) => c.source.includes("  update: true,\n"));
  assert(updater > shown[0].cell, `the updating cell ${updater} comes after ${shown[0].cell}`);
  assertEquals(notebook.cells[updater].outputs, []);
});

Deno.test("smoke: SVG and vega-lite bundles keep every mime type", async () => {
  const notebook = await smoke();
  assertOutput(notebook, { type: "execute_result", mime: "image/svg+xml", text: "smoke svg" });
  const chart = assertOutput(notebook, { mime: "application/vnd.vegalite.v5+json" });
  assertEquals((chart.content as { mark: string }).mark, "line");
  assertOutput(notebook, { cell: chart.cell, mime: "image/svg+xml", text: "polyline" });
  assertOutput(notebook, { cell: chart.cell, mime: "text/plain", text: "vega-lite line chart" });
});

Deno.test("smoke: the checker finds the one error, in the cell tagged raises-exception", async () => {
  const notebook = await smoke();
  const errors = notebookErrors(notebook);
  assertEquals(errors.map((e) => [e.ename, e.evalue, e.expected]), [
    ["Error", "expected failure of the smoke notebook", true],
  ]);
  const cell = errors[0].cell;
  assertEquals(notebook.cells[cell].metadata.tags, ["raises-exception"]);
  assert(errors[0].traceback.includes("at <anonymous>"), errors[0].traceback);
  assertNoErrors(notebook, SMOKE);
});

Deno.test("smoke: an untagged error is reported with its cell and traceback", async () => {
  const notebook = await smoke();
  const untagged = structuredClone(notebook);
  const cell = notebookErrors(untagged)[0].cell;
  untagged.cells[cell].metadata = {};
  let message = "";
  try {
    assertNoErrors(untagged, SMOKE);
  } catch (e) {
    message = (e as Error).message;
  }
  assert(message.includes(`cell ${cell} [`), message);
  assert(message.includes("raised Error: expected failure of the smoke notebook"), message);
  assert(message.includes("at <anonymous>"), message);
});
