// "Run in this browser" in Debian's Chromium: the page loads the served model folder over HTTP
// (GET /model/...), the bundle (GET /bundle.js, built here by tools/bundle.ts) and the tfjs wasm
// files (GET /wasm/...), and answers in the tab: the same answers as the server, scores within
// 1e-5, for a short context and one of several windows. Also: the files offered are only those.
import { fileURLToPath } from "node:url";
import { assert, assertEquals } from "../../test/assert.ts";
import { sharedPath } from "../../test/shared.ts";
import { bundle } from "../../tools/bundle.ts";
import { initBackend } from "../runtime/mod.ts";
import { QuestionAnsweringPipeline } from "../pipeline/mod.ts";
import { absentForBrowser, exists } from "../../test/chromium.ts";
import type { BrowserObservations, TabAnswer } from "./browser_driver.ts";
import { DEFAULT_SERVE_OPTIONS, QAServer } from "./mod.ts";

const TINY = sharedPath("golden/models/tiny-distilbert-init");
const SCREENSHOTS = fileURLToPath(new URL("../../build/serve", import.meta.url));
const DRIVER = fileURLToPath(new URL("./browser_driver.ts", import.meta.url));

const missing = await absentForBrowser("browser test", TINY);

async function startServer() {
  await initBackend("wasm", { blas: "off" });
  const pipeline = await QuestionAnsweringPipeline.fromPretrained(TINY);
  const server = QAServer.start(pipeline, {
    ...DEFAULT_SERVE_OPTIONS,
    port: 0,
    modelName: TINY,
    limits: { ...DEFAULT_SERVE_OPTIONS.limits, maxSeqLen: pipeline.model.config.maxPositions },
  }, () => {});
  return {
    server,
    async stop() {
      await server.shutdown();
      pipeline.dispose();
    },
  };
}

async function serverAnswers(url: string, question: string, context: string) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ inputs: { question, context }, parameters: { top_k: 5 } }),
  });
  assertEquals(response.status, 200);
  return await response.json() as TabAnswer[];
}

function assertSameAnswers(tab: TabAnswer[], server: TabAnswer[], what: string) {
  assertEquals(
    tab.map((a) => [a.answer, a.start, a.end]),
    server.map((a) => [a.answer, a.start, a.end]),
    what,
  );
  tab.forEach((a, i) => {
    const gap = Math.abs(a.score - server[i].score);
    assert(
      gap <= 1e-5,
      `${what}: answer ${i} scores ${a.score} in the tab, ${server[i].score} on the server`,
    );
  });
}

Deno.test({
  name: "serve: the model files, bundle and wasm are offered read-only, nothing else",
  ignore: !(await exists(TINY)),
  async fn() {
    await bundle();
    const { server, stop } = await startServer();
    try {
      const get = (path: string, init?: RequestInit) => fetch(new URL(path, server.url), init);
      for (
        const [path, type] of [
          ["bundle.js", "text/javascript"],
          ["wasm/tfjs-backend-wasm-simd.wasm", "application/wasm"],
          ["model/config.json", "application/json"],
          ["model/tokenizer.json", "application/json"],
          ["model/model.safetensors", "application/octet-stream"],
        ]
      ) {
        const response = await get(path);
        assertEquals(response.status, 200, path);
        assert(response.headers.get("content-type")!.startsWith(type), path);
        const bytes = new Uint8Array(await response.arrayBuffer());
        if (path.startsWith("model/")) {
          assertEquals(bytes, await Deno.readFile(`${TINY}/${path.slice(6)}`), path);
        }
      }
      for (
        const path of ["model/../config.json", "model/pytorch_model.bin", "wasm/x.wasm", "model/"]
      ) {
        const response = await get(path);
        await response.body?.cancel();
        assertEquals(response.status, 404, path);
      }
      const put = await get("model/config.json", { method: "POST", body: "{}" });
      await put.body?.cancel();
      assertEquals(put.status, 405);
    } finally {
      await stop();
    }
  },
});

Deno.test({
  name:
    "serve page: Run in this browser answers in the tab as the server does (scores within 1e-5)",
  ignore: missing.length > 0,
  async fn() {
    await bundle();
    const { server, stop } = await startServer();
    let seen: BrowserObservations;
    try {
      const run = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-all", DRIVER, server.url, SCREENSHOTS],
        env: { NO_COLOR: "1" },
      }).output();
      const [stdout, stderr] = [run.stdout, run.stderr].map((b) => new TextDecoder().decode(b));
      assertEquals(run.code, 0, `browser_driver.ts failed:\n${stderr}`);
      seen = JSON.parse(stdout);
      assertEquals(seen.consoleErrors, []);
      assert(seen.answeredBy!.includes("in this browser"), seen.answeredBy!);
      assertEquals(seen.answers.length, 5);
      assertSameAnswers(
        seen.answers,
        await serverAnswers(server.url, seen.question, seen.context),
        "short",
      );
      assertEquals(seen.markedAnswer, seen.answers[0].answer);
      assert(seen.longWindows >= 3, `the long context in ${seen.longWindows} windows`);
      assertSameAnswers(
        seen.longAnswers,
        await serverAnswers(server.url, seen.question, seen.longContext),
        "long",
      );
    } finally {
      await stop();
    }
  },
});
