// The Trainer on the tiny golden DistilBERT: schedule, logging, checkpoints, exact resume, memory.
import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertSameArrays } from "../../test/assert.ts";
import { readGolden } from "../../test/golden.ts";
import { sharedPath } from "../../test/shared.ts";
import type { TrainFeature } from "../features/mod.ts";
import { initBackend } from "../runtime/mod.ts";
import { inputsOf, labelsOf, QuestionAnsweringModel } from "../model/mod.ts";
import {
  AdamW,
  defaultArguments,
  epochOrder,
  linearSchedule,
  type LogEntry,
  Trainer,
  trainStep,
} from "./mod.ts";

await initBackend("auto");
const TINY = sharedPath("golden/models/tiny-distilbert-init");
const features = (await readGolden<TrainFeature>("public", "train_features.jsonl.gz")).slice(0, 24);
const load = () => QuestionAnsweringModel.fromPretrained(TINY, { log: () => {} });
// The tiny model with DistilBERT's usual dropout (0.1 everywhere) instead of none.
const tiny = await load();
const dropoutConfig = { ...tiny.config, hiddenDropout: 0.1, attentionDropout: 0.1, qaDropout: 0.1 };
const tinyWeights = await tiny.weightArrays();
tiny.dispose();
const loadWithDropout = () =>
  QuestionAnsweringModel.fromWeights(dropoutConfig, tinyWeights, { log: () => {} });

function args(outputDir: string) {
  return {
    ...defaultArguments(outputDir),
    epochs: 2,
    batchSize: 8,
    learningRate: 5e-4,
    loggingSteps: 2,
    saveSteps: 3,
    saveTotalLimit: 1,
  };
}

async function weightsOf(model: QuestionAnsweringModel): Promise<Float32Array[]> {
  return await Promise.all(
    [...model.weights.values()].map(async (w) => (await w.data()) as Float32Array),
  );
}

Deno.test("a run stopped at a checkpoint and resumed ends with the same weights", async () => {
  // With dropout on: the resumed run must draw the masks the uninterrupted one drew.
  const straightDir = await Deno.makeTempDir();
  const straight = loadWithDropout();
  const log: LogEntry[] = [];
  await new Trainer(straight, { ...args(straightDir), saveSteps: 0 }, features, [], {
    onLog: (e) => void log.push(e),
  }).train();
  assertEquals(log.map((e) => e.step), [2, 4, 6]);

  // The same run, killed right after its checkpoint at step 3 ...
  const dir = await Deno.makeTempDir();
  const killed = loadWithDropout();
  const stop = () => {
    throw new Error("killed");
  };
  const interrupted = new Trainer(killed, args(dir), features, [], { onSave: stop });
  let message = "";
  await interrupted.train().catch((e) => message = String(e));
  assert(message.includes("killed"), message);
  killed.dispose();
  // ... and resumed from it by a fresh process-like trainer.
  const resumed = loadWithDropout();
  const resumedTrainer = new Trainer(resumed, args(dir), features);
  await resumedTrainer.resumeFrom(`${dir}/checkpoint-3`);
  assertEquals(resumedTrainer.state.globalStep, 3);
  await resumedTrainer.train();
  assertSameArrays(await weightsOf(resumed), await weightsOf(straight));
  straight.dispose();
  resumed.dispose();
});

Deno.test("checkpoints hold a loadable model, the optimizer and the log; old ones are pruned", async () => {
  const dir = await Deno.makeTempDir();
  const model = await load();
  await new Trainer(model, { ...args(dir), saveTotalLimit: 1 }, features).train();
  const folders = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  assertEquals(folders, ["checkpoint-3"]);
  const names = [...Deno.readDirSync(`${dir}/checkpoint-3`)].map((e) => e.name).sort();
  assertEquals(names, [
    "config.json",
    "model.safetensors",
    "optimizer.safetensors",
    "trainer_state.json",
  ]);
  const reloaded = await QuestionAnsweringModel.fromPretrained(`${dir}/checkpoint-3`, {
    log: () => {},
  });
  assertEquals(reloaded.numParameters(), model.numParameters());
  const state = JSON.parse(await Deno.readTextFile(`${dir}/checkpoint-3/trainer_state.json`));
  assertEquals(state.global_step, 3);
  model.dispose();
  reloaded.dispose();
});

Deno.test("a checkpoint from a run with another batch size is refused", async () => {
  const dir = await Deno.makeTempDir();
  const model = await load();
  await new Trainer(model, args(dir), features).train();
  const other = new Trainer(model, { ...args(dir), batchSize: 4 }, features);
  let message = "";
  await other.resumeFrom(`${dir}/checkpoint-3`).catch((e) => message = String(e));
  assert(message.includes("batchSize"), message);
  model.dispose();
});

Deno.test("tensor count stays flat over many steps (no leaks)", async () => {
  const model = await load();
  const counts: number[] = [];
  const trainer = new Trainer(
    model,
    { ...args(await Deno.makeTempDir()), epochs: 4, saveSteps: 0 },
    features,
    features.slice(0, 8),
    {
      onStep: () => void counts.push(tf.memory().numTensors),
    },
  );
  await trainer.train();
  assertEquals(counts.length, 12);
  assertEquals(new Set(counts.slice(1)).size, 1, `tensor counts ${counts}`);
  model.dispose();
});

