import assert from "node:assert/strict";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseJsonLines, readText } from "../data/read.ts";
import type { SquadExample } from "../data/types.ts";
import type { Offset, ValidationFeature } from "../features/types.ts";
import {
  type Candidate,
  featureCandidates,
  featuresByExample,
  nbestJson,
  postprocessQaPredictions,
  predictionsV1,
  predictionsV2,
  type QaPrediction,
  rankCandidates,
  topKIndices,
} from "./mod.ts";
import { codePointSlicer } from "../data/chars.ts";
import { readFeaturesWithLogits } from "./read.ts";
import { setting } from "../settings.ts";

// ---------------------------------------------------------------------------------------------
// Golden parity: dev_postprocess.jsonl.gz from the Python reference.

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SHARED = resolve(REPO, setting("QA_SHARED") ?? "../shared");
const GOLDEN = join(SHARED, "golden/public");
const CLS = 101;

// The file's logits are rounded to 6 decimals (error <= 0.5e-6 each); the golden scores were summed
// from full-precision logits. A score (two logits) is thus off by at most 1e-6, and two candidates
// whose golden scores are closer than 2e-6 may legitimately swap places.
const SCORE_TOL = 1e-6 + 1e-9;
const TIE_GAP = 2 * SCORE_TOL;

interface FeatureWithLogits extends ValidationFeature {
  start_logits: number[];
  end_logits: number[];
}

interface GoldenPrediction {
  id: string;
  prediction_v2: string;
  prediction_v1: string;
  null_score: number;
  nbest: { score: number; text: string }[];
}

async function loadGolden(name: string): Promise<unknown[]> {
  const path = join(GOLDEN, name);
  return parseJsonLines(await readText(path), path);
}

const golden = {
  examples: await loadGolden("dev_examples.jsonl.gz") as SquadExample[],
  features: await loadGolden("dev_features_logits.jsonl.gz") as FeatureWithLogits[],
  predictions: await loadGolden("dev_postprocess.jsonl.gz") as GoldenPrediction[],
};

function runGolden(): QaPrediction[] {
  const { examples, features } = golden;
  return postprocessQaPredictions(
    examples,
    features,
    features.map((f) => f.start_logits),
    features.map((f) => f.end_logits),
    { nBestSize: 20, maxAnswerLength: 30, clsTokenId: CLS },
  );
}

/** Every candidate of an example (not cut to n-best), ranked: to see what lies past the cut. */
function allCandidates(example: SquadExample, indices: number[]): Candidate[] {
  const slice = codePointSlicer(example.context);
  const limits = { nBestSize: 20, maxAnswerLength: 30 };
  const out: Candidate[] = [];
  for (const i of indices) {
    const f = golden.features[i];
    out.push(...featureCandidates(f, f.start_logits, f.end_logits, slice, limits, i));
  }
  return rankCandidates(out);
}

/**
 * Why a question's order cannot be pinned down by 6-decimal logits, or null when it can: two
 * adjacent n-best scores, the best score and the null score, or the last kept and first dropped
 * candidate lie within `TIE_GAP` of each other.
 */
function roundingAmbiguity(g: GoldenPrediction, ranked: Candidate[]): string | null {
  const s = g.nbest.map((e) => e.score);
  for (let j = 1; j < s.length; j++) {
    if (s[j - 1] - s[j] < TIE_GAP) return `n-best ${j - 1}/${j} gap ${s[j - 1] - s[j]}`;
  }
  if (s.length > 0 && Math.abs(s[0] - g.null_score) < TIE_GAP) return "best vs null";
  if (ranked.length > 20 && ranked[19].score - ranked[20].score < TIE_GAP) return "n-best cut";
  return null;
}

