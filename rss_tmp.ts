import { loadSquad } from "./lib/data/mod.ts";
import { runLoad } from "./lib/serve/load.ts";
import { startServeProcess } from "./test/serve_process.ts";
const bodies = (await loadSquad("data/squad-v1.1-sample.json")).examples.map(({ question, context }) => ({ inputs: { question, context } }));
const server = await startServeProcess(["--model", "../shared/golden/models/tiny-distilbert-init", "--backend", "wasm"]);
const rss: number[] = [await server.rssMb()];
for (let r = 0; r < Number(Deno.env.get("ROUNDS") ?? 8); r++) {
  await runLoad(server.url, bodies, { requests: 500, concurrency: 16 });
  rss.push(await server.rssMb());
}
console.log(rss.join(" "));
await server.stop();
