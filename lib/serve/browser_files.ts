// What "Run in this browser" fetches from `qa serve`, read-only and only these files: the page's
// bundle (build/browser/bundle.js, from `deno task bundle`), tfjs-backend-wasm's .wasm files, and
// the served model's config, weights and tokenizer files under /model/.
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const BUNDLE = fileURLToPath(new URL("../../build/browser/bundle.js", import.meta.url));

const WASM_FILES = [
  "tfjs-backend-wasm.wasm",
  "tfjs-backend-wasm-simd.wasm",
  "tfjs-backend-wasm-threaded-simd.wasm",
];

/** The model files offered, each from the model's folder or the tokenizer's. */
export const MODEL_FILES: Record<string, "model" | "tokenizer"> = {
  "config.json": "model",
  "model.safetensors": "model",
  "tokenizer.json": "tokenizer",
  "tokenizer_config.json": "tokenizer",
  "vocab.txt": "tokenizer",
  "special_tokens_map.json": "tokenizer",
};

const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  wasm: "application/wasm",
  json: "application/json",
  txt: "text/plain; charset=utf-8",
  safetensors: "application/octet-stream",
};

/** The folders the /model/ files come from. */
export interface ModelFolders {
  model: string;
  tokenizer: string;
}

/** Whether `pathname` is one of the files this module serves. */
export function isBrowserFile(pathname: string): boolean {
  return pathname === "/bundle.js" ||
    (pathname.startsWith("/wasm/") && WASM_FILES.includes(pathname.slice(6))) ||
    (pathname.startsWith("/model/") && pathname.slice(7) in MODEL_FILES);
}

function wasmFolder(): string {
  return fileURLToPath(new URL("./", import.meta.resolve("@tensorflow/tfjs-backend-wasm")));
}

/** The file behind `pathname` (see isBrowserFile), streamed; 404 with the reason when absent. */
export async function browserFile(pathname: string, folders: ModelFolders): Promise<Response> {
  let path: string;
  let missing: string;
  if (pathname === "/bundle.js") {
    path = BUNDLE;
    missing = `${BUNDLE} is not built: run deno task bundle`;
  } else if (pathname.startsWith("/wasm/")) {
    path = join(wasmFolder(), pathname.slice(6));
    missing = `${path} is missing (deno install)`;
  } else {
    const name = pathname.slice(7);
    path = join(folders[MODEL_FILES[name]], name);
    missing = `the served model has no ${name}`;
  }
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    return new Response(JSON.stringify({ error: missing }), {
      status: 404,
      headers: { "content-type": "application/json" },
    });
  }
  const { size } = await file.stat();
  return new Response(file.readable, {
    headers: {
      "content-type": TYPES[path.split(".").pop()!] ?? "application/octet-stream",
      "content-length": String(size),
      "cache-control": "no-cache",
    },
  });
}
