// Which engine runs inference: our TensorFlow.js model, or ONNX Runtime on the folder's
// onnx/model.onnx (`qa export --onnx`). `auto` takes ONNX Runtime where it loads and the folder
// has the file, else TensorFlow.js.
import { join } from "node:path";
import { loadOnnxRuntime } from "../runtime/mod.ts";
import { QuestionAnsweringModel } from "./model.ts";
import { OnnxQuestionAnsweringModel } from "./onnx/onnx_model.ts";
import { ONNX_FILE } from "./onnx/export.ts";

/** The engines `--engine` names. */
export const ENGINES = ["auto", "tfjs", "onnxruntime"] as const;
/** One of `ENGINES`. */
export type EngineName = typeof ENGINES[number];

/** A model that gives logits: ours on TensorFlow.js, or the exported graph on ONNX Runtime. */
export type InferenceModel = QuestionAnsweringModel | OnnxQuestionAnsweringModel;

/** Options of `loadInferenceModel`. */
export interface EngineOptions {
  /** "auto" (default), "tfjs" or "onnxruntime". */
  engine?: EngineName;
  /** ONNX Runtime's intra-op threads (QA_ONNX_THREADS, else the cores). */
  threads?: number;
  /** Where loading notices go (console.warn). */
  log?: (message: string) => void;
}

/** Checks an engine name (from a flag or a setting). */
export function parseEngine(value: string, source = "--engine"): EngineName {
  if ((ENGINES as readonly string[]).includes(value)) return value as EngineName;
  throw new Error(`${source} must be one of ${ENGINES.join(", ")}, got ${value}`);
}

/** The engine `auto` picks for `folder`: onnxruntime when it loads and the file is there. */
export async function resolveEngine(
  folder: string,
  engine: EngineName,
): Promise<"tfjs" | "onnxruntime"> {
  if (engine !== "auto") return engine;
  if (!(await isFile(join(folder, ONNX_FILE)))) return "tfjs";
  return (await loadOnnxRuntime()) instanceof Error ? "tfjs" : "onnxruntime";
}

/** Loads `nameOrPath` on the chosen engine. */
export async function loadInferenceModel(
  nameOrPath: string,
  options: EngineOptions = {},
): Promise<InferenceModel> {
  const engine = await resolveEngine(nameOrPath, options.engine ?? "auto");
  if (engine === "onnxruntime") {
    return await OnnxQuestionAnsweringModel.fromFolder(nameOrPath, options.threads);
  }
  return await QuestionAnsweringModel.fromPretrained(nameOrPath, { log: options.log });
}

/** Which engine runs `model`, in words (for the commands' first line). */
export function describeEngine(model: InferenceModel): string {
  if (model instanceof OnnxQuestionAnsweringModel) {
    return `onnxruntime (${model.session.threads} intra-op threads, ${model.session.path})`;
  }
  return "tfjs";
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}
