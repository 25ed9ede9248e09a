// Every notebook CI executes ran to the end without errors (cells tagged raises-exception aside).
// Run by `deno task test:notebooks` after tools/execute_notebooks.ts, not by `deno task test`.
import { assert } from "../assert.ts";
import { assertNoErrors, notebookPaths, readExecuted } from "../notebook.ts";

const notebooks = await notebookPaths();

Deno.test("there are notebooks to execute", () => {
  assert(notebooks.includes("test/fixtures/smoke.ipynb"), `found only ${notebooks.join(", ")}`);
});

for (const notebook of notebooks) {
  Deno.test(`${notebook} runs without errors`, async () => {
    assertNoErrors(await readExecuted(notebook), notebook);
  });
}
