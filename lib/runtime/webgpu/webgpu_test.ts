// The webgpu backend on Deno's WebGPU. CI has no GPU: these run on the software adapter
// (llvmpipe, Debian's mesa-vulkan-drivers), which computes what a GPU computes, slowly. Without
// any adapter they fail, with what to install.
import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "../../../test/assert.ts";
import { segmentSum } from "../wasm/mod.ts";
import { findAdapter } from "./webgpu.ts";
import { maxAbsDiff, requireWebGPU, startWebGPU } from "../../../test/webgpu.ts";

const adapter = await findAdapter();
const started = await startWebGPU();

Deno.test("webgpu: an adapter is found and named; auto takes it only if it is hardware", async () => {
  requireWebGPU(started);
  assert(adapter != null && adapter.description.length > 0, JSON.stringify(adapter));
  // A fresh process: this one already runs webgpu.
  const code = `import { initBackend } from "${new URL("../backend.ts", import.meta.url).href}";
    console.log(await initBackend("auto"));`;
  const { stdout, success } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--config", new URL("../../../deno.json", import.meta.url).pathname, code],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert(success);
  const expected = adapter.fallback ? "wasm" : "webgpu";
  assertEquals(new TextDecoder().decode(stdout).trim(), expected, adapter.description);
});

Deno.test("webgpu: uploads go through queue.writeBuffer (no mapped buffers), all dtypes", async () => {
  requireWebGPU(started);
  const device = (tf.backend() as unknown as { device: GPUDevice }).device;
  const createBuffer = device.createBuffer;
  const mapped: number[] = [];
  device.createBuffer = function (descriptor: GPUBufferDescriptor) {
    if (descriptor.mappedAtCreation) mapped.push(descriptor.size);
    return createBuffer.call(this, descriptor);
  };
  try {
    const floats = Float32Array.from({ length: 3000 }, (_, i) => Math.sin(i) * 1e3);
    // tfjs's webgpu Add computes int32 in float32: values within ±2^24 stay exact.
    const ints = Int32Array.from({ length: 3000 }, (_, i) => i * 5557 - 2 ** 23);
    const bools = Array.from({ length: 3000 }, (_, i) => i % 3 === 0);
    // Inputs above tfjs's CPU hand-off size, so that the kernels run on the GPU.
    const [f, i, b] = tf.tidy(() => [
      tf.tensor1d(floats).add(1),
      tf.tensor1d(ints, "int32").add(tf.scalar(1, "int32")),
      tf.logicalNot(tf.tensor1d(bools, "bool")),
    ]);
    assertEquals(await f.data(), floats.map((v) => v + 1));
    assertEquals(await i.data(), ints.map((v) => v + 1));
    assertEquals(Array.from(await b.data()), bools.map((v) => (v ? 0 : 1)));
    tf.dispose([f, i, b]);
  } finally {
    device.createBuffer = createBuffer;
  }
  assertEquals(mapped, [], "buffers created mapped");
});

Deno.test("webgpu: a synchronous read says to await data() instead", () => {
  requireWebGPU(started);
  const t = tf.tidy(() => tf.range(0, 4000).mul(2));
  let message = "";
  try {
    t.dataSync();
  } catch (e) {
    message = (e as Error).message;
  }
  t.dispose();
  assert(message.includes("await tensor.data()"), message);
});

Deno.test("webgpu: UnsortedSegmentSum and the embedding gradient equal a plain loop", async () => {
  requireWebGPU(started);
  const ids = [3, 0, 3, 6, 9, 3, 1, 0, 6, 2];
  const width = 300; // above the CPU hand-off size
  const x = Float32Array.from({ length: ids.length * width }, (_, i) => Math.cos(i));
  const expected = new Float32Array(10 * width);
  segmentSum(x, Int32Array.from(ids), width, 10, expected);
  const sum = tf.unsortedSegmentSum(
    tf.tensor2d(x, [ids.length, width]),
    tf.tensor1d(ids, "int32"),
    10,
  );
  assert(maxAbsDiff(await sum.data(), expected) <= 1e-5);
  const grad = tf.grad((table: tf.Tensor) =>
    tf.sum(tf.mul(tf.gather(table, tf.tensor1d(ids, "int32")), tf.tensor2d(x, [ids.length, width])))
  )(tf.zeros([10, width]));
  assert(maxAbsDiff(await grad.data(), expected) <= 1e-5);
  tf.dispose([sum, grad]);
});
