// `qa serve`: the Hugging Face Inference API's question answering over HTTP, and a page that asks
// and explains. One process: requests that arrive together are batched into one pipeline call.
import * as tf from "@tensorflow/tfjs";
import { fileURLToPath } from "node:url";
import { loadSquad } from "../data/mod.ts";
import type {
  Answer,
  AskOptions,
  QuestionAnsweringPipeline,
  QuestionContext,
} from "../pipeline/mod.ts";
import { type AnswerJob, answerRunner, optionsKey, pipelineAnswer } from "./answerer.ts";
import type { AnswerWorkers } from "./answer_workers.ts";
import { Batcher, QueueFullError } from "./batcher.ts";
import { browserFile, isBrowserFile } from "./browser_files.ts";
import { explainAnswer } from "./explain.ts";
import { parseQARequest, type QARequest, RequestError, type RequestLimits } from "./request.ts";

/** How the server listens, batches and limits requests. */
export interface ServeOptions {
  hostname: string;
  /** 0: any free port (see `QAServer.url`). */
  port: number;
  /** Most question-context pairs per batch, and windows per forward pass. */
  maxBatch: number;
  /** Longest wait for a batch to fill, in milliseconds. */
  maxWaitMs: number;
  /** Most requests waiting; past it, 503 with Retry-After. */
  maxQueue: number;
  /** Largest request body in bytes; past it, 413. */
  maxBodyBytes: number;
  limits: RequestLimits;
  /** The model's name, as /health reports it. */
  modelName: string;
  /**
   * Inference workers to answer on (one batch each at a time); without them the pipeline given
   * answers on this thread. The caller closes them after `shutdown`.
   */
  workers?: AnswerWorkers;
}

/** Default limits (`qa serve`'s defaults). */
export const DEFAULT_SERVE_OPTIONS: Omit<ServeOptions, "modelName" | "limits"> & {
  limits: Omit<RequestLimits, "maxSeqLen">;
} = {
  hostname: "127.0.0.1",
  port: 8080,
  maxBatch: 16,
  maxWaitMs: 2,
  maxQueue: 256,
  maxBodyBytes: 4 * 1024 * 1024,
  limits: { maxContextChars: 100_000, maxQuestionChars: 2_000, maxInputs: 64, maxTopK: 50 },
};

const PAGE_FILES: Record<string, string> = {
  "/": "index.html",
  "/page.js": "page.js",
  "/page.css": "page.css",
};
const MIME: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
};

/** A running server: its address, and a graceful stop. */
export class QAServer {
  #closing = false;
  #inFlight = 0;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #batcher: Batcher<AnswerJob, Answer[][]>;
  #examples: Promise<object[]> | undefined;

