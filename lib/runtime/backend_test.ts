import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./backend.ts";
import { segmentSum } from "./wasm/mod.ts";
import { probeBatch, probeGradients, probeParams, TINY } from "../../test/probe_model.ts";
import { findAdapter } from "./webgpu/webgpu.ts";
import { engineName, PRODUCT_ENGINES, withProducts } from "../../test/matmul_engines.ts";

type Backend = "cpu" | "wasm";

/** Runs `f` on `backend` and returns its result as a plain array (nothing left allocated). */
async function on(backend: Backend, f: () => tf.Tensor): Promise<Float32Array> {
  assert.equal(await initBackend(backend), backend);
  const before = tf.engine().backend.numDataIds();
  const out = tf.tidy(f);
  const values = Float32Array.from(out.dataSync());
  out.dispose();
  assert.equal(tf.engine().backend.numDataIds(), before, `${backend}: kernels leaked memory`);
  return values;
}

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 1073741824 - 1;
  });
}

function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  const tolerance = 1e-5 + 1e-4 * scale;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    assert.ok(
      diff <= tolerance,
      `${what}[${i}]: ${actual[i]} vs ${expected[i]} (tol ${tolerance})`,
    );
  }
}

Deno.test("initBackend: cpu, wasm, auto; an unknown name is refused with the choices", async () => {
  assert.equal(await initBackend("cpu"), "cpu");
  assert.equal(tf.getBackend(), "cpu");
  assert.equal(await initBackend("wasm"), "wasm");
  // auto: webgpu on a hardware GPU only (webgpu_test.ts tests that backend).
  const auto = (await findAdapter())?.fallback === false ? "webgpu" : "wasm";
  assert.equal(await initBackend(), auto);
  await assert.rejects(initBackend("node" as "cpu"), /unknown backend "node"; use "auto", "wasm"/);
  await assert.rejects(initBackend("tpu" as "cpu"), /unknown backend "tpu"/);
  assert.equal(tf.getBackend(), auto);
});

