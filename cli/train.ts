import type { Command } from "commander";
import { dirname } from "node:path";
import { loadSquad, parseJsonLines, readText, writeTextAtomic } from "../lib/data/mod.ts";
import { prepareTrainFeatures } from "../lib/features/mod.ts";
import { writeAll } from "../lib/fs/mod.ts";
import { exists } from "../lib/hub/mod.ts";
import { QuestionAnsweringModel } from "../lib/model/mod.ts";
import { predictDataset, scorePredictions } from "../lib/pipeline/mod.ts";
import { QATokenizer } from "../lib/tokenizer/mod.ts";
import {
  defaultArguments,
  type LogEntry,
  OVERWRITE_FLAG,
  prepareOutputDir,
  probeWritable,
  Trainer,
} from "../lib/train/mod.ts";
import {
  checkModel,
  fraction,
  type ModelArgs,
  nonNegativeNumber,
  positiveNumber,
  startBackend,
  withModelOptions,
} from "./model_args.ts";
import { trainingBar } from "./progress.ts";
import { nonNegativeInt, positiveInt, reportSkipped } from "./report.ts";

interface TrainArgs extends ModelArgs {
  model: string;
  train: string;
  eval?: string;
  output: string;
  epochs: number;
  maxSteps?: number;
  batchSize: number;
  microBatchSize: number | "auto";
  workers: number;
  learningRate: number;
  weightDecay: number;
  warmupRatio: number;
  maxGradNorm: number;
  seed: number;
  shuffle: boolean;
  loggingSteps: number;
  saveSteps: number;
  saveTotalLimit: number;
  resume?: string;
  overwriteOutputDir?: boolean;
  log?: string;
}

/** `qa train`: fine-tune a QA model, as the tutorial's Trainer does. */
export function trainCommand(program: Command): void {
  const command = program.command("train")
    .description("fine-tune a question-answering model (Trainer: AdamW, linear decay, clipping)")
    .requiredOption(
      "--model <dir|hub-id>",
      "checkpoint to start from (a base model gets a new QA head)",
    )
    .requiredOption("--train <data>", "training questions (any data form)")
    .option("--eval <data>", "questions for evaluation loss each epoch and EM/F1 at the end")
    .requiredOption("--output <dir>", "where checkpoints and the final model go")
    .option("--epochs <n>", "passes over the training features", positiveNumber("--epochs"), 3)
    .option(
      "--max-steps <n>",
      "stop after this many steps (overrides --epochs)",
      positiveInt("--max-steps"),
    )
    .option("--batch-size <n>", "features per step", positiveInt("--batch-size"), 16)
    .option(
      "--micro-batch-size <n|auto>",
      "features per forward/backward pass (gradients of a batch's parts are averaged); " +
        "auto: the most whose activations fit the wasm heap",
      autoOr(positiveInt("--micro-batch-size")),
      "auto",
    )
    .option(
      "--workers <n>",
      "threads computing gradients, one wasm instance each (default: one per core)",
      positiveInt("--workers"),
      navigator.hardwareConcurrency,
    )
    .option("--learning-rate <lr>", "peak learning rate", positiveNumber("--learning-rate"), 2e-5)
    .option("--weight-decay <w>", "AdamW weight decay", nonNegativeNumber("--weight-decay"), 0.01)
    .option(
      "--warmup-ratio <r>",
      "fraction of steps warming up",
      fraction("--warmup-ratio"),
      0,
    )
    .option(
      "--max-grad-norm <n>",
      "gradient-norm clipping (0: off)",
      nonNegativeNumber("--max-grad-norm"),
      1,
    )
    .option("--seed <n>", "seed of the data order and new weights", nonNegativeInt("--seed"), 42)
    .option("--no-shuffle", "keep the features in file order")
    .option("--logging-steps <n>", "log every n steps", positiveInt("--logging-steps"), 50)
    .option(
      "--save-steps <n>",
      "checkpoint every n steps (0: only the final model)",
      nonNegativeInt("--save-steps"),
      0,
    )
    .option(
      "--save-total-limit <n>",
      "checkpoints kept (0: all)",
      nonNegativeInt("--save-total-limit"),
      2,
    )
    .option("--resume <checkpoint-dir>", "continue a run from one of its checkpoints")
    .option(OVERWRITE_FLAG, "replace the earlier run in a non-empty --output")
    .option("--log <file.jsonl>", "append {step, epoch, lr, loss, grad_norm} lines here");
  withModelOptions(command).action(train);
}