Deno.test("golden: predictions, n-best texts and scores of all 600 questions", () => {
  const ours = runGolden();
  const byExample = featuresByExample(golden.features);
  assert.equal(ours.length, golden.predictions.length);
  const mismatched: string[] = [];
  const ambiguous = new Map<string, string>();
  for (let i = 0; i < ours.length; i++) {
    const [g, r] = [golden.predictions[i], ours[i]];
    assert.equal(r.id, g.id);
    assert.ok(Math.abs(r.nullScore - g.null_score) <= SCORE_TOL, `${g.id}: null score`);
    const why = roundingAmbiguity(g, allCandidates(golden.examples[i], byExample.get(g.id)!));
    if (why) ambiguous.set(g.id, why);
    const same = r.predictionV1 === g.prediction_v1 && r.predictionV2 === g.prediction_v2 &&
      r.nbest.length === g.nbest.length && r.nbest.every((e, j) => e.text === g.nbest[j].text);
    if (!same) {
      mismatched.push(g.id);
      continue;
    }
    r.nbest.forEach((e, j) => {
      assert.ok(Math.abs(e.score - g.nbest[j].score) <= SCORE_TOL, `${g.id}: n-best ${j} score`);
    });
  }
  const unexplained = mismatched.filter((id) => !ambiguous.has(id));
  assert.deepEqual(unexplained, [], "mismatches not explained by rounding-level near ties");
  console.log(
    `${ours.length - mismatched.length}/${ours.length} identical; ` +
      `${ambiguous.size} rounding-ambiguous (${[...ambiguous].map((e) => e.join(": "))})`,
  );
});

Deno.test("golden: the 6-decimal logits leave no near ties, so parity above is exact", () => {
  // If this ever fails, the exception list in the test above takes effect; today it is empty.
  const byExample = featuresByExample(golden.features);
  const ambiguous = golden.predictions.flatMap((g, i) => {
    const why = roundingAmbiguity(g, allCandidates(golden.examples[i], byExample.get(g.id)!));
    return why ? [`${g.id}: ${why}`] : [];
  });
  assert.deepEqual(ambiguous, []);
});

Deno.test("golden: prediction maps and 36 unanswered questions", () => {
  const ours = runGolden();
  const v1 = predictionsV1(ours);
  const v2 = predictionsV2(ours);
  for (const g of golden.predictions) {
    assert.equal(v1[g.id], g.prediction_v1);
    assert.equal(v2[g.id], g.prediction_v2);
  }
  assert.equal(Object.values(v1).filter((t) => t === "").length, 36);
});

// ---------------------------------------------------------------------------------------------
// Unit cases on hand-made features. Token 0 is [CLS]; tokens with an offset are context tokens.

function feature(exampleId: string, offsets: (Offset | null)[]): ValidationFeature {
  const n = offsets.length;
  return {
    example_id: exampleId,
    input_ids: offsets.map((_, i) => (i === 0 ? CLS : 1000 + i)),
    attention_mask: new Array(n).fill(1),
    token_type_ids: offsets.map((o) => (o ? 1 : 0)),
    offset_mapping: offsets,
  };
}

function example(id: string, context: string): SquadExample {
  return { id, title: "t", context, question: "q?", answers: { text: [], answer_start: [] } };
}

/** Logits that are `low` everywhere except the given positions. */
function logits(n: number, peaks: Record<number, number>, low = -10): Float32Array {
  const out = new Float32Array(n).fill(low);
  for (const [i, v] of Object.entries(peaks)) out[Number(i)] = v;
  return out;
}

// "alpha beta gamma delta": one token per word.
const WORDS = "alpha beta gamma delta";
const WORD_OFFSETS: (Offset | null)[] = [null, [0, 5], [6, 10], [11, 16], [17, 22], null];

Deno.test("topKIndices: numpy's reversed argsort, later index first among ties", () => {
  assert.deepEqual(topKIndices([1, 3, 3, 2], 3), [2, 1, 3]);
  assert.deepEqual(topKIndices([5, 5, 5], 2), [2, 1]);
  assert.deepEqual(topKIndices([0.5, -1], 10), [0, 1]);
  assert.deepEqual(topKIndices(new Float32Array([2, 9, 4, 9, 1]), 4), [3, 1, 2, 0]);
  assert.throws(() => topKIndices([1, NaN], 1), RangeError);
});

