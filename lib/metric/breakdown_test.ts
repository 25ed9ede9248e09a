import assert from "node:assert/strict";
import { loadSquad, parseJsonLines, readText } from "../data/mod.ts";
import type { Answers } from "../data/types.ts";
import { sharedPath } from "../../test/shared.ts";
import {
  answerLength,
  type BreakdownQuestion,
  breakdownScores,
  evaluateSquad,
  questionWord,
  type ScoreBreakdown,
  scoreBreakdown,
} from "./mod.ts";

const METRIC_CASES = sharedPath("golden/public/metric_cases.jsonl.gz");
// The SQuAD files the golden cases' questions come from (the cases hold ids, not questions).
const QUESTION_SOURCES = [
  "data/squad/squad-v1.1-dev-articles-00-37.json",
  "data/squad/squad-v2.0-dev-first5articles.json",
];

interface MetricCase {
  id: string;
  answers: Answers;
  prediction: string;
  exact: number;
  f1: number;
}

/** The golden cases with their questions, one id per line (the file repeats some ids). */
async function goldenCases(): Promise<{ cases: MetricCase[]; questions: BreakdownQuestion[] }> {
  const cases = parseJsonLines(await readText(METRIC_CASES), METRIC_CASES) as MetricCase[];
  const text = new Map<string, string>();
  for (const source of QUESTION_SOURCES) {
    for (const e of (await loadSquad(sharedPath(source))).examples) text.set(e.id, e.question);
  }
  const questions = cases.map((c, i) => ({
    id: `${c.id}#${i}`,
    question: text.get(c.id) ?? "",
    answers: c.answers,
  }));
  return { cases, questions };
}

