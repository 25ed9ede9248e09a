import { assert, assertEquals } from "../../test/assert.ts";
import { readGolden } from "../../test/golden.ts";
import type { SquadExample } from "../data/types.ts";
import { scoreBreakdown } from "../metric/mod.ts";
import { BREAKDOWN_COLUMNS, compileSpec, metricBreakdown } from "./mod.ts";

async function goldenBreakdown() {
  const examples = await readGolden<SquadExample>("public", "dev_examples.jsonl.gz");
  const golden = await readGolden<{ id: string; prediction_v2: string }>(
    "public",
    "dev_postprocess.jsonl.gz",
  );
  const predictions = Object.fromEntries(golden.map((g) => [g.id, g.prediction_v2]));
  return scoreBreakdown(examples, predictions, "2.0");
}

Deno.test("metricBreakdown: a row per group under the overall row, two decimals", async () => {
  const breakdown = await goldenBreakdown();
  const view = metricBreakdown(breakdown);
  assertEquals(view.table.columns, BREAKDOWN_COLUMNS);
  assertEquals(view.table.rows[0], {
    dimension: "overall",
    group: "all",
    questions: "600",
    exact: breakdown.overall.exact.toFixed(2),
    F1: breakdown.overall.f1.toFixed(2),
  });
  assertEquals(
    view.table.rows.slice(1).map((r) => [r.dimension, r.group, r.questions, r.exact, r.F1]),
    breakdown.groups.map((g) => [
      g.dimension,
      g.group,
      String(g.total),
      g.exact.toFixed(2),
      g.f1.toFixed(2),
    ]),
  );
  const text = String(view);
  assert(text.includes("│ answerability │ has answer │"), text);
  assertEquals(text.split("\n").length, breakdown.groups.length + 5); // borders, header, rule
});

Deno.test("metricBreakdown: a bar chart per dimension; Jupyter shows table and chart", async () => {
  const breakdown = await goldenBreakdown();
  const view = metricBreakdown(breakdown);
  const spec = view.chart.spec as unknown as { vconcat: { data: { values: unknown[] } }[] };
  assertEquals(spec.vconcat.length, 3);
  assertEquals(
    spec.vconcat.map((c) => c.data.values.length),
    ["answerability", "question word", "answer length"].map((d) =>
      2 * breakdown.groups.filter((g) => g.dimension === d).length
    ),
  );
  assertEquals((await compileSpec(view.chart.spec)).warnings, []);
  const display = (view as unknown as Record<symbol, () => Promise<Record<string, string>>>)[
    Symbol.for("Jupyter.display")
  ];
  const bundle = await display.call(view);
  assertEquals(Object.keys(bundle).sort(), ["text/html", "text/plain"]);
  const html = bundle["text/html"];
  assert(html.startsWith('<table border="1" class="dataframe">'));
  assert(html.includes("<svg"), "the chart under the table");
  for (const g of breakdown.groups) assert(html.includes(`>${g.group} (${g.total})<`), g.group);
});
