import type { Command } from "commander";
import { join } from "node:path";
import { checkpointFolder, isConfigOnlyFolder } from "../lib/model/io/checkpoint.ts";
import { readConfig } from "../lib/model/config.ts";
import { BLAS_ENV, describeBackend, initBackend } from "../lib/runtime/mod.ts";
import { WEBGPU_ENV, type WebGPUImplementation } from "../lib/runtime/mod.ts";
import { positiveInt } from "./report.ts";
import { setting } from "../lib/settings.ts";

/** Options every model command shares. */
export interface ModelArgs {
  backend: "auto" | "wasm" | "cpu" | "webgpu";
  /** Which WebGPU runs the webgpu backend: Deno's or Dawn's. */
  webgpu: WebGPUImplementation;
  /** Where wasm's matrix products run: auto, off or a CBLAS library file. */
  blas: string;
  maxLength: number;
  docStride: number;
  tokenizer?: string;
  strict?: boolean;
  /** The branch, tag or commit of a hub model (`--revision`). */
  revision: string;
}

/** Adds --max-length, --doc-stride and --strict: how questions become features. */
export function withFeatureOptions(command: Command): Command {
  return command
    .option("--max-length <n>", "tokens per window", positiveInt("--max-length"), 384)
    .option(
      "--doc-stride <n>",
      "tokens shared by consecutive windows",
      positiveInt("--doc-stride"),
      128,
    )
    .option("--strict", "stop at the first unusable question instead of skipping it");
}

/** Adds --backend and --tokenizer, and the feature options, to a model command. */
export function withModelOptions(command: Command): Command {
  return withFeatureOptions(
    command
      .option(
        "--backend <name>",
        "auto (webgpu on a GPU, else wasm, else cpu), wasm, cpu or webgpu",
        "auto",
      )
      .option(
        "--webgpu <deno|dawn>",
        `the WebGPU under webgpu: Deno's built-in or Dawn (npm:webgpu; env ${WEBGPU_ENV})`,
        webgpuChoice,
        setting("QA_WEBGPU"),
      )
      .option(
        "--blas <auto|off|file>",
        `wasm's matrix products on a native BLAS through FFI: auto (OpenBLAS or Accelerate if ` +
          `present), off (our wasm SIMD kernels) or a CBLAS library file (env ${BLAS_ENV})`,
        setting("QA_BLAS"),
      )
      .option("--tokenizer <dir|hub-id>", "tokenizer (default: the model's folder)"),
  ).option(...REVISION_OPTION);
}

/** `--revision`: which commit of a hub model (a branch, a tag or a commit id). */
export const REVISION_OPTION = [
  "--revision <rev>",
  "branch, tag or commit of a hub --model (cached in the Hugging Face cache)",
  "main",
] as const;

function webgpuChoice(value: string): WebGPUImplementation {
  if (value === "deno" || value === "dawn") return value;
  throw new Error(`--webgpu must be deno or dawn, got ${value}`);
}

/**
 * The local folder of `--model`: the folder itself, or a hub model's snapshot at `revision` in the
 * Hugging Face cache (downloaded there first). A folder with a config and no weights is a model
 * to initialise (presets/qa-distilbert-small).
 */
export async function modelFolder(model: string, revision = "main"): Promise<string> {
  return (await isConfigOnlyFolder(model)) ? model : await checkpointFolder(model, revision);
}

/**
 * Checks `--model` before anything else is loaded (so a bad folder is reported as the model's
 * problem, not its tokenizer's), and that `--max-length` fits its position embeddings; returns
 * its local folder (`modelFolder`).
 */
export async function checkModel(
  model: string,
  maxLength: number,
  revision = "main",
): Promise<string> {
  const folder = await modelFolder(model, revision);
  const path = join(folder, "config.json");
  const { maxPositions } = await readConfig(path);
  if (maxLength > maxPositions) {
    throw new Error(
      `--max-length ${maxLength} is more than the model's ${maxPositions} positions ` +
        `(max_position_embeddings in ${path}); give --max-length ${maxPositions} or less`,
    );
  }
  return folder;
}

/** Starts the compute backend (on the chosen WebGPU or BLAS) and says which one runs. */
export async function startBackend(
  name: ModelArgs["backend"],
  webgpu?: WebGPUImplementation,
  blas?: string,
): Promise<string> {
  const backend = await initBackend(name, { webgpu, blas });
  console.error(`backend: ${describeBackend(backend)}`);
  return backend;
}

/** Parses a positive number option. */
export function positiveNumber(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!(n > 0 && Number.isFinite(n))) {
      throw new Error(`${name} must be a positive number, got ${value}`);
    }
    return n;
  };
}

/** Parses a number option that may be zero. */
export function nonNegativeNumber(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!(n >= 0 && Number.isFinite(n))) {
      throw new Error(`${name} must be a number ≥ 0, got ${value}`);
    }
    return n;
  };
}

/** Parses a number option between 0 and 1. */
export function fraction(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!(n >= 0 && n <= 1)) throw new Error(`${name} must be a number from 0 to 1, got ${value}`);
    return n;
  };
}
