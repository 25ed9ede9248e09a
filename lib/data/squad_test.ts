import { assert, assertEquals, assertRejects } from "../../test/assert.ts";
import { sharedPath } from "../../test/shared.ts";
import { codePointLength, codePointSlicer, pythonLstrip } from "./chars.ts";
import { loadSquad, parseSquad } from "./squad.ts";
import { DataError } from "./types.ts";
import { rereadSettings } from "../settings.ts";

const V1_POOL = sharedPath("data/squad/squad-v1.1-dev-articles-00-37.json");

Deno.test("loads the SQuAD v1.1 pool with every answer matching its context", async () => {
  const ds = await loadSquad(V1_POOL);
  assertEquals(ds.examples.length, 8582);
  assertEquals(ds.version, "1.1");
  assertEquals(ds.problems, []);
  const first = ds.examples[0];
  assertEquals(first.question, "Which NFL team represented the AFC at Super Bowl 50?");
  assertEquals(first.answers.text[0], "Denver Broncos");
  assertEquals(first.title, "Super_Bowl_50");
});

Deno.test("SQuAD v2.0 keeps unanswerable questions with empty answers", async () => {
  const ds = await loadSquad(sharedPath("data/squad/squad-v2.0-dev-first5articles.json"));
  assertEquals(ds.examples.length, 1407);
  assertEquals(ds.examples.filter((e) => e.answers.text.length === 0).length, 702);
  assertEquals(ds.version, "2.0");
});

Deno.test("flattened JSONL (gzipped) loads to the same examples as the nested form", async () => {
  const jsonl = await loadSquad(sharedPath("golden/public/train_examples.jsonl.gz"));
  assertEquals(jsonl.examples.length, 1200);
  const nested = await loadSquad(V1_POOL);
  const byId = new Map(nested.examples.map((e) => [e.id, e]));
  const shared = jsonl.examples.filter((e) => byId.has(e.id));
  assert(shared.length >= 600);
  for (const e of shared) assertEquals(e, byId.get(e.id));
});

Deno.test("COVID-QA: 234 answers that do not match their context are reported by id", async () => {
  const ds = await loadSquad(sharedPath("data/qa/covid-qa-200423.json"));
  assertEquals(ds.examples.length, 1380);
  assertEquals(ds.problems.length, 234);
  for (const p of ds.problems) {
    assertEquals(p.kind, "answer_mismatch");
    assert(p.source.endsWith("covid-qa-200423.json"));
    assert(/does not match the context at answer_start \d+/.test(p.problem), p.problem);
  }
  // Numeric ids in this set are kept as text.
  assert(ds.examples.every((e) => typeof e.id === "string"));
});

Deno.test("CMRC 2018 trial: 5 mismatched answers, counted in code points", async () => {
  const ds = await loadSquad(sharedPath("data/qa/cmrc2018_trial.json"));
  assertEquals(ds.examples.length, 1002);
  assertEquals(ds.problems.map((p) => p.kind), Array(5).fill("answer_mismatch"));
});

Deno.test("malformed JSON names the file", () => {
  const error = assertThrowsData(() => parseSquad('{"data": [', "bad.json"));
  assert(error.message.startsWith("bad.json: malformed JSON"), error.message);
});

Deno.test("a missing field names the file, the question id and the field", () => {
  const doc = {
    data: [{ title: "T", paragraphs: [{ context: "abc", qas: [{ id: "q1", answers: [] }] }] }],
  };
  const error = assertThrowsData(() => parseSquad(JSON.stringify(doc), "missing.json"));
  assertEquals(error.message, 'missing.json: question q1: missing field "question"');
});

Deno.test("JSONL: a bad line is reported with its line number", () => {
  const line = JSON.stringify({
    id: "a",
    title: "",
    context: "x",
    question: "q",
    answers: { text: [], answer_start: [] },
  });
  let message = "";
  try {
    parseSquad(`${line}\n{oops\n`, "rows.jsonl");
  } catch (e) {
    message = (e as Error).message;
  }
  assert(message.startsWith("rows.jsonl: line 2: malformed JSON"), message);
});

Deno.test("an empty context is a problem of that question; duplicate ids are an error", () => {
  const row = (id: string, context: string) =>
    JSON.stringify({
      id,
      title: "",
      context,
      question: "q?",
      answers: { text: [], answer_start: [] },
    });
  const ds = parseSquad(`${row("a", "  ")}\n${row("b", "fine")}\n`, "e.jsonl");
  assertEquals(ds.problems.map((p) => [p.id, p.kind]), [["a", "empty_context"]]);
  const error = assertThrowsData(() =>
    parseSquad(`${row("a", "x")}\n${row("a", "y")}\n`, "d.jsonl")
  );
  assertEquals(error.message, "d.jsonl: question a: the question id appears more than once");
});

Deno.test("a file without questions, or with a bad answer_start, is an error naming it", () => {
  for (const text of ['{"data": []}', "[]", '{"data": [{"title": "t", "paragraphs": []}]}']) {
    const error = assertThrowsData(() => parseSquad(text, "none.json"));
    assertEquals(error.message, "none.json: the file holds no questions");
  }
  const answer = (start: unknown) =>
    JSON.stringify({
      data: [{
        paragraphs: [{
          context: "abc",
          qas: [{ id: "q", question: "?", answers: [{ text: "a", answer_start: start }] }],
        }],
      }],
    });
  for (const start of [0.5, 1e300]) {
    const error = assertThrowsData(() => parseSquad(answer(start), "a.json"));
    assertEquals(error.message, "a.json: question q: answers[0].answer_start must be an integer");
  }
  // -1 (CMRC 2018's mark of an answer not in the context) is a mismatch of that question.
  assertEquals(parseSquad(answer(-1), "a.json").problems.map((p) => p.kind), ["answer_mismatch"]);
});

Deno.test("named datasets offline say which file of which hub dataset is missing, and where", async () => {
  const cache = await Deno.makeTempDir();
  const vars = { HF_HUB_CACHE: cache, HF_HUB_OFFLINE: "1" };
  for (const [name, value] of Object.entries(vars)) Deno.env.set(name, value);
  rereadSettings();
  try {
    const error = await assertRejects(() => loadSquad("squad_v2:validation"));
    assertEquals(
      (error as Error).message,
      `README.md of rajpurkar/squad_v2 (revision main) is not in the cache ` +
        `${cache}/datasets--rajpurkar--squad_v2 and HF_HUB_OFFLINE is set; run once with the ` +
        "network, or point HF_HUB_CACHE at a cache that has it",
    );
  } finally {
    for (const name of Object.keys(vars)) Deno.env.delete(name);
    rereadSettings();
  }
});

Deno.test("code point helpers follow Python's str semantics", () => {
  const text = "a😀b";
  assertEquals(codePointLength(text), 3);
  assertEquals(codePointSlicer(text)(1, 3), "😀b");
  assertEquals(pythonLstrip("\u3000\x1c  question"), "question");
  assertEquals(pythonLstrip("\ufeffquestion"), "\ufeffquestion");
});

function assertThrowsData(fn: () => unknown): DataError {
  try {
    fn();
  } catch (e) {
    assert(e instanceof DataError, `expected a DataError, got ${e}`);
    return e;
  }
  throw new Error("expected an error");
}
