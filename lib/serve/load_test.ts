// A bounded load test on loopback: `qa serve` (in its own process, as deployed) with the tiny
// model takes 2,000 SQuAD questions at 16 in flight with no failure; p50/p99 latency and
// requests/s are printed, no tensor outlives its request, and the server's memory growth stays
// bounded.
import { fileURLToPath } from "node:url";
import { assert, assertEquals } from "../../test/assert.ts";
import { sharedPath } from "../../test/shared.ts";
import { loadSquad } from "../data/mod.ts";
import { describeLoad, runLoad } from "./load.ts";
import { startServeProcess } from "../../test/serve_process.ts";
import { setting } from "../settings.ts";

const TINY = sharedPath("golden/models/tiny-distilbert-init");
const present = await Deno.stat(TINY).then(() => true, () => false);
if (!present) console.warn(`skipping the load test: ${TINY} is absent (see ../shared/README.md)`);

const REQUESTS = setting("QA_SERVE_LOAD_REQUESTS");
const CONCURRENCY = 16;
/**
 * Growth of the server's resident memory allowed over the measured run. Its RSS rises 40–70 MB
 * over the first 3,000 requests while the allocator settles, then falls back and stays flat
 * (bench/serve_memory.ts, docs/serve.md). This bound sits well above that settling and catches a
 * leak of more than ~80 KB a request — a window's activations or logits kept per request — over
 * 2,000 requests; the flat plateau itself is measured by the bench, not here.
 */
const RSS_GROWTH_MB = 160;

Deno.test({
  name: `serve load: ${REQUESTS} requests at ${CONCURRENCY} concurrent, no failure, bounded memory`,
  ignore: !present,
  async fn() {
    const sample = fileURLToPath(new URL("../../data/squad-v1.1-sample.json", import.meta.url));
    const bodies = (await loadSquad(sample)).examples
      .map(({ question, context }) => ({ inputs: { question, context } }));
    const server = await startServeProcess(["--model", TINY, "--backend", "wasm"]);
    try {
      const warm = await runLoad(server.url, bodies, { requests: 100, concurrency: CONCURRENCY });
      assertEquals(warm.failures, 0, warm.failureReasons.join("\n"));
      const before = await server.health();
      const run = await runLoad(server.url, bodies, {
        requests: REQUESTS,
        concurrency: CONCURRENCY,
      });
      const after = await server.health();
      const [rssBefore, rssAfter] = [before.rss_mb as number, after.rss_mb as number];
      console.log(`qa serve (tiny model): ${describeLoad(run)}`);
      console.log(`server RSS ${rssBefore} MB before, ${rssAfter} MB after`);
      assertEquals(run.failures, 0, run.failureReasons.join("\n"));
      assertEquals(run.latencies.length, REQUESTS);
      assertEquals(after.tensors, before.tensors, "tensors left behind by the requests");
      assert(
        rssAfter - rssBefore < RSS_GROWTH_MB,
        `the server's RSS grew ${(rssAfter - rssBefore).toFixed(0)} MB over ${REQUESTS} requests`,
      );
    } finally {
      await server.stop();
    }
  },
});
