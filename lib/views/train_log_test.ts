import { assert, assertEquals } from "../../test/assert.ts";
import { readTrainLog } from "./mod.ts";

const REFERENCE_LOG = new URL("./testdata/reference_run_log.jsonl", import.meta.url).pathname;

async function errorOf(promise: Promise<unknown>): Promise<string> {
  return await promise.then(() => "", (e) => (e as Error).message);
}

Deno.test("readTrainLog: the Trainer's JSON lines and a trainer_state.json", async () => {
  const log = await readTrainLog(REFERENCE_LOG);
  assertEquals(log.length, 57);
  assertEquals(log.filter((e) => e.eval_loss !== undefined).map((e) => e.step), [275, 550]);
  const dir = await Deno.makeTempDir();
  const state = `${dir}/trainer_state.json`;
  await Deno.writeTextFile(state, JSON.stringify({ global_step: 550, log_history: log }));
  assertEquals(await readTrainLog(state), log);
});

Deno.test("readTrainLog: what is not a training log is named with file and line", async () => {
  const dir = await Deno.makeTempDir();
  const bad = `${dir}/log.jsonl`;
  await Deno.writeTextFile(bad, '{"step": 1, "epoch": 0.1, "loss": 5}\n{"step": 2, "loss": "x"}\n');
  assertEquals(
    await errorOf(readTrainLog(bad)),
    `${bad}: line 2: loss is not a number, not a training log entry`,
  );
  await Deno.writeTextFile(bad, '{"epoch": 1}\n');
  assertEquals(
    await errorOf(readTrainLog(bad)),
    `${bad}: line 1: no numeric step, not a training log entry`,
  );
  await Deno.writeTextFile(bad, "{oops\n");
  assert((await errorOf(readTrainLog(bad))).startsWith(`${bad}: line 1: malformed JSON`));
  const notState = `${dir}/config.json`;
  await Deno.writeTextFile(notState, "{}");
  assertEquals(
    await errorOf(readTrainLog(notState)),
    `${notState}: no log_history list (not a trainer_state.json)`,
  );
  assertEquals(await errorOf(readTrainLog(`${dir}/none.jsonl`)), `${dir}/none.jsonl: no such file`);
});
