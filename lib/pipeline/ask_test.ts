import { assert, assertClose, assertEquals, assertRejects } from "../../test/assert.ts";
import { markerModel, smallConfig } from "../../test/marker_model.ts";
import { sharedPath } from "../../test/shared.ts";
import { prepareValidationFeatures, type ValidationFeature } from "../features/mod.ts";
import { initBackend } from "../runtime/mod.ts";
import { type InferenceModel, predictLogits, QuestionAnsweringModel } from "../model/mod.ts";
import { QATokenizer } from "../tokenizer/mod.ts";
import {
  type Answer,
  answerQuestion,
  type AskOptions,
  QuestionAnsweringInputError,
  QuestionAnsweringPipeline,
  type QuestionContext,
} from "./mod.ts";

// Products on our wasm kernels: answers batched and one at a time are equal to the bit only where a
// product's rows do not depend on how many there are, which OpenBLAS's AVX-512 kernels do not promise
// (`qa serve` defaults to `--blas off` for the same reason: docs/serve.md).
await initBackend("auto", { blas: "off" });

const TINY = sharedPath("golden/models/tiny-distilbert-init");
const CHINESE = sharedPath("models/bert-base-chinese");
const STRENGTH = 20; // the marker model's logit at its marker words (√2 less at [CLS])
const uncased = await QATokenizer.fromPretrained(TINY);

/** The uncased marker model: start logit at "golden", end logit at "gate" (test/marker_model.ts). */
async function goldenGate(): Promise<QuestionAnsweringPipeline> {
  const markers = {
    start: uncased.tokenToId("golden"),
    end: uncased.tokenToId("gate"),
    cls: uncased.clsTokenId,
  };
  const model = await markerModel(smallConfig("distilbert", 30522), markers, STRENGTH);
  return new QuestionAnsweringPipeline(model, uncased);
}

async function windowsOf(
  tokenizer: QATokenizer,
  { question, context }: QuestionContext,
  options: AskOptions = {},
): Promise<ValidationFeature[]> {
  const example = {
    id: "0",
    title: "",
    question,
    context,
    answers: { text: [], answer_start: [] },
  };
  return (await prepareValidationFeatures(tokenizer, [example], options)).features;
}

const contextTokens = (w: ValidationFeature) => w.offset_mapping.filter((o) => o !== null).length;

// With the marker model, a window of n context tokens holding "golden gate" gives the span
// P(start) = P(end) = e^s / (e^s + e^(s/√2) + n − 1), and [CLS] e^(s/√2) over the same sum.
function markedWindow(n: number): { span: number; cls: number } {
  const [marker, cls] = [Math.exp(STRENGTH), Math.exp(STRENGTH / Math.SQRT2)];
  const sum = marker + cls + n - 1;
  return { span: (marker / sum) ** 2, cls: (cls / sum) ** 2 };
}

// Without the markers every context logit is 0: [CLS] gets e^(s/√2) / (e^(s/√2) + n).
function unmarkedWindowNull(n: number): number {
  const cls = Math.exp(STRENGTH / Math.SQRT2);
  return (cls / (cls + n)) ** 2;
}

const filler = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `Sentence ${from + i} says little.`).join(" ");

Deno.test("a context longer than 384 tokens: the answer comes from the second window", async () => {
  const qa = await goldenGate();
  const input = {
    question: "What is the bridge called?",
    context: `${filler(0, 80)} The bridge is called the golden gate. ${filler(80, 90)}`,
  };
  const windows = await windowsOf(uncased, input);
  assertEquals(windows.length, 2);
  const firstWindowEnd = Math.max(...windows[0].offset_mapping.map((o) => o?.[1] ?? 0));
  const where = input.context.indexOf("golden gate");
  assert(where > firstWindowEnd, "the constructed answer must lie beyond the first window");

  const [best] = await qa.answer(input);
  assertEquals(best.answer, "golden gate");
  assertEquals([best.start, best.end], [where, where + "golden gate".length]);
  const expected = markedWindow(contextTokens(windows[1]));
  assertClose(best.score, expected.span, 1e-5 * expected.span, "span score");

  // The empty answer scores the smallest [CLS] probability over the windows: the second's.
  const [span, none] = await qa.answer(input, { topK: 2, handleImpossibleAnswer: true });
  assertEquals(span, best);
  assertEquals([none.answer, none.start, none.end], ["", 0, 0]);
  assertClose(none.score, expected.cls, 1e-4 * expected.cls, "null score");
  qa.dispose();
});

