import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend.ts";
import { BLOCKS, gemm, gemmSupports } from "./matmul_kernel.ts";
import { gemmModuleBytes } from "./matmul_kernel_module.ts";
import type { WasmBackend } from "./wasm_internals.ts";
import { assertHeapProduct } from "../../../test/heap_matmul.ts";

await initBackend("wasm");
const backend = tf.backend() as unknown as WasmBackend;

Deno.test("the gemm module validates with and without relaxed SIMD's fused multiply-add", () => {
  assert.ok(WebAssembly.validate(gemmModuleBytes(false)));
  // Deno's V8 has relaxed SIMD: the fast module must be the one in use here.
  assert.ok(WebAssembly.validate(gemmModuleBytes(true)));
});

Deno.test("gemm equals a float64 product across block edges, transposed operands too", () => {
  const { k: kBlock, m: mBlock, n: nBlock } = BLOCKS;
  const shapes = [
    [1, 1, 8],
    [5, 5, 16], // rows: one block of 4 and a rest of 1
    [6, 3, 8], // … of 2
    [7, 9, 16], // … of 3
    [mBlock + 5, kBlock + 3, nBlock + 8], // every dimension one block and a bit
    [2 * mBlock, 2 * kBlock, 24],
  ];
  for (const shape of shapes) {
    const [m, k, n] = shape;
    for (const transposes of [[false, false], [true, false], [false, true], [true, true]]) {
      const [transposeA, transposeB] = transposes;
      assert.ok(gemmSupports(backend, m, k, n), `${shape} supported`);
      assertHeapProduct(backend, shape, transposes, (a, b, out) => {
        gemm(backend, a, b, out, [m, k, n], transposeA, transposeB);
      });
    }
  }
});

Deno.test("gemm takes widths that are multiples of 8 only", () => {
  assert.ok(gemmSupports(backend, 5, 3, 16));
  assert.ok(!gemmSupports(backend, 5, 3, 12));
  assert.ok(!gemmSupports(backend, 0, 3, 8));
});
