// The WebAssembly module of our float32 matrix product (see matmul_kernel.ts), written out as bytes here:
// register-blocked micro-kernels that keep a 4 × 8 block of the product in 8 SIMD registers and
// add one rank-1 update per step of k with fused multiply-adds (relaxed SIMD's f32x4.relaxed_madd,
// a single FMA instruction on x86-64 and ARM64). XNNPACK's wasm build in tfjs-backend-wasm has no
// relaxed SIMD, so its products need a multiply and an add per step and run at about half the
// speed. Where the engine lacks relaxed SIMD, the same kernels are built with a multiply and an add.
//
// Deno does not enable V8's WebAssembly trap handler (denoland/deno#35658), so every load carries
// an explicit bounds check (two or three more instructions). The block kernel therefore reads A's
// four values at a step of k as one vector and splats them by shuffles: three loads a step (A, two
// halves of B's row) for 8 FMAs, where a broadcast per row of a 6 × 8 block took eight for 12, and
// the kernel stays bound by its FMAs rather than by the instructions around them.
//
// The module imports the memory of tfjs-backend-wasm, so it works on tensors in place.
import {
  bodyBuilder,
  EMPTY_BLOCK,
  f32Load,
  f32Store,
  get,
  type HeapFunction,
  heapModuleBytes,
  I32,
  i32,
  laneSplat,
  load,
  OP,
  set,
  shuffle,
  SIMD,
  simd,
  splat,
  store,
  V128,
} from "./wasm_emit.ts";

/** Rows of a block of the product (the block kernel's). Fewer rows at the end: `rows1` … `rows3`. */
export const ROWS = 4;
/** Columns of the product a micro-kernel call computes (two 4-lane vectors). */
export const COLUMNS = 8;
/** Steps of k per turn of the micro-kernels' loop (a power of 2). */
const UNROLL = 4;

type Kernel = Pick<HeapFunction, "locals" | "body">;

/**
 * `rows(ap, bp, c, ldc, k, accumulate, blocks)`: for each of `blocks` blocks of `rowCount` rows,
 * C[rows, 0..8) (+)= A[rows, 0..k) · Bp. A is packed (`packA`: for each step of k, the block's
 * `rowCount` values; blocks one after another), Bp is a panel of k × 8 floats (8 columns of B, row
 * after row) and C rows are `ldc` bytes apart. With `accumulate` the product is added to C,
 * otherwise it replaces it. Blocks follow each other down C. With `vectorA` (4 rows) a step's
 * values of A are one vector load, splat by shuffles; otherwise each is a broadcast load.
 */
