// `qa serve` on loopback with the tiny model: the official Hugging Face JS client gets the
// pipeline's answers to the bit, batched requests get what they get alone, bad requests get a 4xx
// naming the field, a full queue answers 503, shutdown finishes what is in flight, and a load test.
import { InferenceClient } from "@huggingface/inference";
import { fileURLToPath } from "node:url";
import { assert, assertEquals } from "../../test/assert.ts";
import { sharedPath } from "../../test/shared.ts";
import { loadSquad } from "../data/mod.ts";
import { initBackend } from "../runtime/mod.ts";
import { type Answer, QuestionAnsweringPipeline, type QuestionContext } from "../pipeline/mod.ts";
import { AnswerWorkers, DEFAULT_SERVE_OPTIONS, QAServer, type ServeOptions } from "./mod.ts";

const TINY = sharedPath("golden/models/tiny-distilbert-init");
const present = await Deno.stat(TINY).then(() => true, () => false);
if (!present) console.warn(`skipping the serve tests: ${TINY} is absent (see ../shared/README.md)`);

// Our wasm kernels: a window's logits do not depend on its batch-mates (OpenBLAS's can, in the
// last bits), as in `qa serve`'s default.
await initBackend("auto", { blas: "off" });
const qa = present ? await QuestionAnsweringPipeline.fromPretrained(TINY) : undefined!;

const dataFile = (name: string) => fileURLToPath(new URL(`../../data/${name}`, import.meta.url));
const squad = (await loadSquad(dataFile("squad-v1.1-sample.json"))).examples;
const longContext = (await loadSquad(dataFile("tutorial-examples.json"))).examples
  .reduce((a, b) => (a.context.length >= b.context.length ? a : b));
const pairs: QuestionContext[] = [
  ...squad.slice(0, 24).map(({ question, context }) => ({ question, context })),
  { question: longContext.question, context: longContext.context },
  // Four paragraphs in one context: several windows of 384 tokens.
  {
    question: squad[0].question,
    context: [...new Set(squad.map((e) => e.context))].slice(0, 4).join("\n\n"),
  },
];

function startServer(overrides: Partial<ServeOptions> = {}): QAServer {
  return QAServer.start(qa, {
    ...DEFAULT_SERVE_OPTIONS,
    port: 0,
    modelName: TINY,
    limits: { ...DEFAULT_SERVE_OPTIONS.limits, maxSeqLen: qa.model.config.maxPositions },
    ...overrides,
  }, () => {});
}

async function post(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: !present, sanitizeOps: false, sanitizeResources: false, fn });

test("serve: the Hugging Face JS client gets the pipeline's answers, to the bit", async () => {
  const server = startServer();
  try {
    const client = new InferenceClient();
    for (const pair of pairs) {
      const inputs = { question: pair.question, context: pair.context };
      const got = await client.questionAnswering({ endpointUrl: server.url, inputs });
      const [expected] = await qa.answer(pair);
      assertEquals(
        got as unknown,
        expected as unknown,
        `question ${JSON.stringify(pair.question)}`,
      );
    }
    const windows = await qa.tokenizer.encode(pairs.at(-1)!.question, pairs.at(-1)!.context, {
      maxLength: 384,
      stride: 128,
      truncation: "only_second",
      returnOverflowingTokens: true,
    });
    assert(windows.input_ids.length >= 3, `${windows.input_ids.length} windows: too few`);
  } finally {
    await server.shutdown();
  }
});

