import { assert, assertEquals } from "../../test/assert.ts";
import { readGolden } from "../../test/golden.ts";
import { sharedPath } from "../../test/shared.ts";
import type { TrainFeature } from "../features/mod.ts";
import { initBackend } from "../runtime/mod.ts";
import { QuestionAnsweringModel } from "../model/mod.ts";
import { defaultArguments, Trainer } from "../train/mod.ts";
import {
  type JupyterApi,
  jupyterApi,
  liveLossChart,
  type MediaBundle,
  VEGALITE_MIME,
} from "./mod.ts";

/** A stand-in for `Deno.jupyter` that records what it was asked to display. */
function recordingJupyter() {
  const calls: { bundle: MediaBundle; options: Record<string, unknown> }[] = [];
  const api: JupyterApi = {
    display(bundle, options = {}) {
      calls.push({ bundle: bundle as MediaBundle, options: { ...options } });
      return Promise.resolve();
    },
  };
  return { api, calls };
}

type Spec = { data: { values: { series: string; step: number }[] } };

Deno.test("liveLossChart: draws once, then updates the same output as a Trainer logs", async () => {
  await initBackend("auto");
  const model = await QuestionAnsweringModel.fromPretrained(
    sharedPath("golden/models/tiny-distilbert-init"),
    { log: () => {} },
  );
  const features = await readGolden<TrainFeature>("public", "train_features.jsonl.gz");
  const { api, calls } = recordingJupyter();
  const live = liveLossChart({ jupyter: api, displayId: "loss" });
  const args = {
    ...defaultArguments(await Deno.makeTempDir()),
    maxSteps: 4,
    batchSize: 4,
    learningRate: 5e-4,
    loggingSteps: 2,
    workers: 1,
  };
  const trainer = new Trainer(model, args, features.slice(0, 16), features.slice(16, 20), {
    onLog: live.onLog,
  });
  const log = await trainer.train();
  assertEquals(live.records, log);
  assertEquals(calls.length, log.length);
  assertEquals(
    calls.map((c) => c.options),
    log.map((_, i) => ({
      raw: true,
      display_id: "loss",
      update: i > 0,
    })),
  );
  const last = calls.at(-1)!.bundle;
  const spec = last[VEGALITE_MIME] as Spec;
  assertEquals(
    spec.data.values.map((p) => [p.series, p.step]),
    log.flatMap((e) => [
      ...(e.loss !== undefined ? [["training loss", e.step]] : []),
      ...(e.eval_loss !== undefined ? [["eval loss", e.step]] : []),
    ]),
  );
  assert((last["image/svg+xml"] as string).startsWith("<svg"));
  assert((last["text/plain"] as string).startsWith("training loss: "));
});

Deno.test("liveLossChart: update() redraws with all records; outside Jupyter nothing is drawn", async () => {
  const { api, calls } = recordingJupyter();
  const live = liveLossChart({ jupyter: api });
  await live.update([{ step: 1, epoch: 0.5, loss: 5 }]);
  await live.update([{ step: 1, epoch: 0.5, loss: 5 }, { step: 2, epoch: 1, loss: 4.5 }]);
  assertEquals(calls.map((c) => c.options.update), [false, true]);
  assertEquals(calls[0].options.display_id, calls[1].options.display_id);
  assertEquals((calls[1].bundle[VEGALITE_MIME] as Spec).data.values.length, 2);

  assertEquals(jupyterApi(), undefined); // `deno test` is not the Jupyter kernel
  const quiet = liveLossChart();
  assertEquals(quiet.active, false);
  await quiet.onLog({ step: 1, epoch: 1, loss: 3 });
  assertEquals(quiet.records.length, 1);
  assertEquals(String(quiet.chart()).startsWith("training loss: 3.0000"), true);
});
