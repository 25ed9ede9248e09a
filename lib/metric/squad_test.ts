import assert from "node:assert/strict";
import { parseJsonLines, readText } from "../data/read.ts";
import type { Answers } from "../data/types.ts";
import { sharedPath } from "../../test/shared.ts";
import {
  computeExact,
  computeF1,
  computeF1V1,
  evaluateSquad,
  getTokens,
  normalizeAnswer,
  pythonSum,
  scoreQuestion,
  type SquadReference,
  squadV1,
  squadV2,
} from "./mod.ts";

// $QA_SHARED, else ../shared beside the repository root.
const METRIC_CASES = sharedPath("golden/public/metric_cases.jsonl.gz");
const SUMMARY = sharedPath("golden/public/summary.json");

/** One line of metric_cases.jsonl.gz: a question, a prediction and the official v2 scores. */
interface MetricCase {
  id: string;
  answers: Answers;
  prediction: string;
  exact: number;
  f1: number;
}

async function readMetricCases(): Promise<MetricCase[]> {
  return parseJsonLines(await readText(METRIC_CASES), METRIC_CASES) as MetricCase[];
}

function assertClose(actual: number, expected: number, what: string, tolerance = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} != ${expected}`);
}

function question(id: string, ...text: string[]): SquadReference {
  return { id, answers: { text, answer_start: text.map(() => 0) } };
}

const quiet = { warn: () => {} };

// Expected values below were checked against Python 3 (`re` with Unicode \b, str.lower, str.split).
Deno.test("normalizeAnswer: lowercase, ASCII punctuation, articles, whitespace", () => {
  const cases: [string, string][] = [
    ["The Cat", "cat"],
    ["A AN THE", ""],
    ["an an", ""],
    ["aa the a", "aa"],
    ["ana", "ana"],
    ["theater an apple", "theater apple"],
    ["the_cat", "thecat"], // `_` is punctuation, removed before the articles
    ["the-end", "theend"],
    ["1,000.5", "10005"],
    ["«Hello», world!", "«hello» world"], // « » are not string.punctuation
    ["¿Qué?", "¿qué"],
    ["\tthe\r\n  answer \x0b", "answer"],
  ];
  for (const [input, expected] of cases) assert.equal(normalizeAnswer(input), expected, input);
});

Deno.test("normalizeAnswer: \\b is Python's Unicode word boundary", () => {
  const cases: [string, string][] = [
    ["éa", "éa"], // é is a word character: no boundary before "a"
    ["café the", "café"],
    ["the中国", "the中国"], // CJK ideographs are word characters
    ["中 the 国", "中 国"],
    ["a\u0301", "\u0301"], // a combining mark is not a word character
    ["an²", "an²"], // superscript two (No) is alphanumeric
    ["Ⅻ the", "ⅻ"], // a Roman numeral (Nl) is lowered and kept
    ["the1", "the1"],
    ["𝐚the 𝐛 the", "𝐚the 𝐛"], // astral letters count as one word character
    ["ǅthe", "ǆthe"], // titlecase letter (Lt)
    ["‘the’ end", "‘ ’ end"], // curly quotes are neither punctuation here nor word characters
    ["\ufeffthe", "\ufeff"], // the BOM is neither whitespace nor a word character
  ];
  for (const [input, expected] of cases) assert.equal(normalizeAnswer(input), expected, input);
});

Deno.test("normalizeAnswer: whitespace is str.isspace(), lowercase is str.lower()", () => {
  assert.equal(normalizeAnswer("x\u00a0y\u3000z\u2028w\x1cv\x85u"), "x y z w v u");
  assert.equal(normalizeAnswer("x\u200by"), "x\u200by"); // zero-width space is not whitespace
  assert.equal(normalizeAnswer("İstanbul"), "i\u0307stanbul");
  assert.equal(normalizeAnswer("ΟΔΟΣ"), "οδος"); // final sigma
});

Deno.test("getTokens: empty and article-only answers have no tokens", () => {
  assert.deepEqual(getTokens(""), []);
  assert.deepEqual(getTokens("the"), []);
  assert.deepEqual(getTokens("The  Denver\u3000Broncos."), ["denver", "broncos"]);
});

Deno.test("computeExact / computeF1 (v2.0) / computeF1V1 (v1.1)", () => {
  assert.equal(computeExact("the Broncos", "Broncos!"), 1);
  assert.equal(computeExact("cat", "cats"), 0);
  assert.equal(computeF1("", ""), 1); // v2.0: both empty agree
  assert.equal(computeF1V1("", ""), 0); // v1.1: no shared tokens
  assert.equal(computeF1("the", ""), 1);
  assert.equal(computeF1("cat", ""), 0);
  assert.equal(computeF1("the cat sat", "a cat sat down"), 0.8);
  assert.equal(computeF1("x x y", "x y y"), 2 / 3); // repeats count once per match
  assert.equal(computeF1V1("x x y", "x y y"), 2 / 3);
  assert.equal(computeF1("Levi's Stadium", "Levi's Stadium in Santa Clara"), 0.5714285714285715);
});

Deno.test("scoreQuestion: v2.0 drops gold answers that normalize to nothing", () => {
  assert.deepEqual(scoreQuestion(["the", "Denver Broncos"], "", "2.0"), { exact: 0, f1: 0 });
  assert.deepEqual(scoreQuestion(["the", "Denver Broncos"], "", "1.1"), { exact: 1, f1: 0 });
  assert.deepEqual(scoreQuestion(["the"], "", "2.0"), { exact: 1, f1: 1 });
  assert.deepEqual(scoreQuestion([], "", "2.0"), { exact: 1, f1: 1 });
  assert.deepEqual(scoreQuestion([], "Paris", "2.0"), { exact: 0, f1: 0 });
  assert.throws(() => scoreQuestion([], "Paris", "1.1"), /at least one gold answer/);
});

Deno.test("every golden question scores as the official v2.0 script scored it", async () => {
  const cases = await readMetricCases();
  assert.equal(cases.length, 3200);
  for (const c of cases) {
    const { exact, f1 } = scoreQuestion(c.answers.text, c.prediction, "2.0");
    assertClose(exact, c.exact, `${c.id} exact`);
    assertClose(f1, c.f1, `${c.id} f1`);
  }
});

Deno.test("v2.0 totals equal the official script's over the golden cases", async () => {
  // The golden file repeats some question ids and the reference counted every line (total 3200),
  // so each line gets its own id here.
  const cases = await readMetricCases();
  const dataset = cases.map((c, i) => ({ id: `${c.id}#${i}`, answers: c.answers }));
  const predictions = Object.fromEntries(cases.map((c, i) => [`${c.id}#${i}`, c.prediction]));
  const { missing, ...totals } = evaluateSquad(dataset, predictions, "2.0");
  const summary = JSON.parse(await Deno.readTextFile(SUMMARY));
  const expected: Record<string, number> = summary.metric_v2_totals;
  assert.deepEqual(missing, []);
  assert.deepEqual(Object.keys(totals), Object.keys(expected));
  for (const [key, value] of Object.entries(expected)) {
    assertClose(totals[key as keyof typeof totals] as number, value, key);
  }
});

