// A worker thread holding its own copy of the pipeline (its own TensorFlow.js wasm instance, so N
// workers use N cores): it answers the batches answer_workers.ts sends it, one at a time.
import type { EngineName } from "../model/mod.ts";
import { initBackend } from "../runtime/mod.ts";
import {
  type Answer,
  type AskOptions,
  QuestionAnsweringInputError,
  QuestionAnsweringPipeline,
  type QuestionContext,
} from "../pipeline/mod.ts";
import { EncodeError } from "../tokenizer/mod.ts";

/** What the pool sends. */
export type AnswerRequest =
  | {
    type: "init";
    model: string;
    tokenizer?: string;
    backend: "auto" | "wasm" | "cpu";
    blas: string;
    engine?: EngineName;
    threads?: number;
  }
  | { type: "answer"; inputs: QuestionContext[]; options: AskOptions };

/** What a worker answers, one reply per request. */
export type AnswerReply =
  | { type: "ready" }
  | { type: "answers"; answers: Answer[][] }
  | { type: "input-error"; index: number; problem: string }
  | { type: "encode-error"; message: string }
  | { type: "error"; message: string };

let pipeline: QuestionAnsweringPipeline | undefined;

const scope = self as unknown as {
  onmessage: (event: MessageEvent<AnswerRequest>) => void;
  postMessage: (message: AnswerReply) => void;
};

scope.onmessage = async ({ data }) => {
  try {
    if (data.type === "init") {
      await initBackend(data.backend, { blas: data.blas });
      pipeline = await QuestionAnsweringPipeline.fromPretrained(data.model, {
        tokenizer: data.tokenizer,
        engine: data.engine,
        threads: data.threads,
        log: () => {},
      });
      scope.postMessage({ type: "ready" });
    } else {
      const answers = await pipeline!.answer(data.inputs, data.options);
      scope.postMessage({ type: "answers", answers });
    }
  } catch (e) {
    if (e instanceof QuestionAnsweringInputError) {
      scope.postMessage({ type: "input-error", index: e.index, problem: e.problem });
    } else if (e instanceof EncodeError) {
      scope.postMessage({ type: "encode-error", message: e.message });
    } else {
      scope.postMessage({ type: "error", message: (e as Error).stack ?? String(e) });
    }
  }
};
