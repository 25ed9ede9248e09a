import type { Command } from "commander";
import { loadSquad, writeTextAtomic } from "../lib/data/mod.ts";
import {
  nbestJson,
  postprocessQaPredictions,
  predictionsV1,
  predictionsV2,
  readFeaturesWithLogits,
} from "../lib/postprocess/mod.ts";
import { QATokenizer } from "../lib/tokenizer/mod.ts";
import { type DecodingArgs, withDecodingOptions } from "./report.ts";

interface PostprocessArgs extends DecodingArgs {
  examples: string;
  features: string;
  out: string;
  tokenizer?: string;
}

/** `qa postprocess`: features with start/end logits → answer texts per question id. */
export function postprocessCommand(program: Command): void {
  const command = program.command("postprocess")
    .description("decode answers from start/end logits (n-best search, SQuAD v2 null answers)")
    .requiredOption(
      "--examples <data>",
      "the questions the features were made from (any data form)",
    )
    .requiredOption(
      "--features <file>",
      "validation features with start_logits and end_logits (.jsonl[.gz])",
    )
    .requiredOption("--out <file>", "PREDICTIONS.json: {question id: answer text}")
    .option(
      "--tokenizer <dir|hub-id>",
      "to take the [CLS] id from (default: each feature's first id)",
    );
  withDecodingOptions(command).action(postprocess);
}

async function postprocess(args: PostprocessArgs): Promise<void> {
  const dataset = await loadSquad(args.examples);
  const { features, startLogits, endLogits } = await readFeaturesWithLogits(args.features);
  const known = new Set(dataset.examples.map((e) => e.id));
  const stranger = features.find((f) => !known.has(f.example_id));
  if (stranger) {
    throw new Error(
      `${args.features}: feature of example ${stranger.example_id}, which is not in ${dataset.source}`,
    );
  }
  const clsTokenId = args.tokenizer
    ? (await QATokenizer.fromPretrained(args.tokenizer)).clsTokenId
    : features[0]?.input_ids[0] ?? 0;
  const predictions = postprocessQaPredictions(dataset.examples, features, startLogits, endLogits, {
    nBestSize: args.nBestSize,
    maxAnswerLength: args.maxAnswerLength,
    clsTokenId,
  });
  const answers = args.version2WithNegative
    ? predictionsV2(predictions)
    : predictionsV1(predictions);
  const withoutFeatures = dataset.examples.length - new Set(features.map((f) => f.example_id)).size;
  if (withoutFeatures > 0) {
    console.error(`${withoutFeatures} question(s) have no features: predicted as ""`);
  }
  await writeTextAtomic(args.out, JSON.stringify(answers, null, 2) + "\n");
  if (args.nbestOut) {
    const options = {
      versionTwoWithNegative: args.version2WithNegative,
      nBestSize: args.nBestSize,
    };
    await writeTextAtomic(
      args.nbestOut,
      JSON.stringify(nbestJson(predictions, options), null, 2) + "\n",
    );
  }
  console.log(`${predictions.length} predictions written to ${args.out}`);
}
