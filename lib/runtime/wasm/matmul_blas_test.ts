import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend.ts";
import { describeBackend, productsEngine } from "../backend.ts";
import {
  activeBlas,
  AUTO_LIBRARIES,
  autoChoice,
  autoKey,
  type Blas,
  blasChoice,
  measureAuto,
  OUR_KERNELS,
  selectBlas,
} from "./matmul_blas.ts";
import { chooseEngine, describeChoice, type EngineCandidate } from "./engine_choice.ts";
import { readCachedChoice, writeCachedChoice } from "./engine_cache.ts";
import { probeLibrary } from "./library_probe.ts";
import { rereadSettings } from "../../settings.ts";
import { gemm, gemmSupports } from "./matmul_kernel.ts";
import { heapBuffer, heapOffset, type WasmBackend, wasmHeap } from "./wasm_internals.ts";
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

/** `library`'s products on the wasm heap equal float64's, for every shape and transpose. */
function assertEqualsFloat64(library: Blas): void {
  for (const shape of SHAPES) {
    const [m, k, n] = shape;
    for (const transposes of TRANSPOSES) {
      const [transposeA, transposeB] = transposes;
      assertHeapProduct(backend, shape, transposes, (a, b, out) => {
        library.gemm(heapBuffer(backend)!, a, b, out, [m, k, n], transposeA, transposeB);
      });
    }
  }
}

Deno.test({
  name: "BLAS products on the wasm heap equal a float64 product, transposed operands too",
  ignore: blas == null,
  fn() {
    assertEqualsFloat64(blas!);
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
      // Close; the same bits only where both sum in the same order (OpenBLAS' AVX-512 kernels
      // can): the wrong-library test below shows tf.matMul leaving our kernels.
      assert.ok(worst(onBlas, onOurs) <= 64 * 2 ** -23);
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
    // The library imports tfjs by its name in deno.json: the script runs under that config.
    const config = new URL("../../../deno.json", import.meta.url).pathname;
    const args = ["run", "--no-prompt", "--allow-env", "--config", config, file];
    const { stdout } = await new Deno.Command(Deno.execPath(), { args }).output();
    const { auto, explicit } = JSON.parse(new TextDecoder().decode(stdout));
    assert.equal(auto, null);
    assert.match(explicit, /BLAS library libopenblas\.so\.0 cannot be loaded: .*ffi/i);
  } finally {
    await Deno.remove(file);
  }
});

/** Our kernels as a chooser candidate, `repeats` times per product (slower the more). */
function ours(label: string, repeats = 1, wrong = false): EngineCandidate {
  return {
    label,
    supports: (m, k, n) => gemmSupports(backend, m, k, n),
    product(a, b, out, shape, transposeA, transposeB) {
      for (let r = 0; r < repeats; r++) gemm(backend, a, b, out, shape, transposeA, transposeB);
      if (wrong) new Float32Array(heapBuffer(backend)!, out, 1)[0] += 1e-3;
    },
  };
}

Deno.test("the chooser keeps the faster of two verified engines and refuses a wrong one", () => {
  const slow = ours("slow", 4);
  const fast = ours("fast");
  const wrong = ours("wrong", 1, true);
  const choice = chooseEngine(wasmHeap(backend), [slow, wrong, fast]);
  assert.equal(choice.chosen, fast);
  const [slowFigure, wrongFigure, fastFigure] = choice.figures;
  assert.ok(fastFigure.gflops! > slowFigure.gflops!, JSON.stringify(choice.figures));
  assert.equal(wrongFigure.gflops, undefined);
  assert.match(wrongFigure.refused!, /^33×65×40: out\[0, 0\] = .*, float64 says /);
  assert.match(
    describeChoice(choice),
    /^chosen by measuring: [\d.]+ vs slow [\d.]+ GFLOP\/s; wrong refused: 33×65×40/,
  );
  assert.equal(chooseEngine(wasmHeap(backend), [wrong]).chosen, null);
});

