// transformers.js's own pipeline("question-answering") (`@huggingface/transformers`) on a folder
// exported with `qa export --onnx` (onnx/model.onnx beside config.json and the tokenizer files),
// with nothing fetched; and our answers beside its answers, as a table.
//
// By design transformers.js decodes an answer from its tokens (lower case with an uncased
// tokenizer) where we slice the context, and it has no max_answer_len and no doc_stride windows (it
// truncates a long context): on short contexts the two agree answer for answer, case aside
// (lib/pipeline/onnx_engine_test.ts).
import { basename, dirname, resolve } from "node:path";
import { TableView } from "../views/table.ts";
import type { Answer } from "./answers.ts";

/** One answer of transformers.js's pipeline. */
export interface TransformersJsAnswer {
  answer: string;
  score: number;
}

/** transformers.js's question answerer: the top `topK` answers of one question. */
export interface TransformersJsQuestionAnswerer {
  answer(question: string, context: string, topK?: number): Promise<TransformersJsAnswer[]>;
  dispose(): Promise<void>;
}

/** What we use of transformers.js. */
interface TransformersJs {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string };
  pipeline(
    task: "question-answering",
    model: string,
    options: { dtype: string; device: string },
  ): Promise<
    ((question: string, context: string, options: { top_k: number }) => Promise<unknown>) & {
      dispose(): Promise<void>;
    }
  >;
}

// Imported by a computed name, outside the type check: its typings bring in @types/node (through
// protobufjs 7), which would retype node:assert for the whole program.
const TRANSFORMERS_JS = "@huggingface/transformers";

/**
 * transformers.js's pipeline("question-answering") on `folder` (which must hold
 * onnx/model.onnx: `QuestionAnsweringModel.saveOnnx` or `qa export --onnx`), in fp32 on the CPU,
 * local files only.
 */
export async function transformersJsPipeline(
  folder: string,
): Promise<TransformersJsQuestionAnswerer> {
  const path = resolve(folder);
  try {
    await Deno.stat(`${path}/onnx/model.onnx`);
  } catch {
    throw new Error(`${path}: no onnx/model.onnx (export it first: qa export --onnx ${folder})`);
  }
  const { env, pipeline } = await import(TRANSFORMERS_JS) as TransformersJs;
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${dirname(path)}/`;
  const answerer = await pipeline("question-answering", basename(path), {
    dtype: "fp32",
    device: "cpu",
  });
  return {
    async answer(question, context, topK = 1) {
      const answers = await answerer(question, context, { top_k: topK });
      return (Array.isArray(answers) ? answers : [answers]) as TransformersJsAnswer[];
    },
    dispose: () => answerer.dispose(),
  };
}

/** Our answers and transformers.js's for one question, rank by rank. */
export function answersSideBySide(
  ours: readonly Answer[],
  theirs: readonly TransformersJsAnswer[],
): TableView {
  const ranks = Math.max(ours.length, theirs.length);
  const rows = Array.from({ length: ranks }, (_, k) => ({
    rank: String(k + 1),
    ours: ours[k]?.answer ?? "",
    "our score": ours[k]?.score.toFixed(6) ?? "",
    "transformers.js": theirs[k]?.answer ?? "",
    "its score": theirs[k]?.score.toFixed(6) ?? "",
  }));
  return new TableView(Object.keys(rows[0] ?? { rank: "" }), rows, {
    textColumns: ["ours", "transformers.js"],
  });
}