test("serve: top_k and the other parameters, a list of inputs, as the pipeline gives them", async () => {
  const server = startServer();
  try {
    const parameters = { top_k: 3, max_answer_len: 5, handle_impossible_answer: true };
    const options = { topK: 3, maxAnswerLength: 5, handleImpossibleAnswer: true };
    const one = await post(server.url, { inputs: pairs[0], parameters });
    assertEquals(one, { status: 200, json: await qa.answer(pairs[0], options) });
    const list = await post(server.url, { inputs: pairs.slice(0, 3) });
    const expected = (await qa.answer(pairs.slice(0, 3))).map((answers) => answers[0]);
    assertEquals(list, { status: 200, json: expected });
    const windows = { max_seq_len: 128, doc_stride: 32 };
    const long = await post(server.url, { inputs: pairs.at(-1), parameters: windows });
    const [short] = await qa.answer(pairs.at(-1)!, { maxLength: 128, docStride: 32 });
    assertEquals(long, { status: 200, json: short });
  } finally {
    await server.shutdown();
  }
});

test("serve: requests that arrive together are batched and get the answers they get alone", async () => {
  const server = startServer({ maxBatch: 8, maxWaitMs: 20 });
  try {
    const alone = await Promise.all(pairs.map(async (p) => (await qa.answer(p))[0]));
    const together = await Promise.all(pairs.map((p) => post(server.url, { inputs: p })));
    assertEquals(together.map((r) => r.status), pairs.map(() => 200));
    assertEquals(together.map((r) => r.json as Answer), alone);
    const { batches, jobs } = server.stats;
    assertEquals(jobs, pairs.length);
    assert(batches < jobs / 2, `${jobs} requests in ${batches} batches: too little batching`);
  } finally {
    await server.shutdown();
  }
});

test("serve: on inference workers, the same answers to the bit; a refusal is still a 422", async () => {
  const workers = await AnswerWorkers.start(2, { model: TINY, backend: "wasm", blas: "off" });
  const server = startServer({ workers, maxBatch: 4, maxWaitMs: 5 });
  try {
    const alone = await Promise.all(pairs.map(async (p) => (await qa.answer(p))[0]));
    const together = await Promise.all(pairs.map((p) => post(server.url, { inputs: p })));
    assertEquals(together, alone.map((json) => ({ status: 200, json })));
    const health = await (await fetch(new URL("health", server.url))).json();
    assertEquals(health.workers, 2);
    const refused = await post(server.url, {
      inputs: [pairs[0], { question: "why ".repeat(40), context: "A short one." }],
      parameters: { max_seq_len: 32 },
    });
    assertEquals(refused.status, 422);
    assert(
      (refused.json as { error: string }).error.startsWith(`"inputs[1]": the question leaves no`),
      JSON.stringify(refused.json),
    );
  } finally {
    await server.shutdown();
    workers.close();
  }
});

