// The Hugging Face Inference API's question-answering request, checked field by field:
// `{"inputs": {question, context} | [...], "parameters": {top_k, ...}}`.
import type { AskOptions, QuestionContext } from "../pipeline/mod.ts";

/** A request the server refuses: the HTTP status and a message naming the field. */
export class RequestError extends Error {
  constructor(readonly status: number, message: string, readonly headers: HeadersInit = {}) {
    super(message);
    this.name = "RequestError";
  }
}

/** Limits on what one request may ask. */
export interface RequestLimits {
  /** Most characters (UTF-16 units) in a context. */
  maxContextChars: number;
  /** Most characters in a question. */
  maxQuestionChars: number;
  /** Most {question, context} pairs in one request. */
  maxInputs: number;
  /** Largest `max_seq_len`: the model's position embeddings. */
  maxSeqLen: number;
  /** Largest `top_k`. */
  maxTopK: number;
}

/** A checked request: its pairs, whether they came as a list, and the pipeline options. */
export interface QARequest {
  inputs: QuestionContext[];
  list: boolean;
  options: Required<Omit<AskOptions, "batchSize">>;
}

// The API's parameter names (transformers' pipeline arguments) and the pipeline's.
const PARAMETERS = {
  top_k: "topK",
  handle_impossible_answer: "handleImpossibleAnswer",
  max_answer_len: "maxAnswerLength",
  max_seq_len: "maxLength",
  doc_stride: "docStride",
  align_to_words: "alignToWords",
} as const;

/** transformers' defaults. */
export const DEFAULT_OPTIONS: QARequest["options"] = {
  topK: 1,
  handleImpossibleAnswer: false,
  maxAnswerLength: 15,
  maxLength: 384,
  docStride: 128,
  alignToWords: true,
};

/** Checks a parsed JSON body; a `RequestError` (400 or 413) names the first bad field. */
export function parseQARequest(body: unknown, limits: RequestLimits): QARequest {
  if (!isObject(body)) {
    throw new RequestError(400, `the body must be a JSON object {"inputs", "parameters"}`);
  }
  // "options" (wait_for_model, use_cache) is the hosted API's and means nothing here.
  for (const key of Object.keys(body)) {
    if (!["inputs", "parameters", "options"].includes(key)) {
      throw new RequestError(400, `unknown field "${key}": expected "inputs" and "parameters"`);
    }
  }
  const { inputs } = body;
  if (inputs === undefined) throw new RequestError(400, `"inputs" is missing`);
  const list = Array.isArray(inputs);
  const pairs = list ? inputs : [inputs];
  if (pairs.length === 0) throw new RequestError(400, `"inputs" is an empty list`);
  if (pairs.length > limits.maxInputs) {
    throw new RequestError(
      413,
      `"inputs" holds ${pairs.length} pairs; at most ${limits.maxInputs} per request`,
    );
  }
  return {
    inputs: pairs.map((pair, i) => checkPair(pair, list ? `inputs[${i}]` : "inputs", limits)),
    list,
    options: checkParameters(body.parameters, limits),
  };
}

function checkPair(pair: unknown, name: string, limits: RequestLimits): QuestionContext {
  if (!isObject(pair)) {
    throw new RequestError(400, `"${name}" must be an object {"question", "context"}`);
  }
  for (const key of Object.keys(pair)) {
    if (key !== "question" && key !== "context") {
      throw new RequestError(400, `"${name}.${key}" is unknown: expected "question" and "context"`);
    }
  }
  const question = checkText(pair.question, `${name}.question`, limits.maxQuestionChars);
  const context = checkText(pair.context, `${name}.context`, limits.maxContextChars);
  return { question, context };
}

function checkText(value: unknown, name: string, maxChars: number): string {
  if (value === undefined) throw new RequestError(400, `"${name}" is missing`);
  if (typeof value !== "string") {
    throw new RequestError(400, `"${name}" must be a string, got ${kindOf(value)}`);
  }
  if (value.trim() === "") {
    throw new RequestError(400, `"${name}" is empty${value === "" ? "" : " (only whitespace)"}`);
  }
  if (value.length > maxChars) {
    throw new RequestError(
      413,
      `"${name}" is ${value.length} characters long; the limit is ${maxChars}`,
    );
  }
  return value;
}

function checkParameters(parameters: unknown, limits: RequestLimits): QARequest["options"] {
  const options = { ...DEFAULT_OPTIONS };
  if (parameters === undefined || parameters === null) return options;
  const strideGiven = isObject(parameters) && parameters.doc_stride != null;
  if (!isObject(parameters)) throw new RequestError(400, `"parameters" must be an object`);
  for (const [key, value] of Object.entries(parameters)) {
    if (!(key in PARAMETERS)) {
      const known = Object.keys(PARAMETERS).join(", ");
      throw new RequestError(400, `"parameters.${key}" is unknown; known: ${known}`);
    }
    if (value === null) continue; // the hosted API's clients send null for "the default"
    const name = `parameters.${key}`;
    if (key === "handle_impossible_answer" || key === "align_to_words") {
      if (typeof value !== "boolean") {
        throw new RequestError(400, `"${name}" must be true or false, got ${kindOf(value)}`);
      }
      options[PARAMETERS[key]] = value;
    } else {
      (options as Record<string, unknown>)[PARAMETERS[key as keyof typeof PARAMETERS]] = value;
    }
  }
  // transformers: without doc_stride, min(max_seq_len / 2, 128).
  if (!strideGiven) options.docStride = Math.min(Math.floor(options.maxLength / 2), 128);
  const { topK, maxAnswerLength, maxLength, docStride } = options;
  checkInteger(topK, "parameters.top_k", 1, limits.maxTopK);
  checkInteger(maxAnswerLength, "parameters.max_answer_len", 1, limits.maxSeqLen);
  checkInteger(maxLength, "parameters.max_seq_len", 8, limits.maxSeqLen);
  checkInteger(docStride, "parameters.doc_stride", 0, maxLength - 1);
  return options;
}

function checkInteger(value: unknown, name: string, min: number, max: number): void {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new RequestError(400, `"${name}" must be an integer, got ${kindOf(value)}`);
  }
  if (value < min || value > max) {
    throw new RequestError(400, `"${name}" must be between ${min} and ${max}, got ${value}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  const shown = JSON.stringify(value);
  return `${typeof value} ${shown.length > 40 ? `${shown.slice(0, 40)}...` : shown}`;
}
