// A batch of requests through the pipeline in one call, and back out per request; a request the
// pipeline refuses gets its own 422 without failing the others.
import { EncodeError } from "../tokenizer/mod.ts";
import {
  type Answer,
  type AskOptions,
  QuestionAnsweringInputError,
  type QuestionAnsweringPipeline,
  type QuestionContext,
} from "../pipeline/mod.ts";
import type { Job } from "./batcher.ts";
import { type QARequest, RequestError } from "./request.ts";

/** A request as the batcher holds it: its pairs, keyed by its options. */
export interface AnswerJob extends Job {
  items: QuestionContext[];
  options: QARequest["options"];
  /** The pairs came as a list (errors name `inputs[i]`). */
  list: boolean;
}

/** The key of the options a batch must share. */
export function optionsKey(options: QARequest["options"]): string {
  return JSON.stringify(options);
}

/** `QuestionAnsweringPipeline.answer` for a list, here or on a worker. */
export type AnswerFunction = (
  inputs: QuestionContext[],
  options: AskOptions,
) => Promise<Answer[][]>;

/** A pipeline's `answer` as an `AnswerFunction`. */
export function pipelineAnswer(qa: QuestionAnsweringPipeline): AnswerFunction {
  return (inputs, options) => qa.answer(inputs, options);
}

/**
 * A `BatchRunner` over the pipeline: all pairs of all jobs (which share their options) in one
 * `answer` call, `windowsPerPass` windows per forward pass. If that call fails and there were
 * several jobs, each runs alone, so that only the one at fault gets the error.
 */
export function answerRunner(
  answer: AnswerFunction,
  windowsPerPass: number,
): (jobs: AnswerJob[]) => Promise<(Answer[][] | Error)[]> {
  const answerAll = async (jobs: AnswerJob[]): Promise<Answer[][][]> => {
    const answers = await answer(jobs.flatMap((j) => j.items), {
      ...jobs[0].options,
      batchSize: windowsPerPass,
    });
    let from = 0;
    return jobs.map((j) => answers.slice(from, from += j.items.length));
  };
  return async (jobs) => {
    try {
      return await answerAll(jobs);
    } catch (e) {
      if (jobs.length === 1) return [asRequestError(e, jobs[0])];
      const alone: (Answer[][] | Error)[] = [];
      for (const job of jobs) {
        alone.push(await answerAll([job]).then(([a]) => a, (e) => asRequestError(e, job)));
      }
      return alone;
    }
  };
}

// The pipeline's refusals of input become a 422 naming the pair; anything else stays an error.
function asRequestError(e: unknown, job: AnswerJob): Error {
  if (e instanceof QuestionAnsweringInputError) {
    const name = job.list ? `inputs[${e.index}]` : "inputs";
    return new RequestError(422, `"${name}": ${e.problem}`);
  }
  if (e instanceof EncodeError) return new RequestError(422, `"inputs": ${e.message}`);
  return e instanceof Error ? e : new Error(String(e));
}