test("serve: bad requests get a 4xx naming the field, and the server goes on", async () => {
  const server = startServer({ maxBodyBytes: 256 * 1024 });
  const ok = { question: "Who won?", context: "The Denver Broncos won the game." };
  const cases: [string, unknown, number, string][] = [
    ["malformed JSON", '{"inputs": {', 400, "malformed JSON"],
    ["empty body", "", 400, "the body is empty"],
    ["a list body", "[]", 400, "JSON object"],
    ["no inputs", { parameters: {} }, 400, `"inputs" is missing`],
    ["unknown top-level field", { inputs: ok, model: "x" }, 400, `unknown field "model"`],
    ["inputs a string", { inputs: "Who?" }, 400, `"inputs" must be an object`],
    ["empty list", { inputs: [] }, 400, `"inputs" is an empty list`],
    ["empty question", { inputs: { ...ok, question: "" } }, 400, `"inputs.question" is empty`],
    ["blank context", { inputs: { ...ok, context: "  " } }, 400, `"inputs.context" is empty`],
    ["question a number", { inputs: { ...ok, question: 3 } }, 400, `"inputs.question" must be`],
    ["no context", { inputs: { question: "Who?" } }, 400, `"inputs.context" is missing`],
    ["extra field", { inputs: { ...ok, answer: "x" } }, 400, `"inputs.answer" is unknown`],
    ["bad list entry", { inputs: [ok, { ...ok, context: 5 }] }, 400, `"inputs[1].context"`],
    ["unknown parameter", { inputs: ok, parameters: { topk: 2 } }, 400, `"parameters.topk"`],
    ["top_k 0", { inputs: ok, parameters: { top_k: 0 } }, 400, `"parameters.top_k" must be`],
    ["top_k 1.5", { inputs: ok, parameters: { top_k: 1.5 } }, 400, `"parameters.top_k"`],
    ["top_k a string", { inputs: ok, parameters: { top_k: "2" } }, 400, `"parameters.top_k"`],
    [
      "max_seq_len past the model",
      { inputs: ok, parameters: { max_seq_len: 4096 } },
      400,
      `"parameters.max_seq_len" must be between 8 and 512`,
    ],
    [
      "doc_stride not below max_seq_len",
      { inputs: ok, parameters: { max_seq_len: 64, doc_stride: 64 } },
      400,
      `"parameters.doc_stride"`,
    ],
    [
      "handle_impossible_answer a string",
      { inputs: ok, parameters: { handle_impossible_answer: "yes" } },
      400,
      `"parameters.handle_impossible_answer"`,
    ],
    [
      "a question that leaves no room for the context",
      { inputs: { ...ok, question: "why ".repeat(40) }, parameters: { max_seq_len: 32 } },
      422,
      `"inputs": the question leaves no room for the context`,
    ],
    [
      "a context too long",
      { inputs: { ...ok, context: "word ".repeat(30_000) } },
      413,
      `"inputs.context" is 150000 characters long; the limit is 100000`,
    ],
    [
      "a body over --max-body",
      { inputs: { ...ok, context: "x".repeat(300 * 1024) } },
      413,
      "the body is over 262144 bytes",
    ],
    ["too many inputs", { inputs: Array(65).fill(ok) }, 413, `"inputs" holds 65 pairs`],
  ];
  try {
    for (const [what, body, status, error] of cases) {
      const reply = await post(server.url, body);
      const message = (reply.json as { error?: string }).error ?? "";
      assertEquals(reply.status, status, `${what}: ${message}`);
      assert(message.includes(error), `${what}: ${JSON.stringify(message)} lacks ${error}`);
    }
    const notFound = await fetch(new URL("nope", server.url));
    assertEquals([notFound.status, await notFound.json()], [404, { error: "no such path: /nope" }]);
    const put = await fetch(server.url, { method: "PUT", body: "{}" });
    assertEquals([put.status, (await put.json()).error], [405, "PUT is not allowed on /"]);
    const after = await post(server.url, { inputs: ok });
    assertEquals(after, { status: 200, json: (await qa.answer(ok))[0] });
  } finally {
    await server.shutdown();
  }
});

test("serve: a full queue answers 503 with Retry-After, the others are answered", async () => {
  const server = startServer({ maxQueue: 1, maxWaitMs: 0, maxBatch: 1 });
  try {
    const pair = pairs.at(-1)!;
    const replies = await Promise.all(
      Array.from(
        { length: 24 },
        () => fetch(server.url, { method: "POST", body: JSON.stringify({ inputs: pair }) }),
      ),
    );
    const statuses = replies.map((r) => r.status);
    const bodies = await Promise.all(replies.map((r) => r.json()));
    assert(statuses.every((s) => s === 200 || s === 503), `statuses ${statuses}`);
    const busy = replies.filter((r) => r.status === 503);
    assert(busy.length > 0, "24 requests at once into a queue of 1: some must be refused");
    assert(busy.every((r) => r.headers.get("retry-after") === "1"), "503 without Retry-After");
    const [expected] = await qa.answer(pair);
    assert(bodies.filter((_, i) => statuses[i] === 200).every((b) => equal(b, expected)));
    assert(statuses.includes(200), "none answered");
  } finally {
    await server.shutdown();
  }
});