async function train(args: TrainArgs): Promise<void> {
  await prepareOutputDir(args.output, {
    overwrite: args.overwriteOutputDir,
    resume: args.resume,
    inputs: { "--model": args.model, "--tokenizer": args.tokenizer, "--resume": args.resume },
  });
  if (args.log) await probeWritable(dirname(args.log), "--log's folder");
  const folder = await checkModel(args.model, args.maxLength, args.revision);
  await startBackend(args.backend, args.webgpu, args.blas);
  const tokenizer = await QATokenizer.fromPretrained(args.tokenizer ?? folder);
  const featureOptions = {
    maxLength: args.maxLength,
    docStride: args.docStride,
    strict: args.strict,
  };
  const trainData = await loadSquad(args.train);
  const trainSet = await prepareTrainFeatures(tokenizer, trainData.examples, {
    ...featureOptions,
    source: trainData.source,
  });
  reportSkipped(trainSet.skipped);
  const evalData = args.eval ? await loadSquad(args.eval) : undefined;
  const evalSet = evalData
    ? await prepareTrainFeatures(tokenizer, evalData.examples, {
      ...featureOptions,
      source: evalData.source,
    })
    : undefined;
  const model = await QuestionAnsweringModel.fromPretrained(folder, { seed: args.seed });
  console.error(
    `model: ${model.config.modelType}, ${(model.numParameters() / 1e6).toFixed(1)}M parameters; ` +
      `${trainSet.features.length} train features from ${trainData.examples.length} questions`,
  );
  const trainingArgs = {
    ...defaultArguments(args.output),
    epochs: args.epochs,
    maxSteps: args.maxSteps,
    batchSize: args.batchSize,
    microBatchSize: args.microBatchSize,
    workers: args.backend === "cpu" ? 1 : args.workers,
    learningRate: args.learningRate,
    weightDecay: args.weightDecay,
    warmupRatio: args.warmupRatio,
    maxGradNorm: args.maxGradNorm,
    seed: args.seed,
    shuffle: args.shuffle,
    loggingSteps: args.loggingSteps,
    saveSteps: args.saveSteps,
    saveTotalLimit: args.saveTotalLimit,
    tokenizerFolder: tokenizer.folder,
  };
  const bar = trainingBar("train");
  const trainer = new Trainer(model, trainingArgs, trainSet.features, evalSet?.features ?? [], {
    onStep: (step, total, loss, speed) => bar.update(step, total, loss, speed),
    onLog: (entry) => writeLog(args.log, entry),
  });
  console.error(`micro-batches of ${trainer.microBatchSize} features (--micro-batch-size)`);
  if (args.resume) {
    await trainer.resumeFrom(args.resume);
    console.error(`resumed from ${args.resume} at step ${trainer.state.globalStep}`);
    if (args.log) await trimLog(args.log, trainer.state.globalStep);
  }
  const started = performance.now();
  await trainer.train();
  bar.stop();
  const minutes = (performance.now() - started) / 60000;
  await model.save(args.output, { tokenizerFolder: tokenizer.folder });
  const last = trainer.state.logHistory.filter((e) => e.loss !== undefined).at(-1);
  console.log(
    `trained ${trainer.state.globalStep} steps in ${minutes.toFixed(1)} min; ` +
      `last logged loss ${last?.loss?.toFixed(4)}; model saved to ${args.output}`,
  );
  if (evalData) {
    const versionTwo = evalData.version.startsWith("2");
    const { predictions } = await predictDataset(
      model,
      tokenizer,
      evalData.examples,
      featureOptions,
    );
    const scores = scorePredictions(evalData.examples, predictions, versionTwo);
    console.log(`evaluation on ${evalData.source}: ${JSON.stringify(scores)}`);
  }
}

async function writeLog(path: string | undefined, entry: LogEntry): Promise<void> {
  const line = JSON.stringify(entry);
  if (entry.eval_loss !== undefined) {
    console.error(`\nepoch ${entry.epoch}: eval loss ${entry.eval_loss.toFixed(4)}`);
  }
  if (path) await appendSynced(path, line + "\n");
}

// One log line, on disk before the run goes on.
async function appendSynced(path: string, text: string): Promise<void> {
  const file = await Deno.open(path, { append: true, create: true });
  try {
    await writeAll(file, new TextEncoder().encode(text));
    await file.sync();
  } finally {
    file.close();
  }
}

// A resumed run logs the steps after its checkpoint again: drop the lines the first run wrote
// for them, so each step appears once.
async function trimLog(path: string, step: number): Promise<void> {
  if (!(await exists(path))) return;
  const kept = parseJsonLines(await readText(path), path).filter((entry) =>
    (entry as LogEntry).step <= step
  );
  await writeTextAtomic(path, kept.map((entry) => JSON.stringify(entry) + "\n").join(""));
}

/** A parser that takes "auto" as it is and anything else through `parse`. */
function autoOr<T>(parse: (value: string) => T): (value: string) => T | "auto" {
  return (value) => value === "auto" ? "auto" : parse(value);
}
