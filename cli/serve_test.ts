// `qa serve` as a user runs it: it prints the address it bound (loopback by default), answers
// what `qa ask` answers, and on SIGTERM finishes the requests in flight and exits 0.
import { assert, assertEquals } from "../test/assert.ts";
import { qa } from "../test/cli.ts";
import { startServeProcess } from "../test/serve_process.ts";
import { sharedPath } from "../test/shared.ts";

const TINY = sharedPath("golden/models/tiny-distilbert-init");
const present = await Deno.stat(TINY).then(() => true, () => false);
if (!present) console.warn(`skipping the qa serve tests: ${TINY} is absent`);

const question = "What is the bridge called?";
const context =
  "Ships pass under it every day. The bridge is called the Golden Gate, and it is red.";

Deno.test({
  name: "qa serve: prints its loopback address, answers as qa ask, stops cleanly on SIGTERM",
  ignore: !present,
  async fn() {
    const server = await startServeProcess(["--model", TINY, "--backend", "wasm"]);
    let stopped: Deno.CommandStatus | undefined;
    try {
      assert(server.url.startsWith("http://127.0.0.1:"), `bound to ${server.url}`);
      const ask = await qa(
        "ask",
        ...["--model", TINY, "--backend", "wasm", "--blas", "off", "--top-k", "3"],
        ...["--question", question, "--context", context],
      );
      assertEquals(ask.code, 0, ask.stderr);
      const body = JSON.stringify({ inputs: { question, context }, parameters: { top_k: 3 } });
      const post = () => fetch(server.url, { method: "POST", body }).then((r) => r.json());
      assertEquals(await post(), JSON.parse(ask.stdout));

      // SIGTERM with requests on their way (lib/serve/server_test.ts checks that those in flight
      // are answered): any answer given is right, and the process exits 0.
      // settled at once, so a request refused while the server stops is never an unhandled rejection
      const inFlight = Promise.allSettled(Array.from({ length: 6 }, post));
      await new Promise((resolve) => setTimeout(resolve, 20));
      stopped = await server.stop("SIGTERM");
      for (const answered of await inFlight) {
        if (answered.status === "fulfilled" && !("error" in answered.value)) {
          assertEquals(answered.value, JSON.parse(ask.stdout));
        }
      }
      assertEquals(stopped.code, 0, server.output());
      assert(/SIGTERM: finishing the requests in flight/.test(server.output()), server.output());
      assert(/stopped after \d+ requests/.test(server.output()), server.output());
    } finally {
      if (!stopped) await server.stop("SIGKILL");
    }
  },
});

Deno.test({
  name: "qa serve: a bad option or an absent model is one clear line, exit 1",
  ignore: !present,
  async fn() {
    const port = await qa("serve", "--model", TINY, "--port", "http");
    assertEquals(port.code, 1);
    assert(port.stderr.includes("--port must be an integer ≥ 0, got http"), port.stderr);
    const model = await qa("serve", "--model", "/nonexistent/model", "--backend", "wasm");
    assertEquals(model.code, 1);
    assert(model.stderr.includes("/nonexistent/model"), model.stderr);
  },
});
