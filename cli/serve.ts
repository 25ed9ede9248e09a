import type { Command } from "commander";
import { BLAS_ENV } from "../lib/runtime/mod.ts";
import { QuestionAnsweringPipeline } from "../lib/pipeline/mod.ts";
import { AnswerWorkers, DEFAULT_SERVE_OPTIONS, QAServer } from "../lib/serve/mod.ts";
import { type ModelArgs, modelFolder, REVISION_OPTION, startBackend } from "./model_args.ts";
import { nonNegativeNumber } from "./model_args.ts";
import { positiveInt } from "./report.ts";

interface ServeArgs {
  model: string;
  revision: string;
  tokenizer?: string;
  backend: ModelArgs["backend"];
  blas: string;
  host: string;
  port: number;
  workers: number;
  maxBatch: number;
  maxWaitMs: number;
  maxQueue: number;
  maxBody: number;
  maxContextChars: number;
}

const defaults = DEFAULT_SERVE_OPTIONS;

/** `qa serve`: the Hugging Face Inference API's question answering, and a page, over HTTP. */
export function serveCommand(program: Command): void {
  program.command("serve")
    .description(
      "serve a question-answering model over HTTP: the Hugging Face Inference API on POST / " +
        "({inputs: {question, context}, parameters} -> {answer, score, start, end}), a page " +
        "that asks and explains on GET /, GET /health",
    )
    .requiredOption("--model <dir|hub-id>", "a fine-tuned question-answering checkpoint")
    .option(...REVISION_OPTION)
    .option("--tokenizer <dir|hub-id>", "tokenizer (default: the model's folder)")
    .option("--backend <name>", "auto (wasm, else cpu), wasm or cpu", "auto")
    .option(
      "--blas <off|auto|file>",
      "wasm's matrix products: off (our wasm SIMD kernels: an answer does not depend on which " +
        "requests share its batch), auto or a CBLAS file (OpenBLAS: faster, but its sums can " +
        `change in the last bits with the batch size); env ${BLAS_ENV}`,
      Deno.env.get(BLAS_ENV) ?? "off",
    )
    .option("--host <address>", "address to listen on (loopback by default)", defaults.hostname)
    .option("--port <n>", "port (0: any free port)", nonNegativeInteger("--port"), defaults.port)
    .option(
      "--workers <n>",
      "inference workers, one wasm instance (one core) each; 1: answer on the server's thread",
      positiveInt("--workers"),
      1,
    )
    .option(
      "--max-batch <n>",
      "most question-context pairs batched into one call, and windows per forward pass",
      positiveInt("--max-batch"),
      defaults.maxBatch,
    )
    .option(
      "--max-wait-ms <ms>",
      "longest wait for a batch to fill",
      nonNegativeNumber("--max-wait-ms"),
      defaults.maxWaitMs,
    )
    .option(
      "--max-queue <n>",
      "most requests waiting; past it 503 with Retry-After",
      positiveInt("--max-queue"),
      defaults.maxQueue,
    )
    .option(
      "--max-body <bytes>",
      "largest request body (413)",
      positiveInt("--max-body"),
      defaults.maxBodyBytes,
    )
    .option(
      "--max-context-chars <n>",
      "longest context in characters (413)",
      positiveInt("--max-context-chars"),
      defaults.limits.maxContextChars,
    )
    .action(serve);
}

function nonNegativeInteger(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) {
      throw new Error(`${name} must be an integer ≥ 0, got ${value}`);
    }
    return n;
  };
}

async function serve(args: ServeArgs): Promise<void> {
  const folder = await modelFolder(args.model, args.revision);
  await startBackend(args.backend, undefined, args.blas);
  const qa = await QuestionAnsweringPipeline.fromPretrained(folder, {
    tokenizer: args.tokenizer,
  });
  const workers = args.workers > 1
    ? await AnswerWorkers.start(args.workers, {
      model: folder,
      tokenizer: args.tokenizer,
      backend: workerBackend(args.backend),
      blas: args.blas,
    })
    : undefined;
  const server = QAServer.start(qa, {
    workers,
    hostname: args.host,
    port: args.port,
    maxBatch: args.maxBatch,
    maxWaitMs: args.maxWaitMs,
    maxQueue: args.maxQueue,
    maxBodyBytes: args.maxBody,
    modelName: args.model,
    limits: {
      ...defaults.limits,
      maxContextChars: args.maxContextChars,
      maxSeqLen: qa.model.config.maxPositions,
    },
  });
  let stopping: Promise<void> | undefined;
  const stop = (signal: string) => {
    if (stopping) return;
    console.error(`qa serve: ${signal}: finishing the requests in flight, refusing new ones`);
    stopping = server.shutdown();
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => stop(signal));
  }
  await server.finished;
  await stopping;
  workers?.close();
  qa.dispose();
  const { batches, jobs } = server.stats;
  console.error(`qa serve: stopped after ${jobs} requests in ${batches} batches`);
}

// Workers run wasm (one core each) or cpu; "auto" means wasm there (no GPU device per worker).
function workerBackend(backend: ModelArgs["backend"]): "wasm" | "cpu" {
  if (backend === "auto" || backend === "wasm") return "wasm";
  if (backend === "cpu") return backend;
  throw new Error(`--workers > 1 runs on wasm or cpu, not --backend ${backend}`);
}
