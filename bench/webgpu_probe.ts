// What a WebGPU costs the host, apart from the kernels: the latency of reading one float back
// (submit, wait, map) and the host time per dispatch of a small kernel, on Deno's WebGPU or Dawn.
//   deno run -A bench/webgpu_probe.ts [--webgpu deno|dawn] [--reads 20] [--dispatches 2000]
// A training step of DistilBERT makes ~1,500 dispatches and one read (the loss and the norm).
import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "node:util";
import { initBackend } from "../lib/runtime/mod.ts";
import {
  findAdapter,
  selectWebGPU,
  type WebGPUImplementation,
} from "../lib/runtime/webgpu/webgpu.ts";
import { setting } from "../lib/settings.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    webgpu: { type: "string", default: setting("QA_WEBGPU") },
    reads: { type: "string", default: "20" },
    dispatches: { type: "string", default: "2000" },
  },
});
selectWebGPU(values.webgpu as WebGPUImplementation);
await initBackend("webgpu");
const adapter = await findAdapter();

const one = tf.scalar(1);
const reads: number[] = [];
for (let i = 0; i < Number(values.reads); i++) {
  const started = performance.now();
  const next = tf.add(one, i);
  await next.data();
  reads.push(performance.now() - started);
  next.dispose();
}

// Dispatches of a small elementwise kernel, each on the previous one's output, then one read.
const count = Number(values.dispatches);
let x = tf.zeros([1024]);
await x.data();
const started = performance.now();
for (let i = 0; i < count; i++) {
  const next = tf.add(x, one);
  x.dispose();
  x = next;
}
const queued = performance.now() - started;
const last = (await x.data())[0];
const total = performance.now() - started;
if (last !== count) throw new Error(`the chain of adds gave ${last}, not ${count}`);

const sorted = [...reads].sort((a, b) => a - b);
console.log(
  `${values.webgpu}'s WebGPU (${adapter?.description}): one-float read ` +
    `median ${sorted[sorted.length >> 1].toFixed(2)} ms, min ${sorted[0].toFixed(2)} ms, ` +
    `max ${sorted.at(-1)!.toFixed(2)} ms over ${reads.length}; ${count} small dispatches: ` +
    `${(1000 * queued / count).toFixed(1)} µs each to queue, ${
      (1000 * total / count).toFixed(1)
    } µs ` +
    `each to completion`,
);