function close(actual: number, expected: number, what: string, tolerance = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} != ${expected}`);
}

function dimensionsOf(breakdown: ScoreBreakdown): Map<string, ScoreBreakdown["groups"]> {
  return Map.groupBy(breakdown.groups, (g) => g.dimension);
}

Deno.test("breakdown of the golden cases adds up to evaluateSquad's totals in every dimension", async () => {
  const { cases, questions } = await goldenCases();
  assert.ok(questions.filter((q) => q.question !== "").length > 3000, "questions found by id");
  const predictions = Object.fromEntries(cases.map((c, i) => [questions[i].id, c.prediction]));
  const totals = evaluateSquad(questions, predictions, "2.0");
  const breakdown = scoreBreakdown(questions, predictions, "2.0");
  assert.deepEqual(breakdown.overall, { total: totals.total, exact: totals.exact, f1: totals.f1 });
  const dimensions = dimensionsOf(breakdown);
  assert.deepEqual([...dimensions.keys()], ["answerability", "question word", "answer length"]);
  for (const [dimension, groups] of dimensions) {
    assert.equal(groups.reduce((n, g) => n + g.total, 0), cases.length, dimension);
    const sum = (key: "exact" | "f1") => groups.reduce((s, g) => s + g[key] * g.total, 0);
    close(sum("exact") / cases.length, totals.exact, `${dimension} exact`);
    close(sum("f1") / cases.length, totals.f1, `${dimension} f1`);
  }
  const [hasAnswer, noAnswer] = dimensions.get("answerability")!;
  assert.deepEqual(hasAnswer, {
    dimension: "answerability",
    group: "has answer",
    total: totals.HasAns_total,
    exact: totals.HasAns_exact,
    f1: totals.HasAns_f1,
  });
  assert.deepEqual(noAnswer, {
    dimension: "answerability",
    group: "no answer",
    total: totals.NoAns_total,
    exact: totals.NoAns_exact,
    f1: totals.NoAns_f1,
  });
});

Deno.test("each group's scores are the official per-question scores of its questions", async () => {
  const { cases, questions } = await goldenCases();
  const predictions = Object.fromEntries(cases.map((c, i) => [questions[i].id, c.prediction]));
  const breakdown = scoreBreakdown(questions, predictions, "2.0");
  const groupOf = {
    "question word": (i: number) => questionWord(questions[i].question),
    "answer length": (i: number) => answerLength(cases[i].answers),
  } as Record<string, (i: number) => string>;
  for (const g of breakdown.groups.filter((g) => g.dimension in groupOf)) {
    const members = cases.filter((_, i) => groupOf[g.dimension](i) === g.group);
    assert.equal(g.total, members.length, `${g.dimension} ${g.group}`);
    const mean = (key: "exact" | "f1") => 100 * members.reduce((s, c) => s + c[key], 0) / g.total;
    close(g.exact, mean("exact"), `${g.group} exact`, 1e-9);
    close(g.f1, mean("f1"), `${g.group} f1`, 1e-9);
  }
  const words = breakdown.groups.filter((g) => g.dimension === "question word").map((g) => g.group);
  assert.deepEqual(words, ["what", "who", "when", "where", "which", "why", "how", "other"]);
});

Deno.test("questionWord: English wh-words anywhere, Chinese question words", () => {
  const cases: [string, string][] = [
    ["What is the capital of France?", "what"],
    ["In what year did the war end?", "what"],
    ["Whose army won?", "who"],
    ["To whom was it sent?", "who"],
    ["When did Beyonce start becoming popular?", "when"],
    ["Where's the stadium?", "where"],
    ["Which NFL team won Super Bowl 50?", "which"],
    ["why is the sky blue", "why"],
    ["How many points did the Broncos score?", "how"],
    ["Does BSkyB carry any control over the picture quality?", "other"],
    ["Somewhat unrelated: the whatnot shop", "other"], // no wh-word, only words containing one
    ["Name the whale that Ahab hunted.", "other"],
    ["观塘明渠位于哪里？", "where"],
    ["《掌故王》的主持人是谁？", "who"],
    ["部分关岛秧鸡种群在什么时候被再引入至关岛的中？", "when"],
    ["为什么米泽车站所销售的便当都是以牛肉作为主要菜色基础？", "why"],
    ["历史上住在斯韦阿兰的原住民被称为什么？", "what"], // 称为 + 什么
    ["雌性红腹锉尾蛇体长约是多少？", "how"],
    ["西密德兰下辖几个次级行政区？", "how"],
    ["在法国殖民前，几内亚地区采用什么贸易方式？", "what"], // 几内亚 is Guinea
    ["舜天是怎么当上国王的？", "how"],
    ["吉格梅·多吉·旺楚克是哪个国家的前任国王？", "which"],
    ["戏曲锣鼓所运用的敲击乐器主要有什么类型？", "what"],
    ["狭义的唐音是何時传入日本的？", "when"],
    ["魔岩唱片中「魔」的由来？", "other"],
  ];
  for (const [question, expected] of cases) {
    assert.equal(questionWord(question), expected, question);
  }
});

Deno.test("answerLength: words of the first gold answer, a CJK character per word", () => {
  const answers = (...text: string[]) => ({ text, answer_start: text.map(() => 0) });
  assert.equal(answerLength(answers()), "no answer");
  assert.equal(answerLength(answers("Denver Broncos", "Broncos")), "2");
  assert.equal(answerLength(answers("Broncos")), "1");
  assert.equal(answerLength(answers("Santa Clara, California")), "3");
  assert.equal(answerLength(answers("the  Levi's Stadium in\nSanta Clara")), "6-10");
  assert.equal(answerLength(answers("不丹")), "2");
  assert.equal(answerLength(answers("2枚")), "2");
  assert.equal(answerLength(answers("九龙观塘区敬业里一带")), "6-10");
  assert.equal(
    answerLength(answers("one two three four five six seven eight nine ten eleven")),
    "11+",
  );
});

Deno.test("breakdownScores: v1.1 per-question scores, missing predictions, refusals", () => {
  const questions = [
    { id: "q1", question: "Who won?", answers: { text: ["Denver Broncos"], answer_start: [0] } },
    { id: "q2", question: "Where?", answers: { text: ["Santa Clara"], answer_start: [0] } },
  ];
  const breakdown = scoreBreakdown(questions, { q1: "the Broncos" }, "1.1", { warn: () => {} });
  assert.deepEqual(breakdown.missing, ["q2"]);
  const f1 = 100 * (2 * 1 * 0.5 / 1.5);
  assert.deepEqual(breakdown.overall, { total: 2, exact: 0, f1: f1 / 2 });
  assert.deepEqual(breakdown.groups.filter((g) => g.dimension === "question word"), [
    { dimension: "question word", group: "who", total: 1, exact: 0, f1 },
    { dimension: "question word", group: "where", total: 1, exact: 0, f1: 0 },
  ]);
  assert.throws(() => breakdownScores(questions, []), /2 questions but 0 scores/);
  assert.throws(() => scoreBreakdown([], {}, "2.0"), /no questions/);
});