Deno.test({
  name: "auto verifies every engine here, keeps the fastest and measures once per process",
  ignore: blas == null,
  fn() {
    try {
      selectBlas("auto");
      const measured = autoChoice()!;
      assert.ok(measured.figures.length >= 2, JSON.stringify(measured.figures));
      for (const figure of measured.figures) assert.ok(figure.gflops! > 0, JSON.stringify(figure));
      const fastest = measured.figures.reduce((a, b) => a.gflops! >= b.gflops! ? a : b);
      assert.equal(measured.chosen!.label, fastest.label);
      assert.equal(activeBlas()?.name ?? OUR_KERNELS, productsEngine());
      // The chosen library is what products use, and what gradient workers are told to load.
      assert.equal(blasChoice(), activeBlas()?.file ?? "off");
      assert.match(
        describeBackend("wasm"),
        /\(chosen by measuring(, cached)?: [\d.]+ vs .* GFLOP\/s\)$/,
      );
      assert.equal(selectBlas("off"), null);
      selectBlas("auto");
      assert.equal(autoChoice(), measured);
      // Every library auto found computes float64's products within float32 rounding.
      const chosen = activeBlas();
      if (chosen != null) assertEqualsFloat64(chosen);
    } finally {
      selectBlas("auto");
    }
  },
});

Deno.test({
  name: "each BLAS auto can load (BLIS too) equals float64 products; a named file is used as named",
  ignore: blas == null,
  fn() {
    try {
      for (const file of AUTO_LIBRARIES) {
        let library;
        try {
          library = selectBlas(file)!;
        } catch {
          continue;
        }
        assert.equal(blasChoice(), file);
        assert.equal(activeBlas(), library);
        assertEqualsFloat64(library);
      }
    } finally {
      selectBlas("auto");
    }
  },
});

const WRONG_SGEMM = `
void cblas_sgemm(int order, int ta, int tb, int m, int n, int k, float alpha, const float *a,
                 int lda, const float *b, int ldb, float beta, float *c, int ldc) {
  for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) c[i * ldc + j] = 1.0f;
}`;

/** A cblas_sgemm that crashes its process, and one that never returns. */
const CRASHING_SGEMM = `#include <stdlib.h>
void cblas_sgemm(void) { abort(); }`;
const HANGING_SGEMM = `void cblas_sgemm(void) { for (volatile int i = 0;; i++) {} }`;

