import { assert, assertEquals } from "../../test/assert.ts";
import { sharedPath } from "../../test/shared.ts";
import { loadSquad } from "../data/mod.ts";
import { QATokenizer } from "../tokenizer/mod.ts";
import { tokenTable, windowOverlap, windowsOf } from "./tokens.ts";

const display = (view: unknown) =>
  (view as Record<symbol, () => Record<string, string>>)[Symbol.for("Jupyter.display")]();

async function longExample() {
  const tokenizer = await QATokenizer.fromPretrained(
    sharedPath("models/distilbert-base-uncased-distilled-squad"),
  );
  const { examples } = await loadSquad(
    new URL("../../data/tutorial-examples.json", import.meta.url).pathname,
  );
  const example = examples.find((e) => e.id === "tutorial-long-context")!;
  const encoding = await tokenizer.encode([example.question], [example.context], {
    truncation: "only_second",
    maxLength: 384,
    stride: 128,
    returnOverflowingTokens: true,
  });
  return { example, windows: windowsOf(encoding, tokenizer) };
}

Deno.test("tokenTable: each token with its offsets and the text they point at", async () => {
  const { example, windows } = await longExample();
  const table = tokenTable(windows[0], example, 0, 12);
  assertEquals(table.rows.length, 12);
  assertEquals(table.rows[0].token, "[CLS]");
  assertEquals(table.rows[0]["sequence id"], "None");
  assertEquals(table.rows[1].text, "Beyonce");
  assertEquals(table.rows[1].token, "beyonce");
  const firstContext = table.rows.find((row) => row["sequence id"] === "1")!;
  assertEquals(
    firstContext.text,
    example.context.split(/\s/)[0].slice(0, firstContext.text.length),
  );
  const html = display(table)["text/html"];
  assert(
    html.includes('<td style="text-align: left;">beyonce</td>'),
    "the token column is left-aligned",
  );
  assert(html.includes("<td>101</td>"), "the id column stays right-aligned");
});

Deno.test("windowOverlap: consecutive windows share the context the stride keeps", async () => {
  const { example, windows } = await longExample();
  const view = windowOverlap(windows, example.context);
  assertEquals(view.parts.map((p) => p.tokens), [384, 192]);
  const [first, second] = view.parts;
  // The shared text ends the first window and opens the second.
  assertEquals(first.after, second.before);
  assert(first.after.length > 0);
  assertEquals(first.sharedTokens, 128);
  assertEquals(first.span[0], 0);
  assertEquals(second.span[1], [...example.context].length);
  assert(display(view)["text/html"].includes("<mark"));
});
