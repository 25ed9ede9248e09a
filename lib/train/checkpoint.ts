// Trainer checkpoints: `checkpoint-<step>/` holds the model (a loadable HF folder), the AdamW
// moments (optimizer.safetensors) and trainer_state.json (step, log, the arguments that fix the
// data order), so a resumed run continues exactly where it stopped.
import * as tf from "@tensorflow/tfjs";
import { dirname, join } from "node:path";
import { writeTextAtomic } from "../data/mod.ts";
import { syncFolder, writeFileDurable } from "../fs/mod.ts";
import type { QuestionAnsweringModel } from "../model/mod.ts";
import { readSafetensors, serializeSafetensors, toFloat32 } from "../model/io/safetensors.ts";
import type { AdamW } from "./adamw.ts";
import type { TrainingArguments } from "./args.ts";
import { stagingPath } from "./staging.ts";
import type { LogEntry } from "./log.ts";

/** Where training stands. */
export interface TrainerState {
  globalStep: number;
  logHistory: LogEntry[];
}

// The arguments a resumed run must share with the run it continues.
const PINNED = [
  "batchSize",
  "seed",
  "shuffle",
  "epochs",
  "maxSteps",
  "learningRate",
  "warmupRatio",
];

/** Writes `checkpoint-<step>` under the output folder and prunes old ones. */
export async function saveTrainerCheckpoint(
  args: TrainingArguments,
  model: QuestionAnsweringModel,
  optimizer: AdamW,
  state: TrainerState,
): Promise<string> {
  const folder = join(args.outputDir, `checkpoint-${state.globalStep}`);
  const staging = stagingPath(folder);
  await optimizer.syncFromDevice();
  await Deno.remove(staging, { recursive: true }).catch(() => {});
  try {
    await model.save(staging, { tokenizerFolder: args.tokenizerFolder });
    await writeFileDurable(join(staging, "optimizer.safetensors"), optimizerBytes(optimizer));
    const trainerState = {
      global_step: state.globalStep,
      log_history: state.logHistory,
      args: Object.fromEntries(PINNED.map((key) => [key, args[key as keyof TrainingArguments]])),
    };
    await writeTextAtomic(
      join(staging, "trainer_state.json"),
      JSON.stringify(trainerState, null, 2),
    );
    await Deno.remove(folder, { recursive: true }).catch(() => {});
    await Deno.rename(staging, folder);
    await syncFolder(args.outputDir);
  } catch (e) {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
    throw new Error(`${folder}: the checkpoint could not be written (${(e as Error).message})`);
  }
  await pruneCheckpoints(args.outputDir, args.saveTotalLimit);
  return folder;
}

function optimizerBytes(optimizer: AdamW): Uint8Array {
  const tensors = [];
  for (const label of ["exp_avg", "exp_avg_sq"] as const) {
    for (const [i, name] of optimizer.layout.names.entries()) {
      const { first, second } = optimizer.moments(name);
      tensors.push({
        name: `${label}.${name}`,
        dtype: "F32" as const,
        shape: optimizer.layout.shapes[i],
        data: label === "exp_avg" ? first : second,
      });
    }
  }
  return serializeSafetensors(tensors, { step: String(optimizer.state.step) });
}

/**
 * Restores a checkpoint into `model` and `optimizer` and returns the trainer state. A checkpoint
 * of a run with another batch size, seed, schedule or data order is refused: it could not
 * continue that run exactly.
 */
export async function loadTrainerState(
  folder: string,
  model: QuestionAnsweringModel,
  optimizer: AdamW,
  args: TrainingArguments,
): Promise<TrainerState> {
  const statePath = join(folder, "trainer_state.json");
  const saved = await readTrainerState(statePath);
  for (const key of PINNED) {
    const now = args[key as keyof TrainingArguments];
    if (saved.args[key] !== now && !(saved.args[key] == null && now == null)) {
      throw new Error(
        `${statePath}: the checkpoint was trained with ${key} ${
          saved.args[key]
        }, this run has ${now}`,
      );
    }
  }
  await assignWeights(join(folder, "model.safetensors"), model.weights);
  await restoreOptimizer(join(folder, "optimizer.safetensors"), optimizer);
  return { globalStep: saved.global_step, logHistory: saved.log_history };
}

