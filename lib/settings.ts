/**
 * Every `QA_*` environment variable (and the `HF_*` ones of the Hugging Face hub), read in this one place: each is read once (on first use),
 * checked, and given its default here; a bad value is an error naming the variable and what it
 * expects. docs/settings.md describes them. Flags of the commands win over the variables where both
 * exist: the commands pass their choice on (`initBackend(name, { blas, webgpu })`).
 */

/** The WebGPU matmul shaders (`QA_WEBGPU_MATMUL`); lib/runtime/webgpu/matmul_webgpu.ts has them. */
export const MATMUL_SHADERS = [
  "tiled",
  "vec4",
  "tiled-prefetch",
  "vec4-prefetch",
  "plain",
] as const;
/** One of `MATMUL_SHADERS`. */
export type MatMulShader = typeof MATMUL_SHADERS[number];

/** How a variable's text becomes its value: throws a message (without the name) when it cannot. */
type Parse<T> = (raw: string) => T;

const text: Parse<string> = (raw) => {
  if (raw.trim() === "") throw new Error("expected a non-empty value");
  return raw;
};

function oneOf<T extends string>(choices: readonly T[]): Parse<T> {
  return (raw) => {
    if (!(choices as readonly string[]).includes(raw)) {
      throw new Error(`expected one of ${choices.join(", ")}`);
    }
    return raw as T;
  };
}

function positive(integer: boolean): Parse<number> {
  return (raw) => {
    const value = Number(raw);
    if (!(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
      throw new Error(`expected a positive ${integer ? "integer" : "number"}`);
    }
    return value;
  };
}

function atLeastZero(integer: boolean): Parse<number> {
  return (raw) => {
    const value = Number(raw);
    if (!(value >= 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
      throw new Error(`expected ${integer ? "an integer" : "a number"} ≥ 0`);
    }
    return value;
  };
}

// huggingface_hub's reading of a boolean variable (`HF_HUB_OFFLINE=1`, `true`, `yes`, `on`).
const hubFlag: Parse<boolean> = (raw) => ["1", "ON", "YES", "TRUE"].includes(raw.toUpperCase());

const flag: Parse<boolean> = (raw) => {
  if (raw !== "0" && raw !== "1") throw new Error("expected 1 or 0");
  return raw === "1";
};

/** Each variable: how to read it, and its value when unset (undefined: none, the reader decides). */
const VARIABLES = {
  // The library.
  QA_BLAS: { parse: text, fallback: "auto" },
  QA_WEBGPU: { parse: oneOf(["deno", "dawn"] as const), fallback: "deno" },
  QA_WEBGPU_MATMUL: { parse: oneOf(MATMUL_SHADERS), fallback: "tiled-prefetch" },
  // Four waves of 264 workgroups (see lib/runtime/webgpu/matmul_webgpu.ts).
  QA_WEBGPU_SPLIT_FILL: { parse: positive(true), fallback: 4 * 264 },
  QA_ENGINE: { parse: oneOf(["auto", "tfjs", "onnxruntime"] as const), fallback: "auto" },
  // ONNX Runtime's intra-op threads; unset: the machine's cores.
  QA_ONNX_THREADS: { parse: positive(true), fallback: undefined },
  QA_CACHE: { parse: text, fallback: undefined },
  QA_FONT_DIR: { parse: text, fallback: undefined },
  // The Hugging Face hub, read as Python's huggingface_hub reads them (lib/hub/).
  HF_ENDPOINT: { parse: text, fallback: "https://huggingface.co" },
  HF_TOKEN: { parse: text, fallback: undefined },
  HF_HOME: { parse: text, fallback: undefined },
  HF_HUB_CACHE: { parse: text, fallback: undefined },
  HF_HUB_OFFLINE: { parse: hubFlag, fallback: false },
  XDG_CACHE_HOME: { parse: text, fallback: undefined },
  // Downloads (lib/hub/http.ts) and inputs (lib/data/read.ts).
  QA_HTTP_CONNECT_TIMEOUT_S: { parse: atLeastZero(false), fallback: 30 },
  QA_HTTP_READ_TIMEOUT_S: { parse: atLeastZero(false), fallback: 60 },
  QA_HTTP_RETRIES: { parse: atLeastZero(true), fallback: 3 },
  QA_MAX_INPUT_MB: { parse: positive(false), fallback: 256 },
  // The commands and the demo.
  QA_DEBUG: { parse: flag, fallback: false },
  QA_BACKEND: { parse: oneOf(["auto", "wasm", "cpu", "webgpu"] as const), fallback: "auto" },
  QA_TOKENIZER: { parse: oneOf(["auto", "wordpiece", "native"] as const), fallback: "auto" },
  QA_MODEL: { parse: text, fallback: undefined },
  QA_TRAIN: { parse: text, fallback: undefined },
  QA_EVAL: { parse: text, fallback: undefined },
  QA_OUTPUT: { parse: text, fallback: undefined },
  QA_EPOCHS: { parse: positive(false), fallback: 3 },
  QA_BATCH_SIZE: { parse: positive(true), fallback: 16 },
  QA_LR: { parse: positive(false), fallback: 5e-4 },
  // Benches, tools and tests.
  QA_SHARED: { parse: text, fallback: undefined },
  QA_PEER_PYTHON: { parse: text, fallback: "/usr/bin/python3" },
  QA_BENCH_RUNS: { parse: positive(true), fallback: 3 },
  QA_NOTEBOOK_OUT: { parse: text, fallback: undefined },
  QA_NOTEBOOK_CELL_TIMEOUT: { parse: positive(false), fallback: 900 },
  QA_NOTEBOOK_TIMEOUT: { parse: positive(false), fallback: 1800 },
  QA_TRANSFORMERS_PYTHON: { parse: text, fallback: undefined },
  QA_HUB_PYTHON: { parse: text, fallback: undefined },
  QA_TRANSFORMERS457_PYTHON: { parse: text, fallback: undefined },
  QA_ONNX_PYTHON: { parse: text, fallback: undefined },
  QA_CHROMIUM: { parse: text, fallback: "/usr/bin/chromium" },
  QA_JUPYTERLAB_SHOTS: { parse: text, fallback: undefined },
  QA_SERVE_LOAD_REQUESTS: { parse: positive(true), fallback: 2000 },
  QA_DAWN_CHILD: { parse: flag, fallback: false },
} as const;

/** The name of a `QA_*` variable the code reads. */
export type SettingName = keyof typeof VARIABLES;

/** The value of variable `N`: its parsed text, else its default. */
export type SettingValue<N extends SettingName> =
  | ReturnType<(typeof VARIABLES)[N]["parse"]>
  | (typeof VARIABLES)[N]["fallback"];

const read = new Map<SettingName, unknown>();

/**
 * The value of `QA_*` variable `name`, read and checked once: its default when unset or empty, or
 * when the environment may not be read (no --allow-env). A bad value is an error naming it.
 */
export function setting<N extends SettingName>(name: N): SettingValue<N> {
  if (!read.has(name)) read.set(name, parseVariable(name));
  return read.get(name) as SettingValue<N>;
}

/** Forgets what was read, for tests that change a variable within one process. */
export function rereadSettings(): void {
  read.clear();
}

function parseVariable(name: SettingName): unknown {
  const { parse, fallback } = VARIABLES[name];
  const raw = environment(name);
  if (raw == null || raw === "") return fallback;
  try {
    return parse(raw);
  } catch (e) {
    throw new Error(`${name}=${raw}: ${(e as Error).message}`);
  }
}

function environment(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable) return undefined;
    throw e;
  }
}
