// `qa ask` end to end: a saved marker model (test/marker_model.ts) whose answers are known, and
// the errors bad input gets.
import { assert, assertEquals } from "../test/assert.ts";
import { qa } from "../test/cli.ts";
import { markerModel, smallConfig } from "../test/marker_model.ts";
import { sharedPath } from "../test/shared.ts";
import { initBackend } from "../lib/runtime/mod.ts";
import { QATokenizer } from "../lib/tokenizer/mod.ts";

const TINY = sharedPath("golden/models/tiny-distilbert-init");

/** A folder holding the uncased marker model: start logit at "golden", end logit at "gate". */
async function savedGoldenGate(): Promise<string> {
  await initBackend("auto");
  const tokenizer = await QATokenizer.fromPretrained(TINY);
  const markers = {
    start: tokenizer.tokenToId("golden"),
    end: tokenizer.tokenToId("gate"),
    cls: tokenizer.clsTokenId,
  };
  const model = await markerModel(smallConfig("distilbert", 30522), markers);
  const folder = await Deno.makeTempDir();
  await model.save(folder, { tokenizerFolder: TINY });
  model.dispose();
  return folder;
}

const filler = (n: number) =>
  Array.from({ length: n }, (_, i) => `Sentence ${i} says little.`).join(" ");

Deno.test("qa ask: the answer from the second window of a long context file; several questions", async () => {
  const model = await savedGoldenGate();
  const dir = await Deno.makeTempDir();
  const context = `${filler(80)} The bridge is called the golden gate.`;
  await Deno.writeTextFile(`${dir}/context.txt`, context);
  const question = "What is the bridge called?";
  const one = await qa(
    "ask",
    "--model",
    model,
    "--question",
    question,
    "--context-file",
    `${dir}/context.txt`,
  );
  assertEquals(one.code, 0, one.stderr);
  const best = JSON.parse(one.stdout);
  const where = context.indexOf("golden gate");
  assertEquals([best.answer, best.start, best.end], ["golden gate", where, where + 11]);
  assert(best.score > 0.9, one.stdout);
  assertEquals([best.startCodePoint, best.endCodePoint], [where, where + 11]);

  // Short windows: the stride follows transformers' default (half the window), not 128.
  const short = await qa(
    "ask",
    "--model",
    model,
    "--question",
    question,
    "--context-file",
    `${dir}/context.txt`,
    "--max-length",
    "64",
    "--no-align-to-words",
  );
  assertEquals(short.code, 0, short.stderr);
  assertEquals(JSON.parse(short.stdout).answer, "golden gate");

  // Two --question flags and a questions file: one entry per question, in order.
  await Deno.writeTextFile(
    `${dir}/questions.json`,
    JSON.stringify(["Which bridge?", { question: "Is there a bridge?", context: filler(5) }]),
  );
  const several = await qa(
    "ask",
    "--model",
    model,
    "--question",
    question,
    "--question",
    "Name?",
    "--questions",
    `${dir}/questions.json`,
    "--context-file",
    `${dir}/context.txt`,
    "--handle-impossible-answer",
  );
  assertEquals(several.code, 0, several.stderr);
  const answers = JSON.parse(several.stdout);
  assertEquals(answers.map((a: { answer: string }) => a.answer), [
    "golden gate",
    "golden gate",
    "golden gate",
    "",
  ]);
  assertEquals(answers[0].start, where);
});

Deno.test("qa ask: bad input stops with a message naming the input and the problem", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/questions.json`,
    JSON.stringify(["Where?", { question: 7, context: "In Paris." }]),
  );
  await Deno.writeTextFile(`${dir}/broken.json`, '["Where?",');
  await Deno.writeTextFile(`${dir}/context.txt`, " \n\t ");
  const cases: [string[], string][] = [
    [["--question", "", "--context", "In Paris."], "--question: the question is empty"],
    [
      ["--question", "Where?", "--question", "   ", "--context", "In Paris."],
      "--question 2 of 2: the question is empty (only whitespace)",
    ],
    [
      ["--question", "Where?", "--context-file", `${dir}/context.txt`],
      `--context-file ${dir}/context.txt: the context is empty (only whitespace)`,
    ],
    [
      ["--questions", `${dir}/questions.json`, "--context", "In Paris."],
      `${dir}/questions.json: entry 1: the question must be a string, got number 7`,
    ],
    [["--questions", `${dir}/questions.json`], `${dir}/questions.json: entry 0: no context`],
    [["--questions", `${dir}/broken.json`, "--context", "x"], `${dir}/broken.json: malformed JSON`],
    [
      ["--question", "why ".repeat(400), "--context", "In Paris."],
      "--question: the question leaves no room for the context with max_length 384",
    ],
    [["--context", "In Paris."], "give a question with --question or --questions"],
    [
      ["--question", "Where?", "--context", "x", "--context-file", `${dir}/context.txt`],
      "give the context with only one of --context or --context-file",
    ],
  ];
  for (const [args, message] of cases) {
    const run = await qa("ask", "--model", TINY, ...args);
    assertEquals(run.code, 1, `${args.join(" ")}: ${run.stdout}`);
    assert(run.stderr.includes(`error: ${message}`), run.stderr);
    assertEquals(run.stdout, "");
  }
});
