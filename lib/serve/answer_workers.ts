// Inference workers: one pipeline per worker thread, each on its own wasm instance (one core), as
// lib/train/workers.ts does for gradients. A batch goes to an idle worker; the batcher keeps at
// most one batch per worker in flight.
import {
  type Answer,
  type AskOptions,
  QuestionAnsweringInputError,
  type QuestionContext,
} from "../pipeline/mod.ts";
import type { EngineName } from "../model/mod.ts";
import type { AnswerReply, AnswerRequest } from "./answer_worker.ts";
import { RequestError } from "./request.ts";

/** Where the workers load the model from and what they compute on. */
export interface AnswerWorkersOptions {
  model: string;
  tokenizer?: string;
  backend: "auto" | "wasm" | "cpu";
  /** BLAS choice of wasm's matrix products ("off": our wasm kernels). */
  blas: string;
  /** The inference engine (`loadInferenceModel`); "auto" when left out. */
  engine?: EngineName;
  /** ONNX Runtime's intra-op threads in each worker. */
  threads?: number;
}

/** A pool of workers, each holding the pipeline. */
export class AnswerWorkers {
  readonly #idle: number[];
  readonly #pending: ((reply: AnswerReply) => void)[] = [];

  private constructor(private readonly workers: Worker[]) {
    this.#idle = workers.map((_, k) => k);
    workers.forEach((worker, k) => {
      worker.onmessage = ({ data }: MessageEvent<AnswerReply>) => this.#pending[k]?.(data);
      worker.onerror = (event) => {
        event.preventDefault();
        this.#pending[k]?.({ type: "error", message: event.message });
      };
    });
  }

  /** Starts `count` workers and waits until each has loaded the model. */
  static async start(count: number, options: AnswerWorkersOptions): Promise<AnswerWorkers> {
    const url = new URL("./answer_worker.ts", import.meta.url);
    const pool = new AnswerWorkers(
      Array.from({ length: count }, () => new Worker(url, { type: "module" })),
    );
    try {
      await Promise.all(pool.workers.map((_, k) => pool.#ask(k, { type: "init", ...options })));
    } catch (e) {
      pool.close();
      throw e;
    }
    return pool;
  }

  /** Number of workers. */
  get size(): number {
    return this.workers.length;
  }

  /**
   * The pipeline's answers on an idle worker; its refusals come back as the pipeline's
   * `QuestionAnsweringInputError`, or a 422 `RequestError` for what the tokenizer refuses.
   */
  async answer(inputs: QuestionContext[], options: AskOptions): Promise<Answer[][]> {
    const k = this.#idle.pop();
    if (k === undefined) {
      throw new Error("answer workers: no idle worker (more batches than workers)");
    }
    try {
      return await this.#ask(k, { type: "answer", inputs, options });
    } finally {
      this.#idle.push(k);
    }
  }

  /** Stops every worker. */
  close(): void {
    for (const worker of this.workers) worker.terminate();
  }

  #ask(k: number, request: AnswerRequest): Promise<Answer[][]> {
    return new Promise((resolve, reject) => {
      this.#pending[k] = (reply) => {
        delete this.#pending[k];
        if (reply.type === "answers") resolve(reply.answers);
        else if (reply.type === "ready") resolve([]);
        else if (reply.type === "input-error") {
          reject(new QuestionAnsweringInputError(reply.index, reply.problem));
        } else if (reply.type === "encode-error") {
          reject(new RequestError(422, `"inputs": ${reply.message}`));
        } else reject(new Error(`answer worker ${k}: ${reply.message}`));
      };
      this.workers[k].postMessage(request);
    });
  }
}