function rowsKernel(
  rowCount: number,
  fma: boolean,
  unroll: number,
  vectorA = false,
): Kernel {
  const [ap, bp, c, ldc, k, accumulate, blocks] = [0, 1, 2, 3, 4, 5, 6];
  let next = 7;
  const end = next++;
  const unrolledEnd = next++;
  const panel = next++;
  const acc = Array.from({ length: rowCount }, () => [next++, next++]); // v128
  const b = [next++, next++];
  const av = next++;
  const aStep = next++; // vectorA: the step's values of A
  const locals: [number, number][] = [[3, I32], [2 * rowCount + 4, V128]];
  const { body, emit } = bodyBuilder();
  const row = (r: number) => [...get(c), ...get(ldc), ...i32(r), OP.i32Mul, OP.i32Add];
  emit([OP.loop, EMPTY_BLOCK]); // over blocks of rows
  // Accumulators start at zero (each block, not only on entry), or at C.
  for (let r = 0; r < rowCount; r++) {
    for (let j = 0; j < 2; j++) emit(i32(0), simd(SIMD.i32x4Splat), set(acc[r][j]));
  }
  emit(get(accumulate), [OP.if, EMPTY_BLOCK]);
  for (let r = 0; r < rowCount; r++) {
    for (let j = 0; j < 2; j++) emit(row(r), load(16 * j), set(acc[r][j]));
  }
  emit([OP.end]);
  emit(get(bp), set(panel));
  emit(get(bp), get(k), i32(32), [OP.i32Mul], [OP.i32Add], set(end));
  // One rank-1 update: the u-th step of k from `panel` and `ap`.
  const update = (u: number) => {
    if (vectorA) emit(get(ap), load(16 * u), set(aStep));
    for (let j = 0; j < 2; j++) emit(get(panel), load(32 * u + 16 * j), set(b[j]));
    for (let r = 0; r < rowCount; r++) {
      if (vectorA) emit(get(aStep), get(aStep), laneSplat(r), set(av));
      else emit(get(ap), splat(4 * (rowCount * u + r)), set(av));
      for (let j = 0; j < 2; j++) {
        if (fma) {
          emit(get(av), get(b[j]), get(acc[r][j]), simd(SIMD.f32x4RelaxedMadd), set(acc[r][j]));
        } else {
          emit(get(acc[r][j]), get(av), get(b[j]), simd(SIMD.f32x4Mul), simd(SIMD.f32x4Add));
          emit(set(acc[r][j]));
        }
      }
    }
  };
  // Steps of k, `unroll` at a time while they last, then one at a time.
  const loopOver = (steps: number, until: number) => {
    emit(get(panel), get(until), [OP.i32LtU], [OP.if, EMPTY_BLOCK], [OP.loop, EMPTY_BLOCK]);
    for (let u = 0; u < steps; u++) update(u);
    emit(get(ap), i32(4 * rowCount * steps), [OP.i32Add], set(ap));
    emit(get(panel), i32(32 * steps), [OP.i32Add], set(panel));
    emit(get(panel), get(until), [OP.i32LtU], [OP.brIf, 0], [OP.end], [OP.end]);
  };
  emit(get(bp), get(k), i32(-unroll), [OP.i32And], i32(32), [OP.i32Mul], [OP.i32Add]);
  emit(set(unrolledEnd));
  loopOver(unroll, unrolledEnd);
  loopOver(1, end);
  for (let r = 0; r < rowCount; r++) {
    for (let j = 0; j < 2; j++) emit(row(r), get(acc[r][j]), store(16 * j));
  }
  // Next block: c += rowCount·ldc (ap already points at the next block), until blocks is 0.
  emit(get(c), get(ldc), i32(rowCount), [OP.i32Mul], [OP.i32Add], set(c));
  emit(get(blocks), i32(1), [OP.i32Sub], set(blocks));
  emit(get(blocks), [OP.i32Eqz], [OP.i32Eqz], [OP.brIf, 0], [OP.end]);
  return { locals, body };
}

/**
 * `packA(a, rowStride, kStride, k, blocks, out)`: for each of `blocks` blocks of `rowCount` rows,
 * writes A[row, kk] for kk in 0..k, row in the block (element (row, kk) at a + row·rowStride +
 * kk·kStride: a transposed A is packed as it is), as `rows` reads them.
 */
function packAKernel(rowCount: number): Kernel {
  const [a, rowStride, kStride, k, blocks, out] = [0, 1, 2, 3, 4, 5];
  const [source, left] = [6, 7];
  const locals: [number, number][] = [[2, I32]];
  const { body, emit } = bodyBuilder();
  emit([OP.loop, EMPTY_BLOCK]); // over blocks
  emit(get(a), set(source), get(k), set(left));
  emit([OP.loop, EMPTY_BLOCK]); // over k
  for (let r = 0; r < rowCount; r++) {
    emit(get(out), get(source), get(rowStride), i32(r), [OP.i32Mul], [OP.i32Add]);
    emit(f32Load(0), f32Store(4 * r));
  }
  emit(get(out), i32(4 * rowCount), [OP.i32Add], set(out));
  emit(get(source), get(kStride), [OP.i32Add], set(source));
  emit(get(left), i32(1), [OP.i32Sub], set(left));
  emit(get(left), [OP.i32Eqz], [OP.i32Eqz], [OP.brIf, 0], [OP.end]);
  emit(get(a), get(rowStride), i32(rowCount), [OP.i32Mul], [OP.i32Add], set(a));
  emit(get(blocks), i32(1), [OP.i32Sub], set(blocks));
  emit(get(blocks), [OP.i32Eqz], [OP.i32Eqz], [OP.brIf, 0], [OP.end]);
  return { locals, body };
}

/**
 * `packA` for blocks of `ROWS` (4) rows with vector loads and stores. `transposed` (A stored as
 * Aᵀ, so a step's four rows are adjacent, `kStride` bytes apart): one load and one store a step.
 * Otherwise (rows `rowStride` bytes apart, steps adjacent): four steps of the four rows at a
 * time, transposed in registers by shuffles, then the steps left one value at a time.
 */
