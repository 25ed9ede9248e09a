// The page at `/` in Debian's Chromium: a person (page_driver.ts, in its own process) picks an
// example, types a question, presses Answer and sees `qa ask`'s answer marked in the context, the
// top answers, the logit chart and the windows; empty input and server errors get clear messages.
// Screenshots go to build/serve/ (docs/serve/ holds committed copies).
import { fileURLToPath } from "node:url";
import { assert, assertEquals } from "../../test/assert.ts";
import { qa as qaCli } from "../../test/cli.ts";
import { sharedPath } from "../../test/shared.ts";
import { loadSquad } from "../data/mod.ts";
import { initBackend } from "../runtime/mod.ts";
import { QuestionAnsweringPipeline } from "../pipeline/mod.ts";
import { DEFAULT_SERVE_OPTIONS, QAServer } from "./mod.ts";
import type { PageObservations } from "./page_driver.ts";
import { absentForBrowser } from "../../test/chromium.ts";

const TINY = sharedPath("golden/models/tiny-distilbert-init");
const SCREENSHOTS = fileURLToPath(new URL("../../build/serve", import.meta.url));
const DRIVER = fileURLToPath(new URL("./page_driver.ts", import.meta.url));

const missing = await absentForBrowser("page test", TINY);

const sample = fileURLToPath(new URL("../../data/squad-v1.1-sample.json", import.meta.url));

/** `qa ask`'s answer, from the command line, on the server's backend (our wasm kernels). */
async function askCli(question: string, context: string): Promise<string> {
  const run = await qaCli(
    "ask",
    ...["--model", TINY, "--backend", "wasm", "--blas", "off"],
    ...["--question", question, "--context", context],
  );
  assertEquals(run.code, 0, run.stderr);
  return JSON.parse(run.stdout).answer;
}

async function drive(url: string): Promise<PageObservations> {
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", DRIVER, url, SCREENSHOTS],
    env: { NO_COLOR: "1" },
  }).output();
  const [stdout, stderr] = [run.stdout, run.stderr].map((b) => new TextDecoder().decode(b));
  assertEquals(run.code, 0, `page_driver.ts failed:\n${stderr}`);
  return JSON.parse(stdout);
}

Deno.test({
  name: "serve page: ask in Chromium, see qa ask's answer marked, the n-best, the chart, windows",
  ignore: missing.length > 0,
  async fn() {
    await initBackend("wasm", { blas: "off" });
    const pipeline = await QuestionAnsweringPipeline.fromPretrained(TINY);
    const server = QAServer.start(pipeline, {
      ...DEFAULT_SERVE_OPTIONS,
      port: 0,
      modelName: TINY,
      limits: { ...DEFAULT_SERVE_OPTIONS.limits, maxSeqLen: pipeline.model.config.maxPositions },
    }, () => {});
    let seen: PageObservations;
    try {
      seen = await drive(server.url);
    } finally {
      await server.shutdown();
      pipeline.dispose();
    }
    const squad = (await loadSquad(sample)).examples;
    assertEquals(seen.emptyQuestionMessage, "Type a question first.");
    assertEquals(seen.emptyContextMessage, "Paste a context: the text to find the answer in.");
    assert(seen.exampleCount >= 20, `${seen.exampleCount} examples in the picker`);
    assertEquals([seen.filledQuestion, seen.filledContext], [squad[0].question, squad[0].context]);

    const expected = await askCli(seen.typedQuestion, squad[0].context);
    assertEquals(seen.markedAnswer, expected);
    assertEquals(seen.bestAnswer, `“${expected}”`);
    assertEquals([seen.nbestRows, seen.nbestFirst], [5, expected]);
    assert(seen.chartWidth > 100, `the logit chart is ${seen.chartWidth} pixels wide`);
    assertEquals(seen.windows, 1);

    assertEquals(seen.longMarkedAnswer, await askCli(seen.typedQuestion, seen.longContext));
    assert(seen.longWindows >= 3, `the long context in ${seen.longWindows} windows`);
    assertEquals(
      seen.serverErrorMessage,
      `The server could not answer: "inputs.question" is 2400 characters long; the limit is 2000`,
    );
  },
});
