import type { Command } from "commander";
import { AtomicWriter, loadSquad } from "../lib/data/mod.ts";
import { trainFeatureBatches, validationFeatureBatches } from "../lib/features/mod.ts";
import { QATokenizer } from "../lib/tokenizer/mod.ts";
import { withFeatureOptions } from "./model_args.ts";
import { reportSkipped } from "./report.ts";

interface FeaturizeArgs {
  tokenizer: string;
  input: string;
  mode: "train" | "validation";
  maxLength: number;
  docStride: number;
  out: string;
  strict?: boolean;
}

/** `qa featurize`: SQuAD data → tokenized features, one JSON object per line. */
export function featurizeCommand(program: Command): void {
  const command = program.command("featurize")
    .description("tokenize questions and contexts into model features (prepare_*_features)")
    .requiredOption("--tokenizer <dir|hub-id>", "tokenizer folder or Hugging Face hub id")
    .requiredOption(
      "--input <data>",
      "SQuAD JSON, JSONL (.gz), URL, or squad[:split] / squad_v2[:split]",
    )
    .requiredOption(
      "--mode <mode>",
      "train (labelled windows) or validation (offsets for decoding)",
    )
    .requiredOption("--out <file>", "FEATURES.jsonl or FEATURES.jsonl.gz");
  withFeatureOptions(command).action(featurize);
}

async function featurize(args: FeaturizeArgs): Promise<void> {
  if (args.mode !== "train" && args.mode !== "validation") {
    throw new Error(`--mode must be train or validation, got ${args.mode}`);
  }
  const started = performance.now();
  const dataset = await loadSquad(args.input);
  const tokenizer = await QATokenizer.fromPretrained(args.tokenizer);
  const options = {
    maxLength: args.maxLength,
    docStride: args.docStride,
    source: dataset.source,
    strict: args.strict,
  };
  const batches = args.mode === "train"
    ? trainFeatureBatches(tokenizer, dataset.examples, options)
    : validationFeatureBatches(tokenizer, dataset.examples, options);
  const writer = await AtomicWriter.open(args.out);
  let features = 0;
  const skipped = [];
  try {
    for await (const batch of batches) {
      await writer.writeJsonLines(batch.features);
      features += batch.features.length;
      skipped.push(...batch.skipped);
    }
    await writer.commit();
  } catch (e) {
    await writer.abort();
    throw e;
  }
  const seconds = (performance.now() - started) / 1000;
  reportSkipped(skipped);
  console.log(
    `${args.mode} features: ${dataset.examples.length - skipped.length} questions → ${features} ` +
      `features in ${seconds.toFixed(1)} s, written to ${args.out}`,
  );
}