test("serve: shutdown finishes the requests in flight and refuses new ones", async () => {
  const server = startServer({ maxWaitMs: 0, maxBatch: 1 });
  const sent = Array.from({ length: 8 }, () => pairs.at(-1)!);
  const replies = sent.map((p) =>
    post(server.url, { inputs: p }).catch((e) => ({ status: 0, json: e.name }))
  );
  while (server.inFlight < 2) await new Promise((resolve) => setTimeout(resolve, 1));
  const inFlight = server.inFlight;
  await server.shutdown();
  const answers = await Promise.all(replies);
  const [expected] = await qa.answer(pairs.at(-1)!);
  const answered = answers.filter((a) => a.status === 200);
  assert(
    answered.length >= inFlight,
    `${inFlight} in flight at shutdown, ${answered.length} answered`,
  );
  assert(answered.every((a) => equal(a.json, expected)), "an answer changed during shutdown");
  for (const { status, json } of answers.filter((a) => a.status !== 200)) {
    assert(
      (status === 503 && equal(json, { error: "the server is shutting down" })) ||
        (status === 0 && json === "TypeError"),
      `refused with ${status} ${JSON.stringify(json)}`,
    );
  }
  const refused = await fetch(server.url, { method: "POST", body: "{}" }).then(
    (r) => `HTTP ${r.status}`,
    (e) => e.name,
  );
  assertEquals(refused, "TypeError", "after shutdown the port is closed");
});

test("serve: GET /health and /examples, the page and its assets", async () => {
  const server = startServer();
  try {
    const health = await (await fetch(new URL("health", server.url))).json();
    assertEquals([health.status, health.model], ["ok", TINY]);
    const examples = await (await fetch(new URL("examples", server.url))).json();
    assert(examples.length >= 20, `${examples.length} examples`);
    assertEquals(examples[0].answers[0], "Denver Broncos");
    const page = await fetch(server.url);
    assertEquals(page.headers.get("content-type"), "text/html; charset=utf-8");
    const html = await page.text();
    for (const asset of ["page.js", "page.css"]) {
      assert(html.includes(`"${asset}"`), `the page links ${asset}`);
      const file = await fetch(new URL(asset, server.url));
      assertEquals(file.status, 200);
      await file.body?.cancel();
    }
    assert(!/https?:\/\//.test(html.replace(/placeholder="[^"]*"/g, "")), "no remote assets");
  } finally {
    await server.shutdown();
  }
});

test("serve: POST /explain gives the pipeline's top answers, the windows and the logit chart", async () => {
  const server = startServer();
  try {
    const pair = pairs.at(-1)!;
    const reply = await post(new URL("explain", server.url).href, {
      inputs: pair,
      parameters: { top_k: 5 },
    });
    assertEquals(reply.status, 200, JSON.stringify(reply.json));
    const { answers, windows, chartWindow, chartSvg } = reply.json as {
      answers: Answer[];
      windows: { tokens: number; start: number; end: number; text: string }[];
      chartWindow: number;
      chartSvg: string;
    };
    assertEquals(answers, await qa.answer(pair, { topK: 5 }));
    assert(windows.length >= 3, `${windows.length} windows`);
    assertEquals(windows[0].start, 0);
    assertEquals(windows.at(-1)!.end, pair.context.trimEnd().length);
    windows.forEach((w, i) => {
      assertEquals(w.text, pair.context.slice(w.start, w.end));
      if (i > 0) {
        assert(w.start < windows[i - 1].end, `window ${i} does not overlap the one before`);
      }
    });
    const shown = windows[chartWindow];
    assert(
      shown.start <= answers[0].start && answers[0].end <= shown.end,
      "chart window lacks the answer",
    );
    assert(
      chartSvg.startsWith("<svg") && chartSvg.includes(`window ${chartWindow + 1} of`),
      "chart",
    );
    const list = await post(new URL("explain", server.url).href, { inputs: [pair] });
    assertEquals(list.status, 400);
  } finally {
    await server.shutdown();
  }
});

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
