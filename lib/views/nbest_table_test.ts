import { assert, assertEquals } from "../../test/assert.ts";
import { readGolden } from "../../test/golden.ts";
import { sharedPath } from "../../test/shared.ts";
import type { SquadExample } from "../data/types.ts";
import {
  nbestJson,
  postprocessQaPredictions,
  readFeaturesWithLogits,
  softmax,
} from "../postprocess/mod.ts";
import { NBEST_COLUMNS, nbestTable } from "./mod.ts";

const CLS = 101; // [CLS] of the uncased vocabulary

async function goldenPredictions() {
  const examples = await readGolden<SquadExample>("public", "dev_examples.jsonl.gz");
  const { features, startLogits, endLogits } = await readFeaturesWithLogits(
    sharedPath("golden/public/dev_features_logits.jsonl.gz"),
  );
  return postprocessQaPredictions(examples, features, startLogits, endLogits, { clsTokenId: CLS });
}

Deno.test("nbestTable: the decoder's n-best list with logits, score and probability", async () => {
  const [prediction] = await goldenPredictions();
  const table = nbestTable(prediction.nbest);
  assertEquals(table.columns, NBEST_COLUMNS);
  assertEquals(table.rows.length, prediction.nbest.length);
  const probabilities = softmax(prediction.nbest.map((e) => e.score));
  table.rows.forEach((row, i) => {
    const entry = prediction.nbest[i];
    assertEquals(row.rank, String(i + 1));
    assertEquals(row.text, entry.text);
    assertEquals(row["start logit"], entry.startLogit.toFixed(4));
    assertEquals(row["end logit"], entry.endLogit.toFixed(4));
    assertEquals(row.score, entry.score.toFixed(4));
    assertEquals(row.probability, probabilities[i].toFixed(4));
    assertEquals(row.offsets, `[${entry.offsets[0]}, ${entry.offsets[1]})`);
  });
  assertEquals(nbestTable(prediction.nbest, { limit: 3 }).rows.length, 3);
  const text = String(table);
  assert(text.includes(prediction.nbest[0].text.slice(0, 10)), text);
  assert(table.toHtml().startsWith('<table border="1" class="dataframe">'));
});

Deno.test("nbestTable: run_qa's nbest JSON, null answer included, keeps its probabilities", async () => {
  const predictions = await goldenPredictions();
  const lists = nbestJson(predictions, { versionTwoWithNegative: true });
  const entries = lists[predictions[0].id];
  const rows = nbestTable(entries).rows;
  entries.forEach((e, i) => {
    assertEquals(rows[i].probability, e.probability.toFixed(4));
    assertEquals(rows[i].score, (e.start_logit + e.end_logit).toFixed(4));
    assertEquals(rows[i].text, e.text === "" ? "(no answer)" : e.text);
  });
  assert(rows.some((r) => r.text === "(no answer)"), "the null answer is listed");
});

Deno.test("nbestTable: the golden {score, text} lists; HTML escaped; bad candidates named", async () => {
  const golden = await readGolden<{ nbest: { score: number; text: string }[] }>(
    "public",
    "dev_postprocess.jsonl.gz",
  );
  const table = nbestTable(golden[0].nbest);
  assertEquals(table.columns, ["rank", "text", "score", "probability"]); // no logits to show
  const rows = table.rows;
  assertEquals(rows.map((r) => r.score), golden[0].nbest.map((e) => e.score.toFixed(4)));
  assertEquals(rows.map((r) => r["start logit"]), golden[0].nbest.map(() => ""));
  const html = nbestTable([{ text: "<i>x</i> & y", score: 1 }]).toHtml();
  assert(html.includes("&lt;i&gt;x&lt;/i&gt; &amp; y") && !html.includes("<i>"), html);
  let message = "";
  try {
    nbestTable([{ text: "a", score: 1 }, { text: "b" }]);
  } catch (e) {
    message = (e as Error).message;
  }
  assertEquals(message, 'n-best candidate 2 ("b"): no score or logits');
});

Deno.test("TableView: compact text tables keep the rules when a cell wraps", () => {
  const short = String(nbestTable([{ text: "Paris", score: 2 }, { text: "Lyon", score: 1 }]));
  assertEquals(short.split("\n").filter((line) => line.startsWith("├")).length, 1);
  const long = "a long answer ".repeat(12).trim();
  const wrapped = String(nbestTable([{ text: long, score: 2 }, { text: "Lyon", score: 1 }]));
  assertEquals(wrapped.split("\n").filter((line) => line.startsWith("├")).length, 2);
});