/** Runs `code` in a fresh Deno process (backend state is per process); returns its stdout. */
async function runFresh(code: string): Promise<string> {
  const dir = await Deno.makeTempDir();
  try {
    const script = `${dir}/main.ts`;
    await Deno.writeTextFile(script, code);
    const config = new URL("../../deno.json", import.meta.url).pathname;
    const { code: status, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "--config", config, script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    assert.equal(status, 0, decoder.decode(stderr));
    return decoder.decode(stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** initBackend("auto") twice with `wasmDir`, then "wasm"; what each gave and what was logged. */
function fallbackScript(wasmDir: string): string {
  return `
    import { initBackend } from "${new URL("./backend.ts", import.meta.url).href}";
    const warnings: string[] = [];
    console.warn = (...args: unknown[]) => warnings.push(args.join(" "));
    console.error = () => {};
    const results = [];
    for (let i = 0; i < 2; i++) results.push(await initBackend("auto", { wasmDir: ${
    JSON.stringify(wasmDir)
  } }));
    results.push(await initBackend("wasm").catch((err) => "error: " + err.message));
    const fallbacks = warnings.filter((w) => w.startsWith("wasm backend unavailable"));
    console.log(JSON.stringify({ results, fallbacks }));
  `;
}

Deno.test("initBackend: auto falls back to cpu, logged once, when wasm cannot start", async () => {
  // No .wasm files in the folder: found before tfjs is asked.
  const missing = JSON.parse(await runFresh(fallbackScript("/nonexistent/")));
  assert.deepEqual(missing.results.slice(0, 2), ["cpu", "cpu"]);
  assert.match(missing.results[2], /^wasm$/, "the default folder still works afterwards");
  assert.equal(missing.fallbacks.length, 1);
  assert.match(missing.fallbacks[0], /using cpu: .*nonexistent.*not found/);

  // A corrupt binary: tfjs fails to start wasm, and that is final for the process.
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/tfjs-backend-wasm-simd.wasm`, "not wasm");
    const corrupt = JSON.parse(await runFresh(fallbackScript(dir)));
    assert.deepEqual(corrupt.results.slice(0, 2), ["cpu", "cpu"]);
    assert.match(corrupt.results[2], /^error: tfjs could not start the wasm backend/);
    assert.equal(corrupt.fallbacks.length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("probe model: wasm gradients equal cpu gradients", async () => {
  const results: Record<string, ReturnType<typeof probeGradients>> = {};
  for (const backend of ["cpu", "wasm"] as const) {
    await initBackend(backend);
    const params = probeParams(TINY);
    const batch = probeBatch(TINY);
    results[backend] = probeGradients(params, batch, TINY, 3);
    tf.dispose([...Object.values(params), ...Object.values(batch)]);
  }
  const { cpu, wasm } = results;
  assert.ok(Number.isFinite(cpu.loss) && cpu.loss > 0);
  assert.ok(Math.abs(wasm.loss - cpu.loss) <= 1e-5 * cpu.loss, `loss ${wasm.loss} vs ${cpu.loss}`);
  for (const name of Object.keys(cpu.grads)) {
    assertAllClose(wasm.grads[name], cpu.grads[name], `grad ${name}`);
  }
});

Deno.test("UnsortedSegmentSum: wasm and cpu equal a plain loop (repeats, dropped ids, int32)", async () => {
  const numSegments = 7;
  // Ids repeat, one is negative and one too large: both are dropped, as TensorFlow does.
  const ids = [3, 0, 3, 6, -1, 3, 1, 7, 0, 6];
  const rowShape = [2, 3];
  const x = values(ids.length * 6, 11);
  const expected = new Float32Array(numSegments * 6);
  segmentSum(Float32Array.from(x), Int32Array.from(ids), 6, numSegments, expected);
  assert.ok(expected.some((v) => v !== 0));

  for (const backend of ["cpu", "wasm"] as const) {
    const out = await on(
      backend,
      () =>
        tf.unsortedSegmentSum(
          tf.tensor(x, [ids.length, ...rowShape]),
          tf.tensor1d(ids, "int32"),
          numSegments,
        ),
    );
    assertAllClose(out, expected, `${backend} float32`);
    // A one-hot product is an independent formulation of the same sum.
    const viaOneHot = await on(
      backend,
      () =>
        tf.matMul(
          tf.oneHot(tf.tensor1d(ids, "int32"), numSegments),
          tf.tensor2d(x, [ids.length, 6]),
          true,
        ),
    );
    assertAllClose(out, viaOneHot, `${backend} vs one-hot`);
    // Segment ids of rank 2 and int32 data.
    const ints = await on(backend, () =>
      tf.unsortedSegmentSum(
        tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2], "int32"),
        tf.tensor2d([[1, 0], [1, 1]], undefined, "int32") as unknown as tf.Tensor1D,
        2,
      ));
    assert.deepEqual(Array.from(ints), [3, 4, 1 + 5 + 7, 2 + 6 + 8]);
  }
});

Deno.test("gather gradient (embedding lookup): wasm equals cpu", async () => {
  const table = values(20 * 4, 5);
  const ids = [1, 19, 1, 0, 7, 7, 7, 2, 19];
  const weights = values(ids.length * 4, 6);
  const grads: Record<string, Float32Array> = {};
  for (const backend of ["cpu", "wasm"] as const) {
    grads[backend] = await on(backend, () => {
      const w = tf.tensor2d(weights, [ids.length, 4]);
      const idx = tf.tensor1d(ids, "int32");
      return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, idx), w)))(
        tf.tensor2d(table, [20, 4]),
      );
    });
  }
  assertAllClose(grads.wasm, grads.cpu, "d table");
  assert.ok(grads.cpu.some((v) => v !== 0));
});

/** [a shape, b shape] pairs, written without transposes; each is run in all four layouts. */
const PRODUCTS: [number[], number[]][] = [
  [[5, 7], [7, 3]], // 2-D
  [[4, 5, 7], [4, 7, 3]], // batched (per-batch XNNPACK products)
  [[2, 3, 5, 7], [2, 3, 7, 3]], // rank 4
  [[4, 5, 7], [7, 3]], // b broadcast: folded into one product
  [[4, 5, 7], [1, 7, 3]],
  [[5, 7], [4, 7, 3]], // a broadcast
  [[2, 1, 5, 7], [1, 3, 7, 3]], // general broadcast
  [[3, 5, 7], [2, 1, 7, 3]],
  [[1, 1], [1, 1]],
  // Widths that are multiples of 8 take our relaxed-SIMD products (matmul_kernel.ts): rows not a multiple
  // of 6, k beyond one packed block of 256, more than one block of 256 columns.
  [[13, 300], [300, 264]],
  [[4, 7, 9], [4, 9, 16]], // batched
  [[3, 5, 7], [7, 8]], // folded
  [[2, 1, 7, 9], [1, 3, 9, 8]], // broadcast
];

/** `shape` with its last two dimensions swapped. */
const swapped = (shape: number[]) => [...shape.slice(0, -2), shape.at(-1)!, shape.at(-2)!];

// wasm's products run on the machine's BLAS (when it has one) or on our kernels (off).
for (const engine of PRODUCT_ENGINES) {
  Deno.test(
    `BatchMatMul on ${engineName(engine)}: every transpose combination and broadcast equals cpu`,
    () => withProducts(engine, everyProductEqualsCpu),
  );
}

async function everyProductEqualsCpu() {
  for (const [aShape, bShape] of PRODUCTS) {
    for (
      const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]]
    ) {
      const sa = transposeA ? swapped(aShape) : aShape;
      const sb = transposeB ? swapped(bShape) : bShape;
      const a = values(sa.reduce((x, y) => x * y), 1);
      const b = values(sb.reduce((x, y) => x * y), 2);
      const run = () => tf.matMul(tf.tensor(a, sa), tf.tensor(b, sb), transposeA, transposeB);
      // The reference broadcasts explicitly: tfjs's own kernels get [2, 1] × [1, 3] batches wrong.
      const outer = tf.backend_util.assertAndGetBroadcastShape(sa.slice(0, -2), sb.slice(0, -2));
      const full = (x: number[], shape: number[]) =>
        tf.broadcastTo(tf.tensor(x, shape), [...outer, ...shape.slice(-2)]);
      const reference = () => tf.matMul(full(a, sa), full(b, sb), transposeA, transposeB);
      const what = `${sa}${transposeA ? "ᵀ" : ""} × ${sb}${transposeB ? "ᵀ" : ""}`;
      assertAllClose(await on("wasm", run), await on("cpu", reference), what);
    }
  }
}

Deno.test("_FusedMatMul: bias and activation right on batched and transposed products", async () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[5, 7], [7, 3], false, false],
    [[7, 5], [3, 7], true, true],
    [[4, 5, 7], [4, 7, 3], false, false], // batched: the stock kernel adds the wrong bias here
    [[4, 7, 5], [4, 3, 7], true, true],
  ];
  const activations = ["linear", "relu", "relu6", "elu", "sigmoid", "leakyrelu", "prelu"] as const;
  for (const [sa, sb, transposeA, transposeB] of cases) {
    for (const activation of activations) {
      const run = () =>
        tf.fused.matMul({
          a: tf.tensor(values(sa.reduce((x, y) => x * y), 3), sa),
          b: tf.tensor(values(sb.reduce((x, y) => x * y), 4), sb),
          transposeA,
          transposeB,
          bias: tf.tensor1d([0.5, -1, 2]),
          activation,
          preluActivationWeights: activation === "prelu" ? tf.tensor1d([0.1, 0.2, 0.3]) : undefined,
          leakyreluAlpha: 0.3,
        });
      assertAllClose(await on("wasm", run), await on("cpu", run), `${sa} × ${sb} ${activation}`);
    }
  }
});

Deno.test("Sum over leading axes (our SIMD loop) equals cpu, other axes too", async () => {
  const cases: [number[], number | number[], boolean][] = [
    [[6, 8], 0, false], // a bias gradient
    [[2, 3, 8], [0, 1], false], // a LayerNorm weight gradient
    [[2, 3, 8], [1, 0], true],
    [[5, 4, 2], 0, false], // rows of 8 floats
    [[5, 6], 0, false], // rows of 6 floats: the stock kernel
    [[2, 3, 8], [0, 2], false], // not leading: the stock kernel
    [[2, 3, 8], -1, false],
  ];
  for (const [shape, axis, keepDims] of cases) {
    const x = values(shape.reduce((a, b) => a * b), 5);
    const run = () => tf.sum(tf.tensor(x, shape), axis, keepDims);
    const what = `sum of ${shape} over ${axis}${keepDims ? ", dims kept" : ""}`;
    assertAllClose(await on("wasm", run), await on("cpu", run), what);
    const shapeOn = async (backend: Backend) => {
      await initBackend(backend);
      const out = run();
      out.dispose();
      return out.shape;
    };
    assert.deepEqual(await shapeOn("wasm"), await shapeOn("cpu"), what);
  }
});