/** A shared library with `source`'s cblas_sgemm (wrong by default), built with cc; null without cc. */
async function wrongLibrary(source = WRONG_SGEMM): Promise<string | null> {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/wrong.c`, source);
  const args = ["-shared", "-fPIC", "-o", `${dir}/libwrong.so`, `${dir}/wrong.c`];
  try {
    const { success } = await new Deno.Command("cc", { args, stderr: "null" }).output();
    return success ? `${dir}/libwrong.so` : null;
  } catch {
    return null;
  }
}

const wrong = await wrongLibrary();
if (wrong == null) console.warn("blas_test: no C compiler (cc); the wrong-library test is skipped");

Deno.test({
  name: "auto refuses a library whose products are wrong, saying why; named, it is used as today",
  ignore: wrong == null,
  fn() {
    try {
      const { chosen, choice } = measureAuto(backend, [wrong!]);
      assert.equal(chosen, null);
      assert.equal(choice.chosen?.label, OUR_KERNELS);
      const refused = choice.figures.find((f) => f.label === wrong);
      assert.match(refused!.refused!, /^5×7×3: out\[0, 0\] = 1, float64 says /);
      assert.match(describeChoice(choice), new RegExp(`${wrong} refused: 5×7×3`));
      assert.equal(selectBlas(wrong!)?.file, wrong);
      const product = tf.matMul(tf.ones([9, 5]), tf.zeros([5, 8]));
      assert.deepEqual([...product.dataSync()], new Array(72).fill(1)); // the wrong library's 1s
      product.dispose();
    } finally {
      selectBlas("auto");
    }
  },
});

Deno.test({
  name: "a library that crashes or hangs in its probe is refused; the caller carries on",
  ignore: wrong == null,
  async fn() {
    const crashing = (await wrongLibrary(CRASHING_SGEMM))!;
    const crashed = probeLibrary(crashing, undefined).figure!;
    assert.match(crashed.refused!, /^its probe exited with code \d+/);
    const hanging = (await wrongLibrary(HANGING_SGEMM))!;
    const started = performance.now();
    const hung = probeLibrary(hanging, undefined, 3).figure!;
    assert.equal(hung.refused, "its probe ran past 3 s");
    assert.ok(performance.now() - started < 15_000);
    assert.match(probeLibrary("/nonexistent/libblas.so", null).missing!, /cannot be loaded/);
  },
});

/** Runs `fn` with `QA_CACHE` set to a fresh temporary folder. */
function withTempCache(fn: () => void) {
  const before = Deno.env.get("QA_CACHE");
  Deno.env.set("QA_CACHE", Deno.makeTempDirSync());
  rereadSettings();
  try {
    fn();
  } finally {
    if (before == null) Deno.env.delete("QA_CACHE");
    else Deno.env.set("QA_CACHE", before);
    rereadSettings();
  }
}

Deno.test({
  name: "auto's choice is cached per CPU and libraries: the next measurement reuses it, verified",
  ignore: blas == null,
  fn: () =>
    withTempCache(() => {
      const first = measureAuto(backend);
      assert.equal(first.choice.cached, undefined);
      const second = measureAuto(backend);
      assert.equal(second.choice.cached, true);
      assert.equal(second.chosen, first.chosen);
      assert.deepEqual(second.choice.figures, first.choice.figures);
      assert.match(describeChoice(second.choice), /^chosen by measuring, cached: /);
    }),
});

Deno.test({
  name: "a cached choice of a library whose products are wrong is verified, refused and measured",
  ignore: wrong == null,
  fn: () =>
    withTempCache(() => {
      const key = autoKey([wrong!]);
      const figures = [{ label: wrong!, gflops: 1e6 }];
      writeCachedChoice(key, { chosen: wrong!, library: { file: wrong! }, figures });
      assert.equal(readCachedChoice(key)?.chosen, wrong);
      const { chosen, choice } = measureAuto(backend, [wrong!]);
      assert.equal(chosen, null);
      assert.equal(choice.cached, undefined);
      assert.match(choice.figures.find((f) => f.label === wrong)!.refused!, /out\[0, 0\] = 1,/);
      assert.equal(readCachedChoice(key)?.chosen, OUR_KERNELS);
    }),
});

Deno.test({
  name: "with all permissions auto also verifies and times OpenBLAS told the CPU's best core type",
  ignore: blas == null || !blas.name.startsWith("OpenBLAS"),
  async fn() {
    // Deno lets only --allow-all read /proc/cpuinfo: the measurement runs in a child that has it.
    const script = `
      import { initBackend } from "${new URL("../backend.ts", import.meta.url).href}";
      import { activeBlas, autoChoice, bestCoreType } from "${
      new URL("./matmul_blas.ts", import.meta.url).href
    }";
      await initBackend("wasm");
      const name = activeBlas()?.name;
      console.log(JSON.stringify({ core: bestCoreType(), name, choice: autoChoice() }));`;
    const config = new URL("../../../deno.json", import.meta.url).pathname;
    const cache = await Deno.makeTempDir();
    const { stdout, success } = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "-A", "--config", config, script],
      env: { QA_CACHE: cache, QA_BLAS: "auto" },
    }).output();
    assert.ok(success);
    const { core, choice } = JSON.parse(new TextDecoder().decode(stdout));
    const figures: { label: string; gflops?: number }[] = choice.figures;
    if (core == null || blas!.name.includes(` ${core} `)) return; // nothing better to tell it
    const told = figures.find((f) => f.label.startsWith("OpenBLAS") && f.label.endsWith(core));
    assert.ok(told?.gflops! > 0, JSON.stringify(figures));
  },
});