function packVectorKernel(transposed: boolean): Kernel {
  const [a, rowStride, kStride, k, blocks, out] = [0, 1, 2, 3, 4, 5];
  const [source, left] = [6, 7];
  const [r0, r1, r2, r3, low01, low23, high01, high23] = [8, 9, 10, 11, 12, 13, 14, 15];
  const locals: [number, number][] = [[2, I32], [8, V128]];
  const { body, emit } = bodyBuilder();
  const rowAt = (r: number) => [...get(source), ...get(rowStride), ...i32(r), OP.i32Mul, OP.i32Add];
  emit([OP.loop, EMPTY_BLOCK]); // over blocks
  emit(get(a), set(source), get(k), set(left));
  if (transposed) {
    emit([OP.loop, EMPTY_BLOCK]); // over k: the block's four rows are one vector
    emit(get(out), get(source), load(0), store(0));
    emit(get(out), i32(16), [OP.i32Add], set(out));
    emit(get(source), get(kStride), [OP.i32Add], set(source));
    emit(get(left), i32(1), [OP.i32Sub], set(left));
    emit(get(left), [OP.i32Eqz], [OP.i32Eqz], [OP.brIf, 0], [OP.end]);
  } else {
    // Four steps at a time: rows r0..r3 hold A[row, kk..kk+4); the 4 × 4 transpose gives, for
    // each step, the four rows' values.
    emit(get(left), i32(4), [OP.i32GeU], [OP.if, EMPTY_BLOCK], [OP.loop, EMPTY_BLOCK]);
    [r0, r1, r2, r3].forEach((r, i) => emit(rowAt(i), load(0), set(r)));
    emit(get(r0), get(r1), shuffle([0, 4, 1, 5]), set(low01));
    emit(get(r2), get(r3), shuffle([0, 4, 1, 5]), set(low23));
    emit(get(r0), get(r1), shuffle([2, 6, 3, 7]), set(high01));
    emit(get(r2), get(r3), shuffle([2, 6, 3, 7]), set(high23));
    emit(get(out), get(low01), get(low23), shuffle([0, 1, 4, 5]), store(0));
    emit(get(out), get(low01), get(low23), shuffle([2, 3, 6, 7]), store(16));
    emit(get(out), get(high01), get(high23), shuffle([0, 1, 4, 5]), store(32));
    emit(get(out), get(high01), get(high23), shuffle([2, 3, 6, 7]), store(48));
    emit(get(out), i32(64), [OP.i32Add], set(out));
    emit(get(source), i32(16), [OP.i32Add], set(source));
    emit(get(left), i32(4), [OP.i32Sub], set(left));
    emit(get(left), i32(4), [OP.i32GeU], [OP.brIf, 0], [OP.end], [OP.end]);
    emit(get(left), [OP.i32Eqz], [OP.i32Eqz], [OP.if, EMPTY_BLOCK], [OP.loop, EMPTY_BLOCK]);
    for (let r = 0; r < ROWS; r++) emit(get(out), rowAt(r), f32Load(0), f32Store(4 * r));
    emit(get(out), i32(16), [OP.i32Add], set(out));
    emit(get(source), i32(4), [OP.i32Add], set(source));
    emit(get(left), i32(1), [OP.i32Sub], set(left));
    emit(get(left), [OP.i32Eqz], [OP.i32Eqz], [OP.brIf, 0], [OP.end], [OP.end]);
  }
  emit(get(a), get(rowStride), i32(ROWS), [OP.i32Mul], [OP.i32Add], set(a));
  emit(get(blocks), i32(1), [OP.i32Sub], set(blocks));
  emit(get(blocks), [OP.i32Eqz], [OP.i32Eqz], [OP.brIf, 0], [OP.end]);
  return { locals, body };
}

/**
 * `pack(b, ldb, k, panels, out)`: copies B[0..k, 0..8·panels) (rows `ldb` bytes apart) into
 * panels of k × 8 floats, one after another at `out`.
 */