Deno.test("topKIndices agrees with a full stable sort on random data with ties", () => {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let t = 0; t < 200; t++) {
    const n = 1 + Math.floor(rand() * 50);
    const values = Array.from({ length: n }, () => Math.floor(rand() * 10));
    const k = 1 + Math.floor(rand() * 25);
    const full = values.map((_, i) => i).sort((a, b) => values[a] - values[b]).reverse();
    assert.deepEqual(topKIndices(values, k), full.slice(0, k));
  }
});

Deno.test("null score is the minimum over an example's features", () => {
  const f1 = feature("q", WORD_OFFSETS);
  const f2 = feature("q", WORD_OFFSETS);
  // Feature 1: null 2 + 2 = 4; feature 2: null -1 + -1 = -2. Best span "beta" scores 1 + 1 = 2.
  const starts = [logits(6, { 0: 2 }), logits(6, { 0: -1, 2: 1 })];
  const ends = [logits(6, { 0: 2 }), logits(6, { 0: -1, 2: 1 })];
  const [p] = postprocessQaPredictions([example("q", WORDS)], [f1, f2], starts, ends, {
    clsTokenId: CLS,
  });
  assert.equal(p.nullScore, -2);
  assert.deepEqual(p.nullLogits, [-1, -1]);
  assert.equal(p.predictionV1, "beta");
  assert.equal(p.predictionV2, "beta"); // 2 > -2; with the maximum (4) it would be ""
});

Deno.test("v2 prediction is empty when the null score beats the best span", () => {
  const f = feature("q", WORD_OFFSETS);
  const [p] = postprocessQaPredictions(
    [example("q", WORDS)],
    [f],
    [logits(6, { 0: 3, 3: 1 })],
    [logits(6, { 0: 3, 4: 1.5 })],
    { clsTokenId: CLS },
  );
  assert.equal(p.nullScore, 6);
  assert.equal(p.predictionV1, "gamma delta");
  assert.equal(p.nbest[0].score, 2.5);
  assert.deepEqual(p.nbest[0].offsets, [11, 22]);
  assert.equal(p.predictionV2, "");
});

Deno.test("spans longer than maxAnswerLength, backwards or outside the context are dropped", () => {
  const f = feature("q", WORD_OFFSETS);
  const ex = [example("q", WORDS)];
  // Best pair is tokens 1..4 (4 tokens); then end before start (4..1); then CLS/padding tokens.
  const start = [logits(6, { 0: 9, 1: 5, 4: 4, 5: 9 }, -3)];
  const end = [logits(6, { 0: 9, 4: 5, 1: 3, 5: 9 }, -3)];
  const run = (maxAnswerLength: number) =>
    postprocessQaPredictions(ex, [f], start, end, { clsTokenId: CLS, maxAnswerLength })[0];
  assert.equal(run(4).predictionV1, "alpha beta gamma delta");
  const short = run(3);
  assert.equal(short.predictionV1, "delta"); // 4..4 scores 4 + 5
  assert.ok(short.nbest.every((e) => e.text.split(" ").length <= 3));
  assert.ok(short.nbest.every((e) => e.offsets[0] <= e.offsets[1]));
});

Deno.test("answers are sliced by code points, as Python offsets count them", () => {
  // "🙂" and "𝔘" are outside the BMP: two UTF-16 units each, one code point each.
  const context = "🙂 hi 𝔘nicode 🚀 ok";
  const offsets: (Offset | null)[] = [null, [0, 1], [2, 4], [5, 12], [13, 14], [15, 17], null];
  const f = feature("e", offsets);
  const [p] = postprocessQaPredictions(
    [example("e", context)],
    [f],
    [logits(7, { 3: 2 })],
    [logits(7, { 4: 2 })],
    { clsTokenId: CLS },
  );
  assert.equal(p.predictionV1, "𝔘nicode 🚀");
});