Deno.test("an unanswerable question: the empty answer with handleImpossibleAnswer", async () => {
  const qa = await goldenGate();
  for (const context of [filler(0, 10), filler(0, 100)]) {
    const input = { question: "What is the bridge called?", context };
    const windows = await windowsOf(uncased, input);
    const nullScore = Math.min(...windows.map((w) => unmarkedWindowNull(contextTokens(w))));
    const [none] = await qa.answer(input, { handleImpossibleAnswer: true });
    assertEquals([none.answer, none.start, none.end], ["", 0, 0]);
    assertClose(none.score, nullScore, 1e-5, `null score, ${windows.length} window(s)`);
    // Without it, some span is returned, with the tiny probability that [CLS] leaves over.
    const [forced] = await qa.answer(input);
    assert(forced.answer !== "" && forced.score < 1e-10, JSON.stringify(forced));
    assertEquals(context.slice(forced.start, forced.end), forced.answer);
  }
  qa.dispose();
});

Deno.test("maxAnswerLength counts tokens, bounds included", async () => {
  const qa = await goldenGate();
  const long = "golden one two three four five six seven eight nine ten gate"; // 12 tokens
  const input = { question: "Which?", context: `It is the ${long} today.` };
  const [fits] = await qa.answer(input, { maxAnswerLength: 12 });
  assertEquals(fits.answer, long);
  for (const maxAnswerLength of [11, 5]) {
    const answers = await qa.answer(input, { maxAnswerLength, topK: 5 });
    for (const a of answers) {
      assert(a.answer !== long, `${maxAnswerLength}: ${a.answer}`);
      const tokens =
        (await uncased.encode(a.answer, null, { addSpecialTokens: false })).input_ids[0];
      assert(tokens.length <= maxAnswerLength, `${a.answer} is longer than ${maxAnswerLength}`);
    }
  }
  qa.dispose();
});

Deno.test("CJK: start and end index the JavaScript string, astral characters included", async () => {
  const tokenizer = await QATokenizer.fromPretrained(CHINESE);
  const markers = {
    start: tokenizer.tokenToId("巴"),
    end: tokenizer.tokenToId("黎"),
    cls: tokenizer.clsTokenId,
  };
  const model = await markerModel(smallConfig("bert", 21128), markers, STRENGTH);
  const qa = new QuestionAnsweringPipeline(model, tokenizer);
  const context = "𠮷野家的牛丼很好吃😀。法國的首都是巴黎，人口約兩百萬（２０２４年）。";
  const [best] = await qa.answer({ question: "法國的首都是哪裡？", context });
  const start = context.indexOf("巴黎");
  assert(Array.from(context.slice(0, start)).length < start, "astral characters precede it");
  assertEquals(best, { ...best, answer: "巴黎", start, end: start + 2 });
  qa.dispose();

  // A random BERT with this vocabulary on a real CMRC 2018 context, read in several windows.
  const cmrc = JSON.parse(await Deno.readTextFile(sharedPath("data/qa/cmrc2018_dev.json")));
  const paragraph = cmrc.data[0].paragraphs[0];
  const input = { question: paragraph.qas[0].question, context: paragraph.context };
  const randomModel = QuestionAnsweringModel.fromConfig(smallConfig("bert", 21128));
  const random = new QuestionAnsweringPipeline(randomModel, tokenizer);
  const options = { topK: 10, maxLength: 128, docStride: 32 };
  assert((await windowsOf(tokenizer, input, options)).length > 3);
  const answers = await random.answer(input, options);
  assertEquals(answers.length, 10);
  for (const a of answers) assertEquals(input.context.slice(a.start, a.end), a.answer);
  random.dispose();
});

/** An uncased marker model reacting to these two tokens. */
async function markedBetween(start: string, end: string): Promise<QuestionAnsweringPipeline> {
  const markers = {
    start: uncased.tokenToId(start),
    end: uncased.tokenToId(end),
    cls: uncased.clsTokenId,
  };
  const model = await markerModel(smallConfig("distilbert", 30522), markers, STRENGTH);
  return new QuestionAnsweringPipeline(model, uncased);
}

