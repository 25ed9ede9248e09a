import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend.ts";
import { activeBlas, blasChoice, selectBlas } from "./matmul_blas.ts";
import { gemm } from "./matmul_kernel.ts";
import { heapBuffer, heapOffset, type WasmBackend } from "./wasm_internals.ts";
import { assertHeapProduct } from "../../../test/heap_matmul.ts";
import { values, worst } from "../../../test/values.ts";

await initBackend("wasm");
const backend = tf.backend() as unknown as WasmBackend;
const blas = selectBlas("auto");
// CI installs OpenBLAS (libopenblas0-pthread): there these tests run; a machine without a BLAS
// runs our kernels only, and the tests about the library say why they are skipped.
if (blas == null) console.warn("blas_test: no OpenBLAS or Accelerate here; library tests skipped");

const SHAPES = [[1, 1, 1], [5, 7, 3], [13, 300, 264], [97, 515, 130]];
const TRANSPOSES = [[false, false], [true, false], [false, true], [true, true]];

Deno.test({
  name: "BLAS products on the wasm heap equal a float64 product, transposed operands too",
  ignore: blas == null,
  fn() {
    for (const shape of SHAPES) {
      const [m, k, n] = shape;
      for (const transposes of TRANSPOSES) {
        const [transposeA, transposeB] = transposes;
        assertHeapProduct(backend, shape, transposes, (a, b, out) => {
          blas!.gemm(heapBuffer(backend)!, a, b, out, [m, k, n], transposeA, transposeB);
        });
      }
    }
  },
});

/** tf.matMul's result and what `engine` writes for the same operands, called directly. */
function routed(
  engine: (a: number, b: number, out: number, shape: [number, number, number]) => void,
) {
  const [m, k, n] = [37, 64, 48];
  const a = tf.tensor(values(m * k, 1), [m, k]);
  const b = tf.tensor(values(k * n, 2), [k, n]);
  const viaMatMul = tf.matMul(a, b);
  const direct = tf.zeros([m, n]);
  engine(heapOffset(backend, a), heapOffset(backend, b), heapOffset(backend, direct), [m, k, n]);
  const result = [viaMatMul.dataSync(), direct.dataSync()];
  tf.dispose([a, b, viaMatMul, direct]);
  return result;
}

Deno.test({
  name: "tf.matMul runs on the BLAS when chosen, on our kernels with off (bit for bit each)",
  ignore: blas == null,
  fn() {
    try {
      selectBlas("auto");
      const [onBlas, blasDirect] = routed((a, b, out, shape) =>
        blas!.gemm(heapBuffer(backend)!, a, b, out, shape, false, false)
      );
      assert.deepEqual(onBlas, blasDirect);
      assert.equal(selectBlas("off"), null);
      assert.equal(activeBlas(), null);
      assert.equal(blasChoice(), "off");
      const [onOurs, oursDirect] = routed((a, b, out, shape) => gemm(backend, a, b, out, shape));
      assert.deepEqual(onOurs, oursDirect);
      // The two engines sum in different orders: close, not the same bits.
      assert.ok(worst(onBlas, onOurs) <= 64 * 2 ** -23);
      assert.notDeepEqual(onBlas, onOurs);
    } finally {
      selectBlas("auto");
    }
  },
});

Deno.test("a BLAS file that cannot be loaded, or has no cblas_sgemm, is named in the error", () => {
  try {
    assert.throws(
      () => selectBlas("/nonexistent/libopenblas.so.0"),
      /BLAS library \/nonexistent\/libopenblas\.so\.0 cannot be loaded/,
    );
    const libc = Deno.build.os === "darwin" ? "libSystem.B.dylib" : "libc.so.6";
    assert.throws(() => selectBlas(libc), new RegExp(`BLAS library ${libc} .*cblas_sgemm`));
  } finally {
    selectBlas("auto");
  }
});

Deno.test("without FFI permission auto keeps our kernels; an explicit library says why", async () => {
  const script = `
    import { selectBlas } from "${new URL("./matmul_blas.ts", import.meta.url).href}";
    const auto = selectBlas("auto");
    let explicit = "loaded";
    try { selectBlas("libopenblas.so.0"); } catch (err) { explicit = (err as Error).message; }
    console.log(JSON.stringify({ auto, explicit }));`;
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(file, script);
    const args = ["run", "--no-prompt", "--allow-env", file];
    const { stdout } = await new Deno.Command(Deno.execPath(), { args }).output();
    const { auto, explicit } = JSON.parse(new TextDecoder().decode(stdout));
    assert.equal(auto, null);
    assert.match(explicit, /BLAS library libopenblas\.so\.0 cannot be loaded: .*ffi/i);
  } finally {
    await Deno.remove(file);
  }
});