function packKernel(): Kernel {
  const [b, ldb, k, panels, out] = [0, 1, 2, 3, 4];
  const [source, left] = [5, 6];
  const locals: [number, number][] = [[2, I32]];
  const { body, emit } = bodyBuilder();
  emit([OP.loop, EMPTY_BLOCK]); // over panels
  emit(get(b), set(source), get(k), set(left));
  emit([OP.loop, EMPTY_BLOCK]); // over rows of the panel
  emit(get(out), get(source), load(0), store(0));
  emit(get(out), get(source), load(16), store(16));
  emit(get(out), i32(32), [OP.i32Add], set(out));
  emit(get(source), get(ldb), [OP.i32Add], set(source));
  emit(get(left), i32(1), [OP.i32Sub], set(left));
  emit(get(left), [OP.i32Eqz], [OP.i32Eqz], [OP.brIf, 0], [OP.end]);
  emit(get(b), i32(32), [OP.i32Add], set(b));
  emit(get(panels), i32(1), [OP.i32Sub], set(panels));
  emit(get(panels), [OP.i32Eqz], [OP.i32Eqz], [OP.brIf, 0], [OP.end]);
  return { locals, body };
}

/**
 * `packTransposed(bt, ldbt, k, panels, out)`: as `pack`, from Bᵀ: B[kk, j] is Bᵀ[j, kk], rows of
 * Bᵀ `ldbt` bytes apart (a transposed B is packed as it is, without transposing it first).
 */
function packTransposedKernel(): Kernel {
  const [bt, ldbt, k, panels, out] = [0, 1, 2, 3, 4];
  const [source, left] = [5, 6];
  const rowOffset = Array.from({ length: COLUMNS }, (_, j) => 7 + j); // j·ldbt
  const locals: [number, number][] = [[2 + COLUMNS, I32]];
  const { body, emit } = bodyBuilder();
  for (let j = 0; j < COLUMNS; j++) emit(get(ldbt), i32(j), [OP.i32Mul], set(rowOffset[j]));
  emit([OP.loop, EMPTY_BLOCK]); // over panels
  emit(get(bt), set(source), get(k), set(left));
  emit([OP.loop, EMPTY_BLOCK]); // over steps of k: one value from each of 8 rows of Bᵀ
  for (let j = 0; j < COLUMNS; j++) {
    emit(get(out), get(source), get(rowOffset[j]), [OP.i32Add], f32Load(0), f32Store(4 * j));
  }
  emit(get(out), i32(4 * COLUMNS), [OP.i32Add], set(out));
  emit(get(source), i32(4), [OP.i32Add], set(source));
  emit(get(left), i32(1), [OP.i32Sub], set(left));
  emit(get(left), [OP.i32Eqz], [OP.i32Eqz], [OP.brIf, 0], [OP.end]);
  emit(get(bt), get(ldbt), i32(COLUMNS), [OP.i32Mul], [OP.i32Add], set(bt));
  emit(get(panels), i32(1), [OP.i32Sub], set(panels));
  emit(get(panels), [OP.i32Eqz], [OP.i32Eqz], [OP.brIf, 0], [OP.end]);
  return { locals, body };
}

/**
 * The module's bytes: exports `block` (`rowsKernel` on blocks of `ROWS` rows, A read as vectors),
 * `packBlockRows` and `packBlockColumns` (`packVectorKernel`: A packed for `block`), and for the
 * rows left below the last block `rows1` … `rows${ROWS - 1}` and `packA1` … `packA${ROWS - 1}`
 * (`packAKernel`), then `pack` and `packTransposed`; it imports `env.memory`. `fma` selects
 * relaxed SIMD's fused multiply-add.
 */
export function gemmModuleBytes(fma: boolean, unroll = UNROLL): Uint8Array<ArrayBuffer> {
  const restCounts = Array.from({ length: ROWS - 1 }, (_, i) => i + 1);
  return heapModuleBytes([
    { name: "block", params: 7, ...rowsKernel(ROWS, fma, unroll, true) },
    ...restCounts.map((r) => ({
      name: `rows${r}`,
      params: 7,
      ...rowsKernel(r, fma, unroll),
    })),
    ...restCounts.map((r) => ({ name: `packA${r}`, params: 6, ...packAKernel(r) })),
    { name: "packBlockRows", params: 6, ...packVectorKernel(false) },
    { name: "packBlockColumns", params: 6, ...packVectorKernel(true) },
    { name: "pack", params: 5, ...packKernel() },
    { name: "packTransposed", params: 5, ...packTransposedKernel() },
  ]);
}
