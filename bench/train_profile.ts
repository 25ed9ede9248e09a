// Where a training step's time goes, in one thread on the wasm backend: per micro-batch the
// forward + backward pass (tfjs kernels, timed one by one under tf.profile), reading its gradients
// into the flat buffer, and per step AdamW; then the costliest kernels of the last step.
//   deno task bench:profile [--shape tiny|mini|distilbert] [--micro-batch 8] [--steps 3]
//     [--blas auto|off|FILE]
// The peer's shapes and random ids (bench/shape_model.ts); the first steps include V8's and the
// heap's warm-up, the last is the one to read.
import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "node:util";
import { initBackend, productsEngine } from "../lib/runtime/mod.ts";
import { disposeBatch, readValues } from "../lib/model/mod.ts";
import { AdamW, microBatches } from "../lib/train/mod.ts";
import { microBatchGradients } from "../lib/train/step.ts";
import { addScaled, part } from "../lib/train/flat.ts";
import { randomFeatures, shapeModel } from "./shape_model.ts";
import { setting } from "../lib/settings.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    shape: { type: "string", default: "tiny" },
    "micro-batch": { type: "string" },
    batch: { type: "string", default: "16" },
    steps: { type: "string", default: "3" },
    blas: { type: "string", default: setting("QA_BLAS") },
  },
});
const micro = Number(values["micro-batch"] ?? (values.shape === "distilbert" ? 2 : 8));
const [batch, steps] = [Number(values.batch), Number(values.steps)];

await initBackend("wasm", { blas: values.blas });
console.log(
  `${values.shape}: batch ${batch} × 384 in micro-batches of ${micro}, one thread, products on ` +
    productsEngine(),
);
const model = shapeModel(values.shape!);
const optimizer = new AdamW(model.weights, { weightDecay: 0.01 });
const { layout } = optimizer;
const variables = layout.names.map((name) => model.weights.get(name)!);

// The step's gradients, kept from step to step as the trainer keeps them (lib/train/engine.ts).
const grads = new Float32Array(layout.size);
/** Time of each kernel of the last step, by kernel (products by their operands' shapes). */
const kernels = new Map<string, { count: number; ms: number }>();
for (let step = 1; step <= steps; step++) {
  const last = step === steps;
  grads.fill(0);
  const phases = { forwardBackward: 0, kernels: 0, read: 0, adamw: 0 };
  for (const micro of microBatches(randomFeatures(batch, 384), microSize())) {
    const started = performance.now();
    let gradients: ReturnType<typeof microBatchGradients> | undefined;
    const info = await tf.profile(() => {
      gradients = microBatchGradients(model, micro, variables);
      gradients.value.dataSync();
    });
    phases.forwardBackward += performance.now() - started;
    for (const kernel of info.kernels) {
      const ms = Number(await kernel.kernelTimeMs) || 0;
      phases.kernels += ms;
      if (last) count(kernelKey(kernel), ms);
    }
    const reading = performance.now();
    const weight = micro.size / batch;
    variables.forEach((variable, i) => {
      const grad = gradients!.grads[variable.name];
      if (grad) readValues(grad, (read) => addScaled(part(layout, grads, i), read, weight));
    });
    phases.read += performance.now() - reading;
    tf.dispose([gradients!.value, ...Object.values(gradients!.grads)]);
    disposeBatch(micro.inputs, micro.labels);
  }
  const stepping = performance.now();
  optimizer.step(grads, 2e-5, 1);
  phases.adamw = performance.now() - stepping;
  const total = phases.forwardBackward + phases.read + phases.adamw;
  console.log(
    `step ${step}: ${ms(total)} — forward + backward ${ms(phases.forwardBackward)} (kernels ` +
      `${ms(phases.kernels)}), gradients read ${ms(phases.read)}, AdamW ${ms(phases.adamw)}; ` +
      `${(batch / total * 1000).toFixed(2)} features/s`,
  );
}
const all = [...kernels.values()].reduce((sum, k) => sum + k.ms, 0);
console.log(`\nkernels of the last step, ${ms(all)} in all:`);
for (const [name, { count, ms: time }] of [...kernels].sort((a, b) => b[1].ms - a[1].ms)) {
  if (time < all / 200) continue;
  const share = `${(100 * time / all).toFixed(1)}%`.padStart(6);
  console.log(`${ms(time).padStart(9)} ${share}  ×${String(count).padEnd(4)} ${name}`);
}
model.dispose();

function microSize(): number {
  return Math.min(micro, batch);
}

function count(name: string, time: number): void {
  const entry = kernels.get(name) ?? { count: 0, ms: 0 };
  kernels.set(name, { count: entry.count + 1, ms: entry.ms + time });
}

// Products by their operands' shapes; other kernels by name (custom gradients: "unnamed scope").
function kernelKey(kernel: { name: string; inputShapes: number[][] }): string {
  return kernel.name === "BatchMatMul"
    ? `BatchMatMul ${kernel.inputShapes.map((s) => `[${s}]`).join(" × ")}`
    : kernel.name;
}

function ms(time: number): string {
  return `${time.toFixed(0)} ms`;
}