Deno.test("alignToWords: a span starting or ending inside a word is widened to the word", async () => {
  // "goldengate" is golden + ##gate, "gatekeeper" gate + ##keeper: the markers sit inside words.
  const qa = await markedBetween("##gate", "gate");
  const input = { question: "Who?", context: "It is the goldengate bridge and its gatekeeper." };
  const windows = await windowsOf(uncased, input);
  const tokens = uncased.convertIdsToTokens(windows[0].input_ids);
  assert(tokens.includes("##gate") && tokens.includes("##keeper"), tokens.join(" "));
  const [aligned] = await qa.answer(input);
  const whole = "goldengate bridge and its gatekeeper";
  assertEquals(aligned.answer, whole);
  assertEquals([aligned.start, aligned.end], [10, 10 + whole.length]);
  // The span from "golden" aligns to the same words: one answer, the two probabilities summed.
  const expected = markedWindow(contextTokens(windows[0]));
  assert(aligned.score > expected.span, `${aligned.score} sums more than one span`);
  assertClose(aligned.score, expected.span, 1e-6, "summed score");
  const [tokensOnly] = await qa.answer(input, { alignToWords: false });
  assertEquals(tokensOnly.answer, "gate bridge and its gate");
  assertEquals([tokensOnly.start, tokensOnly.end], [16, 40]);
  assertClose(tokensOnly.score, expected.span, 1e-5 * expected.span, "span score");
  qa.dispose();
});

Deno.test("answers with the same text, case aside, are one answer: scores summed, first place kept", async () => {
  const qa = await goldenGate();
  const input = {
    question: "Which bridge?",
    context: "The Golden Gate is red, and the golden gate is long.",
  };
  const n = contextTokens((await windowsOf(uncased, input))[0]);
  // Two equal markers of each kind: P(golden) = P(gate) = e^s / (2e^s + e^(s/√2) + n − 2).
  const p = Math.exp(STRENGTH) /
    (2 * Math.exp(STRENGTH) + Math.exp(STRENGTH / Math.SQRT2) + n - 2);
  const [merged, across] = await qa.answer(input, { topK: 2 });
  assertEquals([merged.answer, merged.start, merged.end], ["Golden Gate", 4, 15]);
  assertClose(merged.score, 2 * p * p, 1e-6, "two spans summed");
  assertEquals(across.answer, "Golden Gate is red, and the golden gate");
  assertClose(across.score, p * p, 1e-6, "one span");
  qa.dispose();
});

Deno.test("input forms: a list, and {question: [...], context} with one context or one each", async () => {
  const qa = await QuestionAnsweringPipeline.fromPretrained(TINY, { log: () => {} });
  const questions = ["Where was the party?", "When was it?"];
  const contexts = ["The party was in Paris in 2024.", "It rained in Rome on Monday."];
  const one = await Promise.all(
    questions.map((question) => qa.answer({ question, context: contexts[0] })),
  );
  assertEquals(await qa.answer({ question: questions, context: contexts[0] }), one);
  const each = await qa.answer(
    questions.map((question, i) => ({ question, context: contexts[i] })),
  );
  assertEquals(await qa.answer({ question: questions, context: contexts }), each);
  assertEquals(each[1], await qa.answer({ question: questions[1], context: contexts[1] }));
  const uneven = await assertRejects(() =>
    qa.answer({ question: questions, context: contexts.slice(0, 1) })
  );
  assertEquals(
    (uneven as Error).message,
    "questions and contexts differ in number: 2 questions, 1 contexts",
  );
  const notText = await assertRejects(() =>
    qa.answer({ question: questions, context: 7 as unknown as string })
  );
  assert(String(notText).includes("the context must be a string or a list of strings"));
  qa.dispose();
});