interface SavedState {
  global_step: number;
  log_history: LogEntry[];
  args: Record<string, unknown>;
}

// trainer_state.json, every field checked: a bad one is named rather than trained on.
async function readTrainerState(path: string): Promise<SavedState> {
  let saved: Record<string, unknown>;
  try {
    saved = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    throw new Error(`${path}: not a trainer checkpoint (${(e as Error).message})`);
  }
  if (typeof saved !== "object" || saved === null || Array.isArray(saved)) {
    throw new Error(`${path}: not a trainer checkpoint (expected a JSON object)`);
  }
  if (!Number.isSafeInteger(saved.global_step) || (saved.global_step as number) < 0) {
    throw new Error(
      `${path}: field "global_step" must be an integer ≥ 0, got ${
        JSON.stringify(saved.global_step)
      }`,
    );
  }
  if (!Array.isArray(saved.log_history)) {
    throw new Error(`${path}: field "log_history" must be a list`);
  }
  if (typeof saved.args !== "object" || saved.args === null) {
    throw new Error(
      `${path}: no "args" field, so not a checkpoint written by qa train (a transformers ` +
        `Trainer checkpoint keeps its optimizer in optimizer.pt, which cannot be read here); ` +
        `start a new run from its weights with --model ${dirname(path)} instead of --resume`,
    );
  }
  return saved as unknown as SavedState;
}

async function assignWeights(path: string, weights: Map<string, tf.Variable>): Promise<void> {
  const { tensors } = await readSafetensors(path);
  for (const [name, variable] of weights) {
    const stored = tensors.get(name);
    if (!stored) throw new Error(`${path}: tensor ${name} is missing`);
    tf.tidy(() => variable.assign(tf.tensor(toFloat32(stored, name), variable.shape, "float32")));
  }
}

async function restoreOptimizer(path: string, optimizer: AdamW): Promise<void> {
  const { tensors, metadata } = await readSafetensors(path);
  optimizer.dispose();
  const step = Number(metadata?.step ?? 0);
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new Error(
      `${path}: metadata "step" must be an integer ≥ 0, got ${JSON.stringify(metadata?.step)}`,
    );
  }
  optimizer.state.step = step;
  for (const name of optimizer.layout.names) {
    const m = tensors.get(`exp_avg.${name}`);
    const v = tensors.get(`exp_avg_sq.${name}`);
    if (!m || !v) continue; // no gradient yet: zeros, as PyTorch starts a missing state
    const { first, second } = optimizer.moments(name);
    for (
      const [into, stored, label] of [[first, m, "exp_avg"], [second, v, "exp_avg_sq"]] as const
    ) {
      const values = toFloat32(stored, `${label}.${name}`);
      if (values.length !== into.length) {
        throw new Error(
          `${path}: ${label}.${name} has ${values.length} values, not ${into.length}`,
        );
      }
      into.set(values);
    }
  }
}

async function pruneCheckpoints(outputDir: string, limit: number): Promise<void> {
  if (limit <= 0) return;
  const steps: number[] = [];
  for await (const entry of Deno.readDir(outputDir)) {
    const match = /^checkpoint-(\d+)$/.exec(entry.name);
    if (entry.isDirectory && match) steps.push(Number(match[1]));
  }
  steps.sort((a, b) => a - b);
  for (const step of steps.slice(0, Math.max(0, steps.length - limit))) {
    await Deno.remove(join(outputDir, `checkpoint-${step}`), { recursive: true });
  }
  await syncFolder(outputDir);
}
