// The step engine the trainer picks, and the one clipping rule all engines apply.
import { assertEquals } from "../../test/assert.ts";
import { sharedPath } from "../../test/shared.ts";
import { QuestionAnsweringModel } from "../model/mod.ts";
import { initBackend } from "../runtime/mod.ts";
import { AdamW, clipFactor } from "./mod.ts";
import { chooseEngine } from "./engine.ts";

Deno.test("clipFactor is min(1, max / (norm + 1e-6)), and a limit of 0 or Infinity clips nothing", () => {
  assertEquals(clipFactor(5, 1), 1 / (5 + 1e-6));
  assertEquals(clipFactor(0.5, 1), 1);
  assertEquals(clipFactor(1e9, 0), 1);
  assertEquals(clipFactor(1e9, Infinity), 1);
});

Deno.test("chooseEngine: host in this thread, workers when asked for (started lazily)", async () => {
  await initBackend("cpu");
  const model = await QuestionAnsweringModel.fromPretrained(
    sharedPath("golden/models/tiny-distilbert-init"),
    { log: () => {} },
  );
  try {
    const options = { model, optimizer: new AdamW(model.weights), microBatchSize: 4 };
    const host = chooseEngine({ ...options, maxGradNorm: 1, workers: 1 });
    const workers = chooseEngine({ ...options, maxGradNorm: 1, workers: 2 });
    assertEquals([host.name, workers.name], ["host", "workers"]);
    await workers.sync(); // nothing started, nothing to copy
    workers.close();
  } finally {
    model.dispose();
  }
});
