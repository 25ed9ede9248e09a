// A model from a config alone: fromConfig, a folder with config.json and no weights, and the
// Trainer taking it down on real questions (everything from the repository, nothing from shared/).
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../../test/assert.ts";
import { loadSquad } from "../data/mod.ts";
import { prepareTrainFeatures } from "../features/mod.ts";
import { QATokenizer } from "../tokenizer/mod.ts";
import { defaultArguments, type LogEntry, Trainer } from "../train/mod.ts";
import { initBackend } from "../runtime/mod.ts";
import { weightsToSafetensors } from "./io/checkpoint.ts";
import { QuestionAnsweringModel, readConfig } from "./mod.ts";

await initBackend("auto");
const PRESET = new URL("../../presets/qa-distilbert-small", import.meta.url).pathname;
const SAMPLE = new URL("../../data/squad-v1.1-train-sample5-allennlp.json", import.meta.url)
  .pathname;
const config = await readConfig(join(PRESET, "config.json"));

async function safetensorsOf(model: QuestionAnsweringModel): Promise<Uint8Array> {
  return weightsToSafetensors(await model.weightArrays());
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

Deno.test("fromConfig: the same seed gives byte-equal safetensors, another seed other bytes", async () => {
  const [a, b, c] = [42, 42, 43].map((seed) => QuestionAnsweringModel.fromConfig(config, { seed }));
  const [bytesA, bytesB, bytesC] = await Promise.all([a, b, c].map(safetensorsOf));
  assert(sameBytes(bytesA, bytesB), "seed 42 twice");
  assert(!sameBytes(bytesA, bytesC), "seeds 42 and 43");
  assertEquals(a.numParameters(), 4_765_954); // dim 128, 4 layers, 30,522 words: "4.8M"
  [a, b, c].forEach((m) => m.dispose());
});

Deno.test("fromPretrained(a folder without weights) initialises from its config, and says so", async () => {
  const messages: string[] = [];
  const model = await QuestionAnsweringModel.fromPretrained(PRESET, {
    seed: 7,
    log: (m) => void messages.push(m),
  });
  assertEquals(messages.length, 1);
  assert(messages[0].startsWith(`${PRESET} has a config.json and no weights: all weights of `));
  assert(messages[0].includes("DistilBertForQuestionAnswering are newly initialized"));
  assert(messages[0].includes("(seed 7)"), messages[0]);
  const fresh = QuestionAnsweringModel.fromConfig(config, { seed: 7 });
  assert(sameBytes(await safetensorsOf(model), await safetensorsOf(fresh)));
  fresh.dispose();

  // Saved, the folder has weights: they load as they are, with no warning.
  const dir = await Deno.makeTempDir();
  try {
    await model.save(dir, { tokenizerFolder: PRESET });
    const quiet: string[] = [];
    const loaded = await QuestionAnsweringModel.fromPretrained(dir, {
      seed: 8,
      log: (m) => void quiet.push(m),
    });
    assertEquals(quiet, []);
    assert(sameBytes(await safetensorsOf(loaded), await safetensorsOf(model)));
    loaded.dispose();
  } finally {
    await Deno.remove(dir, { recursive: true });
    model.dispose();
  }
});

Deno.test("a folder with weights we cannot read is an error, never a random model", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.copyFile(join(PRESET, "config.json"), join(dir, "config.json"));
    await Deno.writeFile(join(dir, "pytorch_model.bin"), new Uint8Array(8));
    const error = await assertRejects(() =>
      QuestionAnsweringModel.fromPretrained(dir, { log: () => {} })
    ) as Error;
    assert(error.message.includes(`${join(dir, "model.safetensors")} not found`), error.message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a fresh model from the preset learns: the loss falls over real Trainer steps", async () => {
  const tokenizer = await QATokenizer.fromPretrained(PRESET);
  const sample = await loadSquad(SAMPLE);
  const { features } = await prepareTrainFeatures(tokenizer, sample.examples, {
    source: sample.source,
  });
  assertEquals(features.length, 5);
  const model = await QuestionAnsweringModel.fromPretrained(PRESET, { log: () => {} });
  const log: LogEntry[] = [];
  const outputDir = await Deno.makeTempDir();
  const args = {
    ...defaultArguments(outputDir),
    epochs: 6,
    batchSize: 5,
    learningRate: 5e-4,
    loggingSteps: 1,
  };
  try {
    await new Trainer(model, args, features, [], { onLog: (e) => void log.push(e) }).train();
  } finally {
    await Deno.remove(outputDir, { recursive: true });
    model.dispose();
  }
  const losses = log.filter((e) => e.loss !== undefined).map((e) => e.loss!);
  assertEquals(losses.length, 6);
  // A random start predicts about uniformly over 384 positions: loss ≈ ln 384 ≈ 5.95.
  assert(Math.abs(losses[0] - Math.log(384)) < 0.3, `first loss ${losses[0]}`);
  assert(losses.at(-1)! < losses[0] - 0.3, `losses ${losses.map((l) => l.toFixed(3))}`);
});

Deno.test("a model's weights hold their data alone, and dispose() frees every tensor it made", () => {
  const before = tf.memory().numTensors;
  const model = QuestionAnsweringModel.fromConfig(config, { seed: 1 });
  assertEquals(tf.memory().numTensors - before, model.weights.size, "one tensor per weight");
  model.dispose();
  assertEquals(tf.memory().numTensors, before, "tensors left after dispose()");
});
