// Does `qa serve`'s memory plateau? Rounds of 500 SQuAD questions at 16 concurrent on loopback,
// the server's RSS (from its GET /health) after each:
//   deno run --allow-all bench/serve_memory.ts [--rounds 14] [--workers 1] [--model DIR]
// docs/serve.md quotes a run of 14 rounds.
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { loadSquad } from "../lib/data/mod.ts";
import { runLoad } from "../lib/serve/load.ts";
import { startServeProcess } from "../test/serve_process.ts";
import { sharedPath } from "../test/shared.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "14" },
    workers: { type: "string", default: "1" },
    model: { type: "string", default: sharedPath("golden/models/tiny-distilbert-init") },
  },
});
const sample = fileURLToPath(new URL("../data/squad-v1.1-sample.json", import.meta.url));
const bodies = (await loadSquad(sample)).examples
  .map(({ question, context }) => ({ inputs: { question, context } }));
const server = await startServeProcess([
  ...["--model", values.model, "--backend", "wasm", "--workers", values.workers],
]);
try {
  console.log(`RSS at start: ${await server.rssMb()} MB`);
  for (let round = 1; round <= Number(values.rounds); round++) {
    const run = await runLoad(server.url, bodies, { requests: 500, concurrency: 16 });
    console.log(
      `after ${round * 500} requests (${run.failures} failed): ${await server.rssMb()} MB`,
    );
  }
} finally {
  await server.stop();
}