Deno.test("the learning rate decays linearly to 0, after an optional warmup", () => {
  const lr = linearSchedule(1e-3, 10, 2);
  assertEquals([0, 1, 2, 6, 10].map(lr), [0, 5e-4, 1e-3, 5e-4, 0]);
});

Deno.test("epoch order is a seeded shuffle, the same on every call", () => {
  const a = epochOrder(50, 1, 42, true);
  assertEquals(a, epochOrder(50, 1, 42, true));
  assert(JSON.stringify(a) !== JSON.stringify(epochOrder(50, 2, 42, true)));
  assertEquals([...a].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
  assertEquals(epochOrder(5, 0, 42, false), [0, 1, 2, 3, 4]);
});

Deno.test("micro-batches give the same step as the whole batch", async () => {
  const [whole, split] = [await load(), await load()];
  const batch = features.slice(0, 8);
  const part = (f: TrainFeature[]) => ({
    inputs: inputsOf(f),
    labels: labelsOf(f),
    size: f.length,
  });
  const a = trainStep(whole, new AdamW(whole.weights, { weightDecay: 0.01 }), part(batch), 5e-4, 1);
  const halves = [part(batch.slice(0, 4)), part(batch.slice(4))];
  const b = trainStep(split, new AdamW(split.weights, { weightDecay: 0.01 }), halves, 5e-4, 1);
  assert(Math.abs(a.loss - b.loss) <= 1e-6 * a.loss, `${a.loss} vs ${b.loss}`);
  assert(Math.abs(a.gradNorm - b.gradNorm) <= 1e-5 * a.gradNorm, `${a.gradNorm} vs ${b.gradNorm}`);
  const wordA = await whole.weights.get("distilbert.embeddings.word_embeddings.weight")!.data();
  const wordB = await split.weights.get("distilbert.embeddings.word_embeddings.weight")!.data();
  let worst = 0;
  for (let i = 0; i < wordA.length; i++) worst = Math.max(worst, Math.abs(wordA[i] - wordB[i]));
  assert(worst <= 1e-6, `embedding weights differ by ${worst}`);
  whole.dispose();
  split.dispose();
});

async function runWithWorkers(
  workers: number,
  microBatchSize?: number,
  options: { model?: QuestionAnsweringModel; seed?: number; shuffle?: boolean } = {},
) {
  const model = options.model ?? await load();
  const log: LogEntry[] = [];
  const settings = {
    ...args(await Deno.makeTempDir()),
    saveSteps: 0,
    loggingSteps: 1,
    workers,
    microBatchSize,
    seed: options.seed ?? 42,
    shuffle: options.shuffle ?? true,
  };
  await new Trainer(model, settings, features, [], { onLog: (e) => void log.push(e) }).train();
  const weights = await weightsOf(model);
  model.dispose();
  return { log, weights };
}

Deno.test("two gradient workers give the same steps as one thread", async () => {
  const [one, two] = [await runWithWorkers(1), await runWithWorkers(2)];
  one.log.forEach((entry, i) => {
    assert(
      Math.abs(entry.loss! - two.log[i].loss!) <= 1e-5 * entry.loss!,
      `step ${entry.step} loss`,
    );
    assert(
      Math.abs(entry.grad_norm! - two.log[i].grad_norm!) <= 1e-4 * entry.grad_norm!,
      "grad norm",
    );
  });
  const word = 0; // distilbert.embeddings.word_embeddings.weight, first in parameter order
  let worst = 0;
  one.weights[word].forEach((v, i) => worst = Math.max(worst, Math.abs(v - two.weights[word][i])));
  assert(worst <= 1e-5, `word embeddings differ by ${worst}`);
});

Deno.test("workers cutting the batch as one thread's micro-batches give the same bits", async () => {
  // Batches of 8: one thread runs micro-batches of 4; each of two workers runs one of them.
  // With dropout: each micro-batch's masks follow it to whichever worker runs it.
  const one = await runWithWorkers(1, 4, { model: loadWithDropout() });
  const two = await runWithWorkers(2, 4, { model: loadWithDropout() });
  assertEquals(
    two.log,
    one.log.map((e, i) => ({ ...e, features_per_second: two.log[i].features_per_second })),
  );
  assertSameArrays(two.weights, one.weights);
});

Deno.test("with dropout, a seed repeats a run to the bit; another seed draws other masks", async () => {
  // No shuffling, so that the seed changes the dropout masks and nothing else.
  const run = async (seed: number, model = loadWithDropout()) =>
    await runWithWorkers(1, undefined, { model, seed, shuffle: false });
  const first = await run(7);
  const again = await run(7);
  const other = await run(8);
  const noDropout = await run(7, await load());
  assertSameArrays(again.weights, first.weights);
  assertEquals(again.log.map((e) => e.loss), first.log.map((e) => e.loss));
  const firstLosses = (r: { log: LogEntry[] }) => r.log[0].loss!;
  assert(firstLosses(other) !== firstLosses(first), "seed 8 drew seed 7's masks");
  assert(firstLosses(noDropout) !== firstLosses(first), "dropout changed nothing");
});
