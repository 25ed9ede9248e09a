import { assert, assertEquals } from "../../test/assert.ts";
import { sharedPath } from "../../test/shared.ts";
import { readFeaturesWithLogits } from "../postprocess/mod.ts";
import { QATokenizer } from "../tokenizer/mod.ts";
import { compileSpec, logitChart, renderPng, renderSvg } from "./mod.ts";

// Features of the golden dev set with the start/end logits of the tiny reference DistilBERT.
const LOGITS = sharedPath("golden/public/dev_features_logits.jsonl.gz");
const TOKENIZER = sharedPath("models/distilbert-base-uncased-distilled-squad");

async function goldenFeatures() {
  const { features, startLogits, endLogits } = await readFeaturesWithLogits(LOGITS);
  const tokenizer = await QATokenizer.fromPretrained(TOKENIZER);
  return features.map((f, i) => ({
    tokens: tokenizer.convertIdsToTokens(f.input_ids),
    length: f.attention_mask.reduce((a, b) => a + b, 0),
    start: startLogits[i],
    end: endLogits[i],
  }));
}

type Layer = {
  data: { values: { index: number; token: string; logit: number; which: string }[] };
  mark: { type: string };
};

const argmax = (values: number[], length: number) =>
  values.slice(0, length).reduce((best, v, i) => v > values[best] ? i : best, 0);

Deno.test("logitChart: both logits over the unpadded tokens, best tokens labelled", async () => {
  const features = await goldenFeatures();
  const short = features.find((f) => f.length <= 64)!;
  const chart = logitChart(short.tokens, short.start, short.end, { answer: [20, 23] });
  const layers = (chart.spec as unknown as { layer: Layer[] }).layer;
  assertEquals(layers.map((l) => l.mark.type), ["rect", "line", "text", "text"]);
  const points = layers[1].data.values;
  assertEquals(points.length, 2 * short.length); // padding left out
  assertEquals(short.tokens[short.length], "[PAD]");
  const start = points.filter((p) => p.which === "start");
  assertEquals(start.map((p) => p.token), short.tokens.slice(0, short.length));
  assertEquals(start.map((p) => p.logit), short.start.slice(0, short.length));
  const labels = [layers[2], layers[3]].map((l) => l.data.values[0]);
  assertEquals(labels.map((p) => p.index), [
    argmax(short.start, short.length),
    argmax(short.end, short.length),
  ]);
  assertEquals((await compileSpec(chart.spec)).warnings, []);
  const svg = await renderSvg(chart.spec);
  // Short features have their tokens on the axis.
  for (const token of ["[CLS]", "[SEP]", short.tokens[5]]) {
    assert(svg.includes(`>${token}<`), `axis label ${token}`);
  }
  assert(svg.includes(`best start: ${short.tokens[labels[0].index]}`));
  assert(String(chart).startsWith(`logits over ${short.length} tokens\nbest starts: `));
});

Deno.test("logitChart: a long feature gets a token index axis, tokens in tooltips", async () => {
  const features = await goldenFeatures();
  const long = features.find((f) => f.length > 200)!;
  const chart = logitChart(long.tokens, long.start, long.end);
  assertEquals((await compileSpec(chart.spec)).warnings, []);
  const svg = await renderSvg(chart.spec);
  assert(svg.includes(">token index<"));
  assert(!svg.includes(">[CLS]<"), "no token labels on a long axis");
  assert(svg.includes(`token: ${long.tokens[7]}`), "tokens in the tooltips");
  const png = await renderPng(chart.spec);
  assertEquals([...png.slice(0, 4)], [137, 80, 78, 71]);
  assert(png.length > 20_000, `${png.length} bytes`);
});

Deno.test("logitChart: one logit per token, or a clear error", () => {
  let message = "";
  try {
    logitChart(["[CLS]", "a"], [0.1, 0.2], [0.3]);
  } catch (e) {
    message = (e as Error).message;
  }
  assertEquals(
    message,
    "logitChart: 2 tokens but 2 start and 1 end logits; give one logit per token",
  );
});
