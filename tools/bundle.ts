// `deno task bundle`: the code the page runs in the browser ("Run in this browser",
// lib/serve/browser/in_browser.ts) as one ES module, build/browser/bundle.js, which `qa serve`
// serves at /bundle.js. esbuild from npm; the modules only the server uses (the Rust tokenizer
// addon, polars, resvg, Dawn, onnxruntime-node, node: built-ins) are left out as empty stand-ins:
// the browser path never calls them.
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Where the bundle goes. */
export const BUNDLE = `${ROOT}build/browser/bundle.js`;
const ENTRY = `${ROOT}lib/serve/browser/in_browser.ts`;

// Packages and built-ins with native code or Deno/Node-only APIs, reachable from shared modules.
const SERVER_ONLY =
  /^(node:.*|@anush008\/tokenizers.*|webgpu|nodejs-polars.*|@resvg\/resvg-js.*|onnxruntime-node.*)$/;

const serverOnly: esbuild.Plugin = {
  name: "server-only",
  setup(build) {
    build.onResolve(
      { filter: SERVER_ONLY },
      (args) => ({ path: args.path, namespace: "server-only" }),
    );
    build.onLoad({ filter: /.*/, namespace: "server-only" }, (args) => ({
      contents: `module.exports = {}; // ${args.path}: not in the browser`,
      loader: "js",
    }));
  },
};

/** Builds the bundle; returns its size in bytes. */
export async function bundle(options: { minify?: boolean } = {}): Promise<number> {
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    outfile: BUNDLE,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: options.minify ?? true,
    sourcemap: false,
    metafile: true,
    logLevel: "warning",
    plugins: [serverOnly],
  });
  await esbuild.stop();
  return Object.values(result.metafile!.outputs).reduce((sum, o) => sum + o.bytes, 0);
}

if (import.meta.main) {
  const bytes = await bundle();
  console.log(`${BUNDLE}: ${(bytes / 1e6).toFixed(2)} MB`);
}
