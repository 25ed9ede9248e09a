// Our webgpu BatchMatMul against a plain loop: every transpose, batches equal or broadcast, and
// shapes that leave partial tiles. Needs a WebGPU adapter (llvmpipe in CI).
//
// On a software adapter each pipeline is compiled by LLVM on the CPU, from a cold shader cache for
// seconds to tens of seconds each (LLVM's coroutine passes, for the workgroup barriers): there every
// shader family runs every transpose on 64 × 64 tiles, and the wider tiles and split k run on the
// default family, a pair of transposes each. On a hardware adapter every family runs every tile
// and transpose (tools/gpu_checks.sh tests).
import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "../../../test/assert.ts";
import { values } from "../../../test/values.ts";
import { initBackend } from "../backend.ts";
import { findAdapter } from "./webgpu.ts";
import {
  forceTile,
  forceUnrolled,
  MATMUL_SHADERS,
  type MatMulShader,
  matMulShader,
  tileFor,
  type TileShape,
  useMatMulShader,
} from "./matmul_webgpu.ts";

const started = await initBackend("webgpu").catch((e: Error) => e);
const hardware = !(started instanceof Error) && (await findAdapter())?.fallback === false;
const TILED = MATMUL_SHADERS.filter((s) => s !== "plain");
const TRANSPOSES: [boolean, boolean][] = [[false, false], [true, false], [false, true], [
  true,
  true,
]];

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

/** [batchA, batchB, m, k, n]: the sizes of one product. */
type Sizes = [number, number, number, number, number];

/** The product of op(a) and op(b) for these sizes, operands made from the sizes. */
function operands(sizes: Sizes, [transposeA, transposeB]: [boolean, boolean]) {
  const [batchA, batchB, m, k, n] = sizes;
  const a = values(batchA * m * k, m + k);
  const b = values(batchB * k * n, k + n);
  const aShape = [batchA, ...(transposeA ? [k, m] : [m, k])];
  const bShape = [batchB, ...(transposeB ? [n, k] : [k, n])];
  const what = `${aShape}${transposeA ? "ᵀ" : ""} × ${bShape}${transposeB ? "ᵀ" : ""}`;
  return { a, b, aShape, bShape, what };
}

/** Our product on the GPU, read back. */
async function product(sizes: Sizes, transposes: [boolean, boolean]): Promise<Float32Array> {
  const [batchA, batchB, m, , n] = sizes;
  const { a, b, aShape, bShape } = operands(sizes, transposes);
  const [x, y] = [tf.tensor(a, aShape), tf.tensor(b, bShape)];
  const out = tf.matMul(x, y, ...transposes);
  assertEquals(out.shape, [Math.max(batchA, batchB), m, n]);
  const data = await out.data() as Float32Array;
  tf.dispose([x, y, out]);
  return data;
}

/** Checks each (shader, tile, transposes) run on each of `cases` against the float64 loop. */
async function checkProducts(
  cases: Sizes[],
  runs: { shader: MatMulShader; tile?: TileShape | null; transposes: [boolean, boolean] }[],
): Promise<void> {
  const chosen = matMulShader();
  try {
    for (const sizes of cases) {
      const expected = new Map<string, Float64Array>();
      for (const { shader, tile, transposes } of runs) {
        const key = transposes.join();
        if (!expected.has(key)) {
          const { a, b } = operands(sizes, transposes);
          expected.set(key, reference(a, b, sizes, ...transposes));
        }
        useMatMulShader(shader);
        forceTile(tile);
        const actual = await product(sizes, transposes);
        let worst = 0;
        expected.get(key)!.forEach((v, i) => worst = Math.max(worst, Math.abs(actual[i] - v)));
        const where = `${shader}${tile ? ` ${tile.tm}×${tile.tn}/${tile.splits}` : ""}`;
        const what = `${where}: ${operands(sizes, transposes).what}`;
        assert(worst <= 1e-5 * Math.sqrt(sizes[3]), `${what}: max abs error ${worst}`);
      }
    }
  } finally {
    useMatMulShader(chosen);
    forceTile(undefined);
  }
}

