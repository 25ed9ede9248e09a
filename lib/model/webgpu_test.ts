// The model on the webgpu backend (Deno's WebGPU): its forward logits against PyTorch's. CI has
// no GPU: this runs on the software adapter (llvmpipe); without any adapter it fails, saying what
// to install. The backend itself is tested in lib/runtime/webgpu/webgpu_test.ts.
import { assert } from "../../test/assert.ts";
import { readGolden } from "../../test/golden.ts";
import { sharedPath } from "../../test/shared.ts";
import { predictLogits, QuestionAnsweringModel } from "./mod.ts";
import { maxAbsDiff, requireWebGPU, startWebGPU } from "../../test/webgpu.ts";

const started = await startWebGPU();

// DistilBERT only: BERT's forward adds no kernel (its parity is tested on wasm), and llvmpipe is slow.
for (const kind of ["distilbert"] as const) {
  Deno.test(`webgpu: tiny ${kind} forward logits equal PyTorch's (max abs ≤ 1e-5)`, async () => {
    requireWebGPU(started);
    const golden = JSON.parse(
      await Deno.readTextFile(sharedPath(`golden/public/tiny-${kind}-golden.json`)),
    );
    const features = (await readGolden<{ input_ids: number[]; attention_mask: number[] }>(
      "public",
      "train_features.jsonl.gz",
    )).slice(0, 16);
    const model = await QuestionAnsweringModel.fromPretrained(
      sharedPath(`golden/models/tiny-${kind}-init`),
      { log: () => {} },
    );
    const logits = await predictLogits(model, features, 16);
    model.dispose();
    const diff = (rows: Float32Array[], expected: number[][]) =>
      Math.max(...expected.map((row, i) => maxAbsDiff(rows[i], row)));
    const start = diff(logits.startLogits, golden.forward_init.start_logits);
    const end = diff(logits.endLogits, golden.forward_init.end_logits);
    assert(start <= 1e-5 && end <= 1e-5, `start ${start}, end ${end}`);
  });
}
