// A model and its tokenizer behind one call, like transformers' pipeline("question-answering").
import * as tf from "@tensorflow/tfjs";
import { type BackendName, initBackend } from "../runtime/mod.ts";
import { type EngineName, type InferenceModel, loadInferenceModel } from "../model/mod.ts";
import { QATokenizer } from "../tokenizer/mod.ts";
import { setting } from "../settings.ts";
import type { Answer } from "./answers.ts";
import { answerQuestions, type AskOptions } from "./ask.ts";
import { listInputs, type QuestionContext, type QuestionsContexts } from "./inputs.ts";

/** Options of `QuestionAnsweringPipeline.fromPretrained`. */
export interface PipelineOptions {
  /**
   * The compute backend to start ("auto": wasm, else cpu). Left out, the backend already started
   * is kept, and "auto" is started if none is.
   */
  backend?: BackendName;
  /**
   * What runs the model: "tfjs", "onnxruntime" (the folder's onnx/model.onnx, from
   * `qa export --onnx`) or "auto" (ONNX Runtime where it loads and the file is there, else tfjs).
   * Default: QA_ENGINE, else "auto".
   */
  engine?: EngineName;
  /** ONNX Runtime's intra-op threads (QA_ONNX_THREADS, else the cores). */
  threads?: number;
  /** Tokenizer folder or hub id, when not the model's own. */
  tokenizer?: string;
  /** Where loading notices go (console.warn). */
  log?: (message: string) => void;
}

/**
 * Extractive question answering with a fine-tuned checkpoint:
 *
 * ```ts
 * const qa = await QuestionAnsweringPipeline.fromPretrained("models/demo");
 * const [best] = await qa.answer({ question: "Who?", context: "..." });
 * const perQuestion = await qa.answer([{ question, context }, ...], { topK: 3 });
 * ```
 */
export class QuestionAnsweringPipeline {
  constructor(readonly model: InferenceModel, readonly tokenizer: QATokenizer) {}

  /** Loads the model and tokenizer of a Hugging Face folder or hub id. */
  static async fromPretrained(
    nameOrPath: string,
    options: PipelineOptions = {},
  ): Promise<QuestionAnsweringPipeline> {
    if (options.backend !== undefined || !tf.engine().backendName) {
      await initBackend(options.backend ?? "auto");
    }
    const tokenizer = await QATokenizer.fromPretrained(options.tokenizer ?? nameOrPath);
    const model = await loadInferenceModel(nameOrPath, {
      engine: options.engine ?? setting("QA_ENGINE"),
      threads: options.threads,
      log: options.log,
    });
    return new QuestionAnsweringPipeline(model, tokenizer);
  }

  /**
   * The answers to one question (best first, `topK` of them), or to each of a list of questions
   * (a list of `{question, context}`, or `{question: [...], context}` with one context or one
   * per question), which go through the model together and get the same answers as one at a time.
   */
  answer(input: QuestionContext, options?: AskOptions): Promise<Answer[]>;
  answer(
    inputs: readonly QuestionContext[] | QuestionsContexts,
    options?: AskOptions,
  ): Promise<Answer[][]>;
  async answer(
    input: QuestionContext | readonly QuestionContext[] | QuestionsContexts,
    options: AskOptions = {},
  ): Promise<Answer[] | Answer[][]> {
    const { inputs, single } = listInputs(input);
    const answers = await answerQuestions(
      this.model,
      this.tokenizer,
      inputs as QuestionContext[],
      options,
    );
    return single ? answers[0] : answers;
  }

  /** Frees the model's weights (or its ONNX Runtime session). */
  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}