Deno.test("transformers' window defaults: docStride is half of a short maxLength", async () => {
  const qa = await QuestionAnsweringPipeline.fromPretrained(TINY, { log: () => {} });
  const input = { question: "What is said?", context: filler(0, 40) };
  const answers = await qa.answer(input, { maxLength: 64, topK: 5 });
  assertEquals(answers, await qa.answer(input, { maxLength: 64, docStride: 32, topK: 5 }));
  assert(JSON.stringify(answers) !== JSON.stringify(await qa.answer(input, { topK: 5 })));
  for (const docStride of [65, 0, 1.5]) {
    const error = await assertRejects(() => qa.answer(input, { maxLength: 64, docStride }));
    assert(error instanceof RangeError && /docStride/.test(error.message), String(error));
  }
  qa.dispose();
});

// transformers' decoding (QuestionAnsweringPipeline.postprocess of 4.57), written out plainly:
// every window on its own through the model, every (start, end) pair of context tokens scored
// P(start) × P(end), each window's best topK·2 + 10 spans widened to the words of their first and
// last tokens, spans of the same text (case aside) summed into the first, all ranked together.
async function referenceAnswers(
  model: InferenceModel,
  tokenizer: QATokenizer,
  input: QuestionContext,
  options: { topK: number; maxAnswerLength: number; handleImpossibleAnswer: boolean },
): Promise<Answer[]> {
  const chars = Array.from(input.context);
  const utf16 = (codePoint: number) => chars.slice(0, codePoint).join("").length;
  const encoding = await tokenizer.encode(input.question, input.context, {
    truncation: "only_second",
    maxLength: 384,
    stride: 128,
    returnOverflowingTokens: true,
  });
  const answers: Answer[] = [];
  let nullScore = Infinity;
  for (const [w, ids] of encoding.input_ids.entries()) {
    const isContext = (k: number) => encoding.sequence_ids[w][k] === 1;
    const offsets = encoding.offset_mapping[w];
    const words = encoding.word_ids[w];
    const window = { input_ids: ids, attention_mask: encoding.attention_mask[w] };
    const logits = await predictLogits(model, [window], 1);
    const probabilities = (values: Float32Array) => {
      const kept = [...values].map((v, k) => k === 0 || isContext(k) ? v : -10000);
      const exps = kept.map((v) => Math.exp(v - Math.max(...kept)));
      return exps.map((e) => e / exps.reduce((a, b) => a + b));
    };
    const [start, end] = [probabilities(logits.startLogits[0]), probabilities(logits.endLogits[0])];
    nullScore = Math.min(nullScore, start[0] * end[0]);
    const spans: [number, number, number][] = [];
    ids.forEach((_, s) => {
      ids.forEach((_, e) => {
        if (s === 0 || !isContext(s) || !isContext(e) || e < s) return;
        if (e - s < options.maxAnswerLength) spans.push([start[s] * end[e], s, e]);
      });
    });
    spans.sort((a, b) => b[0] - a[0]);
    for (const [score, s, e] of spans.slice(0, options.topK * 2 + 10)) {
      const sameWord = (word: number | null) =>
        ids.map((_, k) => k).filter((k) => isContext(k) && words[k] === word);
      const [from, to] = [
        utf16(offsets[sameWord(words[s])[0]][0]),
        utf16(offsets[sameWord(words[e]).at(-1)!][1]),
      ];
      const text = input.context.slice(from, to);
      const known = answers.find((a) => a.answer.toLowerCase() === text.toLowerCase());
      if (known) known.score += score;
      else {
        answers.push({
          answer: text,
          score,
          start: from,
          end: to,
          startCodePoint: Array.from(input.context.slice(0, from)).length,
          endCodePoint: Array.from(input.context.slice(0, to)).length,
        });
      }
    }
  }
  if (options.handleImpossibleAnswer) {
    answers.push({
      answer: "",
      score: nullScore,
      start: 0,
      end: 0,
      startCodePoint: 0,
      endCodePoint: 0,
    });
  }
  return answers.sort((a, b) => b.score - a.score).slice(0, options.topK);
}

