import { assert, assertEquals } from "../../test/assert.ts";
import {
  compileSpec,
  lossChart,
  type LossRecord,
  readTrainLog,
  renderPng,
  renderSvg,
  VEGALITE_MIME,
} from "./mod.ts";

// The log of the README's reference run (`qa train ... --log`): 55 logging steps, 2 epochs.
const REFERENCE_LOG = new URL("./testdata/reference_run_log.jsonl", import.meta.url).pathname;

type Layer = { mark: { type: string }; transform: { filter: string }[] };
type Point = { series: string; step: number; loss: number };

function specOf(records: readonly LossRecord[]) {
  const spec = lossChart(records).spec as unknown as {
    $schema: string;
    data: { values: Point[] };
    layer: Layer[];
  };
  return spec;
}

Deno.test("lossChart: the training loss as a line and eval loss as points, from a real log", async () => {
  const log = await readTrainLog(REFERENCE_LOG);
  const spec = specOf(log);
  assertEquals(spec.$schema, "https://vega.github.io/schema/vega-lite/v5.json");
  const train = spec.data.values.filter((p) => p.series === "training loss");
  const evals = spec.data.values.filter((p) => p.series === "eval loss");
  const logged = log.filter((e) => e.loss !== undefined);
  assertEquals(train.map((p) => [p.step, p.loss]), logged.map((e) => [e.step, e.loss]));
  assertEquals(evals.map((p) => [p.step, p.loss]), [[275, 4.916668570867859], [
    550,
    5.2971750526482175,
  ]]);
  assertEquals(spec.layer.map((l) => l.mark.type), ["line", "point"]);
  assert(spec.layer[0].transform[0].filter.includes("training loss"));
  assert(spec.layer[1].transform[0].filter.includes("eval loss"));
  assertEquals((await compileSpec(lossChart(log).spec)).warnings, []);
});

Deno.test("lossChart: the SVG holds the line, the eval points and the axis titles", async () => {
  const log = await readTrainLog(REFERENCE_LOG);
  const svg = await renderSvg(lossChart(log).spec);
  assert(svg.startsWith("<svg"), svg.slice(0, 80));
  assert(svg.includes('class="mark-line role-mark'), "a line mark");
  const points = (series: string) =>
    [...svg.matchAll(new RegExp(`aria-label="[^"]*series: ${series}[^"]*"[^>]*"point"`, "g"))].map((
      m,
    ) => m[0]);
  assertEquals(points("eval loss").length, 2);
  assertEquals(points("training loss").length, 55); // one dot per logged step
  const [first] = points("training loss");
  assert(first?.includes("learning rate: 4.918e-4"), first);
  for (const text of ["optimizer step", ">loss<", "training loss", "eval loss", "Loss"]) {
    assert(svg.includes(text), `the SVG shows ${text}`);
  }
});

Deno.test("lossChart: one record, eval only, or none still draw", async () => {
  const one = specOf([{ step: 10, epoch: 0.04, lr: 5e-4, loss: 5.89, grad_norm: 2.5 }]);
  assertEquals(one.data.values.length, 1);
  const first = lossChart([{ step: 10, epoch: 0.04, loss: 5.89 }]);
  assert((await first.toSvg()).includes('class="mark-symbol role-mark'), "one point is a dot");
  assertEquals(String(first).split("\n")[0].startsWith("training loss: 5.8900 (step 10)"), true);
  const evalOnly = lossChart([{ step: 4, epoch: 1, eval_loss: 5.3 }]);
  assertEquals(String(evalOnly), "eval loss: epoch 1 (step 4) 5.3000");
  const empty = lossChart([]);
  assertEquals(String(empty), "no loss logged yet");
  assert((await empty.toSvg()).startsWith("<svg"));
});

Deno.test("lossChart: the Jupyter bundle holds vega-lite JSON, an SVG fallback and text", async () => {
  const log = await readTrainLog(REFERENCE_LOG);
  const chart = lossChart(log);
  const display = (chart as unknown as Record<symbol, () => Promise<Record<string, unknown>>>)[
    Symbol.for("Jupyter.display")
  ];
  const bundle = await display.call(chart);
  assertEquals(Object.keys(bundle).sort(), [VEGALITE_MIME, "image/svg+xml", "text/plain"].sort());
  assertEquals(bundle[VEGALITE_MIME], chart.spec);
  assert((bundle["image/svg+xml"] as string).startsWith("<svg"));
  assert((bundle["text/plain"] as string).includes("training loss: 5.8906 (step 10) → 4.0967"));
  assert((bundle["text/plain"] as string).includes("epoch 2 (step 550) 5.2972"));
});

Deno.test("lossChart: the PNG is a PNG, with its text drawn", async () => {
  const log = await readTrainLog(REFERENCE_LOG);
  const png = await renderPng(lossChart(log).spec);
  assertEquals([...png.slice(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  const width = new DataView(png.buffer, png.byteOffset).getUint32(16);
  const height = new DataView(png.buffer, png.byteOffset).getUint32(20);
  assert(width > 1000 && height > 500, `${width}×${height} at scale 2`);
  assert(png.length > 20_000, `${png.length} bytes`);
  // Titles of the same length lay out alike; only drawn glyphs can tell the two images apart.
  const titled = (title: string) => renderPng(lossChart(log, { title }).spec);
  const [a, b] = await Promise.all([titled("AAAA"), titled("BBBB")]);
  assert(a.length !== b.length || a.some((byte, i) => byte !== b[i]), "the title text is drawn");
});
