// The webgpu backend on Dawn (`npm:webgpu`) instead of Deno's WebGPU. CI has no GPU: Dawn runs
// there on Mesa's llvmpipe through its OpenGL ES backend (see ./dawn.ts). Without an adapter the
// tests fail, saying what to install.
import * as tf from "@tensorflow/tfjs";
import { globals } from "webgpu";
import { assert, assertEquals } from "../../test/assert.ts";
import { readGolden } from "../../test/golden.ts";
import { sharedPath } from "../../test/shared.ts";
import { initBackend } from "./backend.ts";
import { predictLogits, QuestionAnsweringModel } from "./mod.ts";
import { findAdapter, selectWebGPU, webgpuImplementation } from "./webgpu.ts";

const started = await initBackend("webgpu", { webgpu: "dawn" }).catch((e: Error) => e);

function requireDawn(): void {
  if (started instanceof Error) {
    throw new Error(`the Dawn tests need a WebGPU adapter: ${started.message}`);
  }
  assertEquals(tf.getBackend(), "webgpu");
}

Deno.test("dawn: the webgpu backend runs on Dawn's device and names its adapter", async () => {
  requireDawn();
  assertEquals(webgpuImplementation(), "dawn");
  const { GPUDevice } = globals as { GPUDevice: new () => GPUDevice };
  const device = (tf.backend() as unknown as { device: object }).device;
  assert(device instanceof GPUDevice, "the backend's device is not Dawn's");
  const adapter = await findAdapter();
  assert(adapter != null && adapter.description.length > 0, JSON.stringify(adapter));
  let message = "";
  try {
    selectWebGPU("deno");
  } catch (e) {
    message = (e as Error).message;
  }
  assert(message.includes("already runs on dawn"), message);
});

Deno.test("dawn: tiny distilbert forward logits equal PyTorch's (max abs ≤ 1e-5)", async () => {
  requireDawn();
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
  const start = worst(logits.startLogits, golden.forward_init.start_logits);
  const end = worst(logits.endLogits, golden.forward_init.end_logits);
  assert(start <= 1e-5 && end <= 1e-5, `start ${start}, end ${end}`);
});