Deno.test("batched questions get the answers of one at a time, and transformers' decoding", async () => {
  const qa = await QuestionAnsweringPipeline.fromPretrained(TINY, { log: () => {} });
  const long = `${filler(0, 120)} The capital of France is Paris.`;
  const inputs = [
    { question: "What is the capital of France?", context: long },
    { question: "Where was the party?", context: "😀😀 The party 🎉 was in Paris 🇫🇷 in 2024." },
    { question: "Who said it?", context: long },
    { question: "Why?", context: "Because it rained all day, the match was called off." },
    { question: "When?", context: `${filler(0, 200)} It ended in 1999.` },
  ];
  const options = { topK: 4, handleImpossibleAnswer: true, maxAnswerLength: 15, batchSize: 3 };
  const batched = await qa.answer(inputs, options);
  assertEquals(batched.length, inputs.length);
  for (const [i, input] of inputs.entries()) {
    assertEquals(batched[i], await qa.answer(input, options), `input ${i}`);
    const reference = await referenceAnswers(qa.model, qa.tokenizer, input, options);
    assertEquals(
      batched[i].map((a) => [a.answer, a.start, a.end]),
      reference.map((a) => [a.answer, a.start, a.end]),
    );
    batched[i].forEach((a, k) => assertClose(a.score, reference[k].score, 1e-6, `input ${i}`));
    for (const a of batched[i]) assertEquals(input.context.slice(a.start, a.end), a.answer);
  }
  qa.dispose();
});

Deno.test("bad input is refused, naming the input and the problem", async () => {
  const qa = await QuestionAnsweringPipeline.fromPretrained(TINY, { log: () => {} });
  const ok = { question: "Where?", context: "In Paris." };
  const cases: [unknown, string][] = [
    [{ question: "", context: "In Paris." }, "the question is empty"],
    [{ question: " \t", context: "In Paris." }, "the question is empty (only whitespace)"],
    [{ question: "Where?", context: "" }, "the context is empty"],
    [{ question: "Where?", context: " \n\u3000" }, "the context is empty (only whitespace)"],
    [{ question: 42, context: "In Paris." }, "the question must be a string, got number 42"],
    [{ question: "Where?", context: null }, "the context must be a string, got null"],
    [{ question: "Where?" }, "the context must be a string, got undefined"],
    [{ context: "In Paris." }, "the question must be a string, got undefined"],
    ["Where?", 'expected an object {question, context}, got string "Where?"'],
    [undefined, "expected an object {question, context}, got undefined"],
    [{ question: "Where?", context: "\u200b\u200b" }, "the context has no tokens"],
    [{ question: "why ".repeat(400), context: "In Paris." }, "the question leaves no room"],
  ];
  for (const [bad, problem] of cases) {
    const error = await assertRejects(() => qa.answer([ok, bad as QuestionContext]));
    assert(error instanceof QuestionAnsweringInputError, String(error));
    assertEquals(error.index, 1);
    assert(error.message.startsWith(`input 1: ${problem}`), error.message);
  }
  const single = await assertRejects(() => qa.answer({ question: "Where?", context: "  " }));
  assertEquals((single as Error).message, "input 0: the context is empty (only whitespace)");
  const topK = await assertRejects(() => qa.answer(ok, { topK: 0 }));
  assert(String(topK).includes("topK must be a positive integer"), String(topK));
  assertEquals(await qa.answer([]), []);
  qa.dispose();
});

Deno.test("answerQuestion: answers index the JavaScript string, also after emoji", async () => {
  const qa = await QuestionAnsweringPipeline.fromPretrained(TINY, { log: () => {} });
  const context = "😀😀 The party 🎉 was held in Paris 🇫🇷 in 2024, said 𝔄lice.";
  const answers = await answerQuestion(qa.model, qa.tokenizer, "Where was the party?", context, {
    topK: 5,
  });
  assertEquals(answers.length, 5);
  for (const a of answers) {
    assertEquals(context.slice(a.start, a.end), a.answer);
    // The same place in code points, as Python (and transformers) count them.
    assertEquals(Array.from(context).slice(a.startCodePoint, a.endCodePoint).join(""), a.answer);
    assert(a.start === 0 || a.startCodePoint < a.start, "emoji before every answer");
  }
  const total = answers.reduce((sum, a) => sum + a.score, 0);
  assert(total <= 1 + 1e-9, "one window: the span probabilities sum to at most 1");
  assertEquals(
    answers,
    await qa.answer({ question: "Where was the party?", context }, { topK: 5 }),
  );
  qa.dispose();
});