function requireAdapter(): void {
  if (started instanceof Error) {
    throw new Error(`the webgpu tests need a WebGPU adapter: ${started.message}`);
  }
}

Deno.test("webgpu BatchMatMul: narrow and odd products (plain shader), every transpose, broadcasts", async () => {
  requireAdapter();
  // Attention's shapes, odd sizes, broadcasts either way; tileFor leaves them to the plain shader.
  const cases: Sizes[] = [
    [6, 6, 37, 8, 45],
    [6, 6, 45, 37, 8],
    [1, 4, 19, 33, 70],
    [4, 1, 70, 5, 19],
    [1, 1, 200, 32, 3],
    [2, 2, 9, 300, 13],
  ];
  for (const [, , m, k, n] of cases) assertEquals(tileFor(1, m, n, k), null);
  await checkProducts(
    cases,
    TRANSPOSES.map((transposes) => ({ shader: matMulShader(), transposes })),
  );
  // Rank 4 (attention) keeps its outer dimensions.
  const q = tf.ones([2, 3, 16, 8]);
  const scores = tf.matMul(q, q, false, true);
  assertEquals(scores.shape, [2, 3, 16, 16]);
  assertEquals(Array.from((await scores.data()).slice(0, 3)), [8, 8, 8]);
  tf.dispose([q, scores]);
});

Deno.test("webgpu BatchMatMul: every tiled family, every transpose, partial tiles and broadcasts", async () => {
  requireAdapter();
  // 64 × 64 tiles: partial tiles, k not a multiple of 8 or 16, a batch of 1 broadcast either way.
  const cases: Sizes[] = [[1, 2, 70, 37, 90], [3, 1, 64, 16, 64], [2, 2, 9 + 64, 9, 130]];
  const small: TileShape = { tm: 4, tn: 4, splits: 1 };
  await checkProducts(
    cases,
    TILED.flatMap((shader) =>
      TRANSPOSES.map((transposes) => ({ shader, tile: small, transposes }))
    ),
  );
});

Deno.test("webgpu BatchMatMul: 128-wide tiles and split k", async () => {
  requireAdapter();
  // Partial tiles on every side; split k: 4 parts of 528, the last one shorter.
  const cases: Sizes[] = [[1, 2, 130, 21, 150], [1, 1, 130, 2100, 70]];
  const tiles: TileShape[] = [
    { tm: 8, tn: 8, splits: 1 },
    { tm: 8, tn: 4, splits: 1 },
    { tm: 4, tn: 8, splits: 1 },
    { tm: 8, tn: 4, splits: 4 },
  ];
  // A software adapter: the default family, two transposes a tile, all four across the tiles.
  const runs = hardware
    ? TILED.flatMap((shader) =>
      tiles.flatMap((tile) => TRANSPOSES.map((transposes) => ({ shader, tile, transposes })))
    )
    : tiles.flatMap((tile, i) =>
      [TRANSPOSES[i], TRANSPOSES[(i + 2) % 4]].map((transposes) => ({
        shader: matMulShader(),
        tile,
        transposes,
      }))
    );
  // The split cases only for the split tile: the others would cost a second k of 2100 each.
  for (const sizes of cases) {
    const split = sizes[3] > 1000;
    await checkProducts([sizes], runs.filter((run) => (run.tile!.splits > 1) === split));
  }
});

Deno.test("webgpu BatchMatMul: steps along k written out or in a loop give the same bits", async () => {
  requireAdapter();
  const sizes: Sizes = [2, 1, 70, 37, 90];
  const tile: TileShape = { tm: 4, tn: 4, splits: 1 };
  const chosen = matMulShader();
  try {
    for (const [index, shader] of TILED.entries()) {
      const transposes = TRANSPOSES[index];
      useMatMulShader(shader);
      forceTile(tile);
      forceUnrolled(true);
      const unrolled = await product(sizes, transposes);
      forceUnrolled(false);
      const looped = await product(sizes, transposes);
      assertEquals(looped, unrolled, `${shader}: ${operands(sizes, transposes).what}`);
    }
  } finally {
    useMatMulShader(chosen);
    forceTile(undefined);
    forceUnrolled(undefined);
  }
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