Deno.test("v2.0 breakdown: keys as the official script, missing predictions score 0", () => {
  const dataset = [question("q1", "Denver Broncos"), question("q2"), question("q3", "Paris")];
  const warnings: string[] = [];
  const result = squadV2(dataset, { q1: "the Denver Broncos", q2: "" }, {
    warn: (m) => warnings.push(m),
  });
  assert.deepEqual(result, {
    exact: 200 / 3,
    f1: 200 / 3,
    total: 3,
    HasAns_exact: 50,
    HasAns_f1: 50,
    HasAns_total: 2,
    NoAns_exact: 100,
    NoAns_f1: 100,
    NoAns_total: 1,
    missing: ["q3"],
  });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /q3/);
  const answerableOnly = squadV2([question("q1", "Denver Broncos")], { q1: "Broncos" });
  assert.deepEqual(Object.keys(answerableOnly), [
    "exact",
    "f1",
    "total",
    "HasAns_exact",
    "HasAns_f1",
    "HasAns_total",
    "missing",
  ]);
});

Deno.test("v1.1: max over gold answers, missing prediction scores 0", () => {
  const dataset = [
    question("q1", "Denver Broncos", "The Denver Broncos", "Broncos"),
    question("q2", "Santa Clara, California", "Levi's Stadium"),
    question("q3", "Super Bowl 50"),
  ];
  const predictions = { q1: "the broncos", q2: "Levi's Stadium in Santa Clara" };
  const warnings: string[] = [];
  const result = squadV1(dataset, predictions, { warn: (m) => warnings.push(m) });
  // q1 matches "Broncos" exactly; q2's best F1 is against "Levi's Stadium": p 2/5, r 1.
  assert.equal(result.exact_match, 100 * 1 / 3);
  assertClose(result.f1, 100 * (1 + (2 * 0.4 * 1) / 1.4) / 3, "f1", 1e-12);
  assert.deepEqual(result.missing, ["q3"]);
  assert.deepEqual(warnings, ["Unanswered question q3 will receive score 0."]);
  assert.deepEqual(evaluateSquad(dataset, predictions, "1.1", quiet), result);
});

Deno.test("the metrics refuse what cannot be scored", () => {
  assert.throws(() => squadV1([question("q1")], { q1: "" }, quiet), /q1: .*at least one gold/);
  assert.throws(() => squadV2([], {}), /no questions/);
  assert.throws(
    () => squadV2([question("q1", "x"), question("q1", "y")], { q1: "x" }),
    /q1 appears twice/,
  );
  const notText = { q1: null } as unknown as Record<string, string>;
  assert.throws(() => squadV2([question("q1", "x")], notText), /q1: the prediction is object/);
  // @ts-expect-error: a version the metric does not know
  assert.throws(() => evaluateSquad([question("q1", "x")], { q1: "x" }, "3.0"), /unknown SQuAD/);
  // A prediction named like an Object.prototype member is still missing.
  assert.deepEqual(squadV2([question("constructor", "x")], {}, quiet).missing, ["constructor"]);
});

Deno.test("pythonSum is compensated like Python 3.12's sum()", () => {
  assert.equal(pythonSum([0.1, 0.2, 0.3]), 0.6); // a plain loop gives 0.6000000000000001
  assert.equal(pythonSum([1e100, 1, -1e100]), 1);
  assert.equal(pythonSum([]), 0);
});
