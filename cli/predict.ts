import type { Command } from "commander";
import { AtomicWriter, loadSquad, writeTextAtomic } from "../lib/data/mod.ts";
import { QuestionAnsweringModel } from "../lib/model/mod.ts";
import { answersOf, predictDataset } from "../lib/pipeline/mod.ts";
import { nbestJson } from "../lib/postprocess/mod.ts";
import { QATokenizer } from "../lib/tokenizer/mod.ts";
import { checkModel, type ModelArgs, startBackend, withModelOptions } from "./model_args.ts";
import { type DecodingArgs, positiveInt, reportSkipped, withDecodingOptions } from "./report.ts";

interface PredictArgs extends ModelArgs, DecodingArgs {
  model: string;
  data: string;
  out: string;
  rawLogits?: string;
  batchSize: number;
}

/** `qa predict`: featurize → forward → postprocess, for a whole dataset. */
export function predictCommand(program: Command): void {
  const command = program.command("predict")
    .description("answer every question of a dataset with a trained model")
    .requiredOption("--model <dir|hub-id>", "a fine-tuned question-answering checkpoint")
    .requiredOption("--data <data>", "questions and contexts (any data form)")
    .requiredOption("--out <file>", "PREDICTIONS.json: {question id: answer text}")
    .option("--raw-logits <file>", "write each feature with its start/end logits (.jsonl[.gz])")
    .option("--batch-size <n>", "features per forward pass", positiveInt("--batch-size"), 32);
  withDecodingOptions(withModelOptions(command)).action(predict);
}

async function predict(args: PredictArgs): Promise<void> {
  const folder = await checkModel(args.model, args.maxLength, args.revision);
  await startBackend(args.backend, args.webgpu, args.blas);
  const tokenizer = await QATokenizer.fromPretrained(args.tokenizer ?? folder);
  const model = await QuestionAnsweringModel.fromPretrained(folder);
  const dataset = await loadSquad(args.data);
  const started = performance.now();
  const result = await predictDataset(model, tokenizer, dataset.examples, {
    maxLength: args.maxLength,
    docStride: args.docStride,
    strict: args.strict,
    source: dataset.source,
    batchSize: args.batchSize,
    nBestSize: args.nBestSize,
    maxAnswerLength: args.maxAnswerLength,
  });
  reportSkipped(result.skipped);
  const answers = answersOf(result.predictions, args.version2WithNegative ?? false);
  await writeTextAtomic(args.out, JSON.stringify(answers, null, 2) + "\n");
  if (args.rawLogits) await writeRawLogits(args.rawLogits, result);
  if (args.nbestOut) {
    const nbest = nbestJson(result.predictions, {
      versionTwoWithNegative: args.version2WithNegative,
      nBestSize: args.nBestSize,
    });
    await writeTextAtomic(args.nbestOut, JSON.stringify(nbest, null, 2) + "\n");
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${result.predictions.length} predictions (${result.features.length} features, ` +
      `${(result.features.length / seconds).toFixed(1)} features/s) written to ${args.out}`,
  );
}

async function writeRawLogits(
  path: string,
  result: Awaited<ReturnType<typeof predictDataset>>,
): Promise<void> {
  const writer = await AtomicWriter.open(path);
  try {
    const rows = result.features.map((feature, i) => ({
      ...feature,
      start_logits: Array.from(result.logits.startLogits[i]),
      end_logits: Array.from(result.logits.endLogits[i]),
    }));
    await writer.writeJsonLines(rows);
    await writer.commit();
  } catch (e) {
    await writer.abort();
    throw e;
  }
}