Deno.test("no candidate: empty predictions, empty n-best", () => {
  const f = feature("q", WORD_OFFSETS);
  // Only CLS and padding have high logits, and nBestSize 1 picks nothing else.
  const [p] = postprocessQaPredictions(
    [example("q", WORDS)],
    [f],
    [logits(6, { 0: 1 })],
    [logits(6, { 0: 1 })],
    { clsTokenId: CLS, nBestSize: 1 },
  );
  assert.deepEqual([p.predictionV1, p.predictionV2, p.nbest], ["", "", []]);
  assert.equal(p.nullScore, 2);
});

Deno.test("equal scores keep proposal order (Python's stable sort)", () => {
  const f = feature("q", WORD_OFFSETS);
  // Start ranks: token 2 before token 1 (tie, later index first); "beta" and "alpha" tie at 2.
  const start = [logits(6, { 1: 1, 2: 1 })];
  const end = [logits(6, { 1: 1, 2: 1 })];
  const [p] = postprocessQaPredictions([example("q", WORDS)], [f], start, end, {
    clsTokenId: CLS,
  });
  assert.deepEqual(p.nbest.slice(0, 3).map((e) => e.text), ["beta", "alpha beta", "alpha"]);
});

Deno.test("nbestJson: run_qa layout, softmax probabilities, null answer for v2", () => {
  const f = feature("q", WORD_OFFSETS);
  const preds = postprocessQaPredictions(
    [example("q", WORDS)],
    [f],
    [logits(6, { 0: 0.5, 2: 1 })],
    [logits(6, { 0: 0.5, 2: 1 })],
    { clsTokenId: CLS, nBestSize: 3 },
  );
  const v1 = nbestJson(preds)["q"];
  assert.equal(v1[0].text, "beta");
  assert.deepEqual([v1[0].start_logit, v1[0].end_logit, v1[0].offsets], [1, 1, [6, 10]]);
  const v2 = nbestJson(preds, { versionTwoWithNegative: true, nBestSize: 3 })["q"];
  assert.deepEqual(v2.map((e) => e.text).slice(0, 2), ["beta", ""]);
  assert.deepEqual(v2[1].offsets, [0, 0]);
  const sum = v2.reduce((a, e) => a + e.probability, 0);
  assert.ok(Math.abs(sum - 1) < 1e-12);
  assert.ok(Math.abs(v2[0].probability / v2[1].probability - Math.exp(1)) < 1e-9);
});

Deno.test("readFeaturesWithLogits names a line whose logits or offsets are not numbers", async () => {
  const dir = await Deno.makeTempDir();
  const row = {
    example_id: "q1",
    input_ids: [101, 7, 102],
    offset_mapping: [null, [0, 3], null],
    start_logits: [0.5, 1, -2],
    end_logits: [0.5, 1, -2],
  };
  const cases: [Record<string, unknown>, string][] = [
    [{ start_logits: [0.5, "abc", 1] }, `"start_logits"[1] should be a finite number, got "abc"`],
    [{ end_logits: [0.5, null, 1] }, `"end_logits"[1] should be a finite number, got null`],
    [{ offset_mapping: [null, [0], null] }, `"offset_mapping"[1] should be null or [start, end]`],
  ];
  for (const [change, message] of cases) {
    const path = `${dir}/logits.jsonl`;
    await Deno.writeTextFile(
      path,
      JSON.stringify(row) + "\n" + JSON.stringify({ ...row, ...change }),
    );
    await assert.rejects(
      () => readFeaturesWithLogits(path),
      (e: Error) => e.message.startsWith(`${path}: line 2 (example q1): ${message}`),
    );
  }
});
