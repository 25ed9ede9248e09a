// "Run in this browser": the model folder that `qa serve` offers (GET /model/...) loaded over
// HTTP and asked in the tab, on TensorFlow.js (WebGPU where the browser has it, else wasm with
// the .wasm files from GET /wasm/). The tokenizer is our TypeScript WordPiece; the answers come
// from the same pipeline code as the server's. Bundled by `deno task bundle` (tools/bundle.ts)
// into build/browser/bundle.js, which the page imports; nothing here may use a Deno API.
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-backend-webgpu";
import { parseConfig } from "../../model/config.ts";
import { parseSafetensors, toFloat32 } from "../../model/io/safetensors.ts";
import type { WeightMap } from "../../model/io/checkpoint.ts";
import { QuestionAnsweringModel } from "../../model/model.ts";
import type { Answer } from "../../pipeline/answers.ts";
import { answerQuestions, type AskOptions } from "../../pipeline/ask.ts";
import { pipelineWindows, windowSettings } from "../../pipeline/windows.ts";
import type { FileReader } from "../../tokenizer/tokenizer.ts";
import { QATokenizer } from "../../tokenizer/tokenizer.ts";

/** One window of the context, in UTF-16 indices (as the page's /explain gives them). */
export interface BrowserWindow {
  tokens: number;
  start: number;
  end: number;
  text: string;
}

/** A model answering in this tab. */
export interface BrowserQA {
  /** The TensorFlow.js backend it runs on ("webgpu" or "wasm"). */
  backend: string;
  /** The tokenizer's engine ("wordpiece"). */
  tokenizerEngine: string;
  /** The answers (best first) and the windows the context was read in. */
  answer(
    question: string,
    context: string,
    options?: AskOptions,
  ): Promise<{ answers: Answer[]; windows: BrowserWindow[] }>;
}

/** Fetches `base`/model/NAME as text; null when the server has no such file (404). */
function modelReader(base: string): FileReader {
  return async (name) => {
    const response = await fetch(new URL(`model/${name}`, base));
    if (response.status === 404) return null;
    if (!response.ok) throw new Error(`GET model/${name}: HTTP ${response.status}`);
    return await response.text();
  };
}

async function modelBytes(base: string, name: string): Promise<Uint8Array> {
  const response = await fetch(new URL(`model/${name}`, base));
  if (!response.ok) throw new Error(`GET model/${name}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** WebGPU when the browser offers an adapter, else wasm (its .wasm files from `base`/wasm/). */
async function startBackend(base: string, prefer: "auto" | "wasm"): Promise<string> {
  const gpu = (globalThis.navigator as { gpu?: { requestAdapter(): Promise<unknown> } })?.gpu;
  if (prefer === "auto" && gpu && (await gpu.requestAdapter().catch(() => null))) {
    if (await tf.setBackend("webgpu").catch(() => false)) return "webgpu";
  }
  setWasmPaths(new URL("wasm/", base).href);
  if (!(await tf.setBackend("wasm"))) throw new Error("TensorFlow.js could not start wasm");
  return "wasm";
}

/**
 * Loads the model and tokenizer `qa serve` at `base` offers (config.json, model.safetensors,
 * tokenizer files) and answers with them here.
 */
export async function loadInBrowser(
  base: string,
  options: { backend?: "auto" | "wasm" } = {},
): Promise<BrowserQA> {
  const backend = await startBackend(base, options.backend ?? "auto");
  const read = modelReader(base);
  const tokenizer = await QATokenizer.fromFiles(read, new URL("model", base).href);
  const configText = await read("config.json");
  if (configText === null) throw new Error("the server offers no model/config.json");
  const where = new URL("model/", base).href;
  const config = parseConfig(JSON.parse(configText), `${where}config.json`);
  const file = parseSafetensors(
    await modelBytes(base, "model.safetensors"),
    `${where}model.safetensors`,
    {
      toFloat32: true,
    },
  );
  const weights: WeightMap = new Map();
  for (const [name, tensor] of file.tensors) {
    weights.set(name, { shape: tensor.shape, data: toFloat32(tensor, `tensor "${name}"`) });
  }
  const model = QuestionAnsweringModel.fromWeights(config, weights, { source: where });
  return {
    backend,
    tokenizerEngine: tokenizer.engine.name,
    async answer(question, context, ask = {}) {
      const [answers] = await answerQuestions(model, tokenizer, [{ question, context }], ask);
      const windows = await pipelineWindows(
        tokenizer,
        [{ question, context }],
        windowSettings(tokenizer, ask),
      );
      return {
        answers,
        windows: windows.map((w) => summary(w.offsets, w.attention_mask, context)),
      };
    },
  };
}

function summary(
  offsets: ([number, number] | null)[],
  mask: number[],
  context: string,
): BrowserWindow {
  const tokens = mask.filter((m) => m === 1).length;
  const spans = offsets.filter((o) => o !== null);
  if (spans.length === 0) return { tokens, start: 0, end: 0, text: "" };
  const index = utf16Index(context);
  const start = index[spans[0][0]];
  const end = index[spans[spans.length - 1][1]];
  return { tokens, start, end, text: context.slice(start, end) };
}

// The UTF-16 index of each code point of `text` (and of its end): offsets count code points.
function utf16Index(text: string): number[] {
  const index: number[] = [];
  let unit = 0;
  for (const char of text) {
    index.push(unit);
    unit += char.length;
  }
  index.push(unit);
  return index;
}
