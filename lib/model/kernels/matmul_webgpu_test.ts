// Our webgpu BatchMatMul against a plain loop: every transpose, batches equal or broadcast, and
// shapes that leave partial tiles. Needs a WebGPU adapter (llvmpipe in CI).
import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "../../../test/assert.ts";
import { values } from "../../../test/values.ts";
import { initBackend } from "../backend.ts";
import { type MatMulShader, matMulShader, tileFor, useMatMulShader } from "./matmul_webgpu.ts";

const started = await initBackend("webgpu").catch((e: Error) => e);

/** out[b] = op(a[b]) × op(b[b]) in float64, a batch of 1 broadcast. */
function reference(
  a: Float32Array,
  b: Float32Array,
  [batchA, batchB, m, k, n]: number[],
  transposeA: boolean,
  transposeB: boolean,
): Float64Array {
  const batch = Math.max(batchA, batchB);
  const out = new Float64Array(batch * m * n);
  for (let p = 0; p < batch; p++) {
    const ao = (batchA === 1 ? 0 : p) * m * k;
    const bo = (batchB === 1 ? 0 : p) * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let q = 0; q < k; q++) {
          const x = transposeA ? a[ao + q * m + i] : a[ao + i * k + q];
          const y = transposeB ? b[bo + j * k + q] : b[bo + q * n + j];
          sum += x * y;
        }
        out[p * m * n + i * n + j] = sum;
      }
    }
  }
  return out;
}

Deno.test("webgpu BatchMatMul: every transpose, broadcast batches, partial tiles equal a loop", async () => {
  if (started instanceof Error) {
    throw new Error(`the webgpu tests need a WebGPU adapter: ${started.message}`);
  }
  // [batchA, batchB, m, k, n]: attention's shapes, a dense layer, odd sizes, broadcasts.
  const cases = [
    [6, 6, 37, 8, 45],
    [6, 6, 45, 37, 8],
    [1, 4, 19, 33, 70],
    [4, 1, 70, 5, 19],
    [1, 1, 200, 32, 3],
    [2, 2, 9, 300, 13],
    // Workgroup-memory tiles: 128 and 64 wide, partial tiles, k not a multiple of 8, broadcasts.
    [1, 1, 130, 70, 150],
    [3, 1, 64, 16, 64],
    [2, 2, 200, 9, 260],
    [1, 2, 96, 41, 128],
    // Enough workgroups for the 128-row and 128-column tiles (see the tile test below).
    [66, 1, 256, 12, 256],
    [300, 300, 130, 8, 64],
    [300, 300, 64, 5, 130],
    // Split k: 4 parts of 528 (the last one shorter), partial tiles, broadcast batch.
    [1, 1, 130, 2100, 70],
  ];
  const chosen = matMulShader();
  // The cases the tiles take run on the four tiled shaders; the expected products are made once.
  for (const [index, [batchA, batchB, m, k, n]] of cases.entries()) {
    const shaders: MatMulShader[] = index < 6
      ? [chosen]
      : ["tiled", "vec4", "tiled-prefetch", "vec4-prefetch"];
    for (
      const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]]
    ) {
      const a = values(batchA * m * k, m + k);
      const b = values(batchB * k * n, k + n);
      const aShape = [batchA, ...(transposeA ? [k, m] : [m, k])];
      const bShape = [batchB, ...(transposeB ? [n, k] : [k, n])];
      const expected = reference(a, b, [batchA, batchB, m, k, n], transposeA, transposeB);
      for (const shader of shaders) {
        useMatMulShader(shader);
        const [x, y] = [tf.tensor(a, aShape), tf.tensor(b, bShape)];
        const product = tf.matMul(x, y, transposeA, transposeB);
        assertEquals(product.shape, [Math.max(batchA, batchB), m, n]);
        const actual = await product.data();
        tf.dispose([x, y, product]);
        let worst = 0;
        expected.forEach((v, i) => worst = Math.max(worst, Math.abs(actual[i] - v)));
        const what = `${shader}: ${aShape}${transposeA ? "ᵀ" : ""} × ${bShape}` +
          (transposeB ? "ᵀ" : "");
        assert(worst <= 1e-5 * Math.sqrt(k), `${what}: max abs error ${worst}`);
      }
    }
  }
  useMatMulShader(chosen);
  // Rank 4 (attention) keeps its outer dimensions.
  const q = tf.ones([2, 3, 16, 8]);
  const scores = tf.matMul(q, q, false, true);
  assertEquals(scores.shape, [2, 3, 16, 16]);
  assertEquals(Array.from((await scores.data()).slice(0, 3)), [8, 8, 8]);
  tf.dispose([q, scores]);
});

Deno.test("webgpu BatchMatMul: tiles 128 wide where a side allows, split k or narrower until the GPU fills", () => {
  // DistilBERT at batch 16 × 384: the feed-forward, attention's projections and their weight
  // gradients (k = 6144), attention's scores and context.
  assertEquals(tileFor(1, 6144, 3072, 768), { tm: 8, tn: 8, splits: 1 });
  assertEquals(tileFor(1, 6144, 768, 768), { tm: 8, tn: 8, splits: 1 });
  // Their weight gradients split k into parts of at least 512, aiming at four waves of 264.
  assertEquals(tileFor(1, 768, 768, 6144), { tm: 8, tn: 8, splits: 12 });
  assertEquals(tileFor(1, 768, 3072, 6144), { tm: 8, tn: 8, splits: 8 });
  assertEquals(tileFor(192, 384, 384, 64), { tm: 8, tn: 8, splits: 1 });
  assertEquals(tileFor(192, 384, 64, 384), { tm: 8, tn: 4, splits: 1 });
  // A shallow product of few tiles narrows them instead.
  assertEquals(tileFor(1, 768, 768, 768), { tm: 4, tn: 4, splits: 1 });
  // The cases above that reach the 8-wide variants and split k, and one left to the plain shader.
  assertEquals(tileFor(66, 256, 256, 12), { tm: 8, tn: 8, splits: 1 });
  assertEquals(tileFor(300, 130, 64, 8), { tm: 8, tn: 4, splits: 1 });
  assertEquals(tileFor(300, 64, 130, 5), { tm: 4, tn: 8, splits: 1 });
  assertEquals(tileFor(1, 130, 70, 2100), { tm: 8, tn: 4, splits: 4 });
  assertEquals(tileFor(192, 384, 32, 384), null);
});
