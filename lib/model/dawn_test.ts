// The webgpu backend on Dawn (`npm:webgpu`) instead of Deno's WebGPU. CI has no GPU: Dawn runs
// there on Mesa's llvmpipe through its OpenGL ES backend (see ./dawn.ts). Without an adapter the
// tests fail, saying what to install.
//
// Dawn runs in a process of its own (this file again, with QA_DAWN_CHILD=1): once Deno's WebGPU has
// run in a process, as the other webgpu tests do in the same `deno test`, Dawn's OpenGL ES adapter
// was at times refused ("OpenGL ES 3.1 is required").
import * as tf from "@tensorflow/tfjs";
import { globals } from "webgpu";
import { assert, assertEquals } from "../../test/assert.ts";
import { readGolden } from "../../test/golden.ts";
import { sharedPath } from "../../test/shared.ts";
import { initBackend } from "../runtime/mod.ts";
import { predictLogits, QuestionAnsweringModel } from "./mod.ts";
import { findAdapter, selectWebGPU, webgpuImplementation } from "../runtime/mod.ts";
import { setting } from "../settings.ts";

const CHILD = "QA_DAWN_CHILD";

/** What the child process found. */
interface DawnReport {
  error?: string;
  implementation: string;
  dawnDevice: boolean;
  adapter: string;
  switchError: string;
  startError: number;
  endError: number;
}

if (setting("QA_DAWN_CHILD")) console.log(JSON.stringify(await measure()));

async function measure(): Promise<DawnReport | { error: string }> {
  try {
    await initBackend("webgpu", { webgpu: "dawn" });
  } catch (e) {
    return { error: (e as Error).message };
  }
  const { GPUDevice } = globals as { GPUDevice: new () => GPUDevice };
  const device = (tf.backend() as unknown as { device: object }).device;
  let switchError = "";
  try {
    selectWebGPU("deno");
  } catch (e) {
    switchError = (e as Error).message;
  }
  const [startError, endError] = await logitErrors();
  return {
    implementation: webgpuImplementation(),
    dawnDevice: device instanceof GPUDevice,
    adapter: (await findAdapter())?.description ?? "",
    switchError,
    startError,
    endError,
  };
}

/** The tiny DistilBERT's start and end logits on 16 golden features: worst differences. */
async function logitErrors(): Promise<[number, number]> {
  const golden = JSON.parse(
    await Deno.readTextFile(sharedPath("golden/public/tiny-distilbert-golden.json")),
  );
  const features = (await readGolden<{ input_ids: number[]; attention_mask: number[] }>(
    "public",
    "train_features.jsonl.gz",
  )).slice(0, 16);
  const model = await QuestionAnsweringModel.fromPretrained(
    sharedPath("golden/models/tiny-distilbert-init"),
    { log: () => {} },
  );
  const logits = await predictLogits(model, features, 16);
  model.dispose();
  const worst = (rows: Float32Array[], expected: number[][]) =>
    Math.max(
      ...expected.map((row, i) =>
        row.reduce((w, v, j) => Math.max(w, Math.abs(rows[i][j] - v)), 0)
      ),
    );
  return [
    worst(logits.startLogits, golden.forward_init.start_logits),
    worst(logits.endLogits, golden.forward_init.end_logits),
  ];
}

let report: Promise<DawnReport> | null = null;

/** Runs this file in a fresh process (once) and returns what it found. */
function dawnReport(): Promise<DawnReport> {
  report ??= (async () => {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL(import.meta.url).pathname],
      env: { [CHILD]: "1" },
    }).output();
    const lines = new TextDecoder().decode(stdout).trim().split("\n");
    if (code !== 0) throw new Error(`the Dawn process failed: ${new TextDecoder().decode(stderr)}`);
    const result = JSON.parse(lines.at(-1)!);
    if (result.error) throw new Error(`the Dawn tests need a WebGPU adapter: ${result.error}`);
    return result;
  })();
  return report;
}

Deno.test("dawn: the webgpu backend runs on Dawn's device and names its adapter", async () => {
  const found = await dawnReport();
  assertEquals(found.implementation, "dawn");
  assert(found.dawnDevice, "the backend's device is not Dawn's");
  assert(found.adapter.length > 0, "no adapter description");
  assert(found.switchError.includes("already runs on dawn"), found.switchError);
});

Deno.test("dawn: tiny distilbert forward logits equal PyTorch's (max abs ≤ 1e-5)", async () => {
  const { startError, endError } = await dawnReport();
  assert(startError <= 1e-5 && endError <= 1e-5, `start ${startError}, end ${endError}`);
});