  private constructor(
    readonly qa: QuestionAnsweringPipeline,
    readonly options: ServeOptions,
    onListen: (url: string) => void,
  ) {
    const answer = options.workers
      ? (inputs: QuestionContext[], ask: AskOptions) => options.workers!.answer(inputs, ask)
      : pipelineAnswer(qa);
    this.#batcher = new Batcher(
      { ...options, parallel: options.workers?.size ?? 1 },
      answerRunner(answer, options.maxBatch),
    );
    this.#server = Deno.serve({
      hostname: options.hostname,
      port: options.port,
      onListen: (addr) => onListen(urlOf(addr)),
    }, (request) => this.#handle(request));
  }

  /** Starts serving `qa`; `onListen` gets the bound address (default: printed). */
  static start(
    qa: QuestionAnsweringPipeline,
    options: ServeOptions,
    onListen: (url: string) => void = (url) => console.log(`qa serve: listening on ${url}`),
  ): QAServer {
    return new QAServer(qa, options, onListen);
  }

  /** The bound address, `http://host:port/`. */
  get url(): string {
    return urlOf(this.#server.addr);
  }

  /** Requests being handled now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Batches run so far and the requests and pairs in them. */
  get stats(): { batches: number; jobs: number; items: number } {
    return { ...this.#batcher.stats };
  }

  /** Refuses new requests (503), finishes those in flight, then closes the listener. */
  async shutdown(): Promise<void> {
    this.#closing = true;
    await this.#server.shutdown();
    await this.#batcher.idle();
  }

  /** Resolves when the server has stopped. */
  get finished(): Promise<void> {
    return this.#server.finished;
  }

  async #handle(request: Request): Promise<Response> {
    this.#inFlight++;
    try {
      return await this.#route(request);
    } finally {
      this.#inFlight--;
    }
  }

  async #route(request: Request): Promise<Response> {
    if (this.#closing) {
      return errorResponse(503, "the server is shutting down", { Connection: "close" });
    }
    const { pathname } = new URL(request.url);
    try {
      if (request.method === "POST" && pathname === "/") return await this.#inference(request);
      if (request.method === "POST" && pathname === "/explain") return await this.#explain(request);
      if (request.method === "GET" && pathname === "/health") return this.#health();
      if (request.method === "GET" && pathname === "/examples") {
        return json(200, await this.#loadExamples());
      }
      if (request.method === "GET" && pathname in PAGE_FILES) return await pageFile(pathname);
      if (request.method === "GET" && isBrowserFile(pathname)) {
        return await browserFile(pathname, {
          model: this.qa.model.source,
          tokenizer: this.qa.tokenizer.folder,
        });
      }
      const known = pathname === "/" || pathname === "/explain" || pathname === "/health" ||
        pathname === "/examples" || pathname in PAGE_FILES || isBrowserFile(pathname);
      return known
        ? errorResponse(405, `${request.method} is not allowed on ${pathname}`)
        : errorResponse(404, `no such path: ${pathname}`);
    } catch (e) {
      if (e instanceof RequestError) return errorResponse(e.status, e.message, e.headers);
      if (e instanceof QueueFullError) return errorResponse(503, e.message, { "Retry-After": "1" });
      console.error(`qa serve: ${request.method} ${pathname}: ${e instanceof Error ? e.stack : e}`);
      return errorResponse(500, `internal error: ${e instanceof Error ? e.message : e}`);
    }
  }

  // POST /: the Inference API contract.
  async #inference(request: Request): Promise<Response> {
    const parsed = parseQARequest(await readJson(request, this.options), this.options.limits);
    const answers = await this.#answer(parsed);
    const shaped = answers.map((list) => parsed.options.topK === 1 ? list[0] : list);
    return json(200, parsed.list ? shaped : shaped[0]);
  }

  // POST /explain: one question, its top answers, windows and logit chart (for the page).
  async #explain(request: Request): Promise<Response> {
    const parsed = parseQARequest(await readJson(request, this.options), this.options.limits);
    if (parsed.list) throw new RequestError(400, `"inputs" must be one {question, context} here`);
    const [answers] = await this.#answer(parsed);
    const explanation = await explainAnswer(this.qa, parsed.inputs[0], answers[0], parsed.options);
    return json(200, { answers, ...explanation });
  }

  #answer(parsed: QARequest): Promise<Answer[][]> {
    const job: AnswerJob = {
      key: optionsKey(parsed.options),
      items: parsed.inputs,
      options: parsed.options,
      list: parsed.list,
    };
    return this.#batcher.submit(job);
  }

  #health(): Response {
    return json(200, {
      status: "ok",
      model: this.options.modelName,
      workers: this.options.workers?.size ?? 0,
      waiting: this.#batcher.waiting,
      rss_mb: megabytes(Deno.memoryUsage().rss),
      heap_mb: megabytes(Deno.memoryUsage().heapUsed),
      tensors: tf.memory().numTensors,
      ...this.#batcher.stats,
    });
  }

  // The first question of each paragraph of the shipped SQuAD sample, for the page's picker.
  #loadExamples(): Promise<object[]> {
    this.#examples ??= (async () => {
      const file = fileURLToPath(new URL("../../data/squad-v1.1-sample.json", import.meta.url));
      const { examples } = await loadSquad(file);
      const seen = new Set<string>();
      return examples.filter((e) => !seen.has(e.context) && seen.add(e.context))
        .map(({ id, title, question, context, answers }) => ({
          id,
          title: title.replaceAll("_", " "),
          question,
          context,
          answers: answers.text,
        }));
    })();
    return this.#examples;
  }
}

function megabytes(bytes: number): number {
  return Math.round(bytes / 2 ** 20 * 10) / 10;
}

function urlOf(addr: Deno.NetAddr): string {
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return `http://${host}:${addr.port}/`;
}

// The body as JSON, refused past maxBodyBytes (413) or when it is not JSON (400).
async function readJson(request: Request, options: ServeOptions): Promise<unknown> {
  const limit = options.maxBodyBytes;
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > limit) throw tooLarge(declared, limit);
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    for await (const chunk of request.body) {
      size += chunk.length;
      if (size > limit) throw tooLarge(size, limit);
      chunks.push(chunk);
    }
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) bytes.set(chunk, (at += chunk.length) - chunk.length);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new RequestError(400, "the body is not UTF-8 text");
  }
  if (text.trim() === "") throw new RequestError(400, 'the body is empty; send JSON {"inputs"}');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RequestError(400, `malformed JSON: ${e instanceof Error ? e.message : e}`);
  }
}

function tooLarge(size: number, limit: number): RequestError {
  return new RequestError(413, `the body is over ${limit} bytes (${size} or more); see --max-body`);
}

async function pageFile(pathname: string): Promise<Response> {
  const name = PAGE_FILES[pathname];
  const body = await Deno.readFile(new URL(`./page/${name}`, import.meta.url));
  return new Response(body, {
    headers: { "content-type": MIME[name.split(".").pop()!], "cache-control": "no-cache" },
  });
}

function json(status: number, body: unknown, headers: HeadersInit = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

function errorResponse(status: number, error: string, headers: HeadersInit = {}): Response {
  return json(status, { error }, headers);
}
