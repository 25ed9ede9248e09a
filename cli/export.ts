import type { Command } from "commander";
import { resolve } from "node:path";
import { QuestionAnsweringModel } from "../lib/model/mod.ts";
import { initBackend } from "../lib/runtime/mod.ts";

interface ExportArgs {
  onnx: string;
  model?: string;
  tokenizer?: string;
}

/** `qa export --onnx DIR`: the model as onnx/model.onnx in a Hugging Face folder. */
export function exportCommand(program: Command): void {
  program.command("export")
    .description(
      "write a model as ONNX (opset 17) into a Hugging Face folder: DIR/onnx/model.onnx, with " +
        "inputs input_ids, attention_mask (+ token_type_ids for BERT), outputs start_logits, " +
        "end_logits, dynamic batch and sequence axes: what transformers.js and --engine " +
        "onnxruntime read",
    )
    .requiredOption("--onnx <dir>", "the Hugging Face folder to write into")
    .option(
      "--model <dir|hub-id>",
      "the checkpoint to export (default: the folder itself); another one is first saved into " +
        "the folder with its tokenizer",
    )
    .option("--tokenizer <dir|hub-id>", "tokenizer to save beside it (default: the model's own)")
    .action(exportModel);
}

async function exportModel(args: ExportArgs): Promise<void> {
  await initBackend("cpu");
  const source = args.model ?? args.onnx;
  const model = await QuestionAnsweringModel.fromPretrained(source);
  try {
    if (args.model !== undefined && resolve(args.model) !== resolve(args.onnx)) {
      await model.save(args.onnx, { tokenizerFolder: args.tokenizer ?? model.source });
    }
    const started = performance.now();
    const path = await model.saveOnnx(args.onnx);
    const { size } = await Deno.stat(path);
    console.log(
      `${path}: ${model.config.modelType}, ${model.numParameters()} parameters, ` +
        `${(size / 2 ** 20).toFixed(1)} MiB, ${
          ((performance.now() - started) / 1000).toFixed(1)
        } s`,
    );
  } finally {
    model.dispose();
  }
}
