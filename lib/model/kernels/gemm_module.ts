// The WebAssembly module of our float32 matrix product (see gemm.ts), written out as bytes here:
// register-blocked micro-kernels that keep a 6 × 8 block of the product in 12 SIMD registers and
// add one rank-1 update per step of k with fused multiply-adds (relaxed SIMD's f32x4.relaxed_madd,
// a single FMA instruction on x86-64 and ARM64). XNNPACK's wasm build in tfjs-backend-wasm has no
// relaxed SIMD, so its products need a multiply and an add per step and run at about half the
// speed. Where the engine lacks relaxed SIMD, the same kernels are built with a multiply and an add.
//
// The module imports the memory of tfjs-backend-wasm, so it works on tensors in place.

/** Rows of the product a micro-kernel call computes, at most. */
export const ROWS = 6;
/** Columns of the product a micro-kernel call computes (two 4-lane vectors). */
export const COLUMNS = 8;

// Opcodes used below (core and SIMD, https://webassembly.github.io/spec/core/binary/).
const OP = {
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  f32Load: 0x2a,
  f32Store: 0x38,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32LtU: 0x49,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  simd: 0xfd,
};
const SIMD = {
  load: 0x00,
  load32Splat: 0x09,
  store: 0x0b,
  i32x4Splat: 0x11,
  f32x4Add: 0xe4,
  f32x4Mul: 0xe6,
};
const RELAXED_MADD = 0x105;
const I32 = 0x7f;
const V128 = 0x7b;
const EMPTY_BLOCK = 0x40;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  while (true) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** Instruction builders; locals are numbered params first. */
const get = (i: number) => [OP.localGet, ...uleb(i)];
const set = (i: number) => [OP.localSet, ...uleb(i)];
const i32 = (n: number) => [OP.i32Const, ...sleb(n)];
const simd = (op: number) => [OP.simd, ...uleb(op)];
// memarg: alignment (log2) and offset.
const load = (offset: number) => [...simd(SIMD.load), 4, ...uleb(offset)];
const store = (offset: number) => [...simd(SIMD.store), 4, ...uleb(offset)];
const splat = (offset: number) => [...simd(SIMD.load32Splat), 2, ...uleb(offset)];

/**
 * `rows(ap, bp, c, ldc, k, accumulate, blocks)`: for each of `blocks` blocks of `rowCount` rows,
 * C[rows, 0..8) (+)= A[rows, 0..k) · Bp. A is packed (`packA`: for each step of k, the block's
 * `rowCount` values; blocks one after another), Bp is a panel of k × 8 floats (8 columns of B, row
 * after row) and C rows are `ldc` bytes apart. With `accumulate` the product is added to C,
 * otherwise it replaces it. Blocks follow each other down C.
 */
function rowsKernel(rowCount: number, fma: boolean): { locals: number[][]; body: number[] } {
  const [ap, bp, c, ldc, k, accumulate, blocks] = [0, 1, 2, 3, 4, 5, 6];
  let next = 7;
  const end = next++;
  const panel = next++;
  const acc = Array.from({ length: rowCount }, () => [next++, next++]); // v128
  const b = [next++, next++];
  const av = next++;
  const locals = [[...uleb(2), I32], [...uleb(2 * rowCount + 3), V128]];

  const body: number[] = [];
  const emit = (...parts: number[][]) => parts.forEach((p) => body.push(...p));
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
  emit([OP.loop, EMPTY_BLOCK]); // over k
  for (let j = 0; j < 2; j++) emit(get(panel), load(16 * j), set(b[j]));
  for (let r = 0; r < rowCount; r++) {
    emit(get(ap), splat(4 * r), set(av));
    for (let j = 0; j < 2; j++) {
      if (fma) emit(get(av), get(b[j]), get(acc[r][j]), simd(RELAXED_MADD), set(acc[r][j]));
      else {
        emit(get(acc[r][j]), get(av), get(b[j]), simd(SIMD.f32x4Mul), simd(SIMD.f32x4Add));
        emit(set(acc[r][j]));
      }
    }
  }
  emit(get(ap), i32(4 * rowCount), [OP.i32Add], set(ap));
  emit(get(panel), i32(32), [OP.i32Add], set(panel));
  emit(get(panel), get(end), [OP.i32LtU], [OP.brIf, 0], [OP.end]);
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
function packAKernel(rowCount: number): { locals: number[][]; body: number[] } {
  const [a, rowStride, kStride, k, blocks, out] = [0, 1, 2, 3, 4, 5];
  const [source, left] = [6, 7];
  const locals = [[...uleb(2), I32]];
  const body: number[] = [];
  const emit = (...parts: number[][]) => parts.forEach((p) => body.push(...p));
  emit([OP.loop, EMPTY_BLOCK]); // over blocks
  emit(get(a), set(source), get(k), set(left));
  emit([OP.loop, EMPTY_BLOCK]); // over k
  for (let r = 0; r < rowCount; r++) {
    emit(get(out), get(source), get(rowStride), i32(r), [OP.i32Mul], [OP.i32Add]);
    emit([OP.f32Load, 2, 0], [OP.f32Store, 2, ...uleb(4 * r)]);
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
 * `pack(b, ldb, k, panels, out)`: copies B[0..k, 0..8·panels) (rows `ldb` bytes apart) into
 * panels of k × 8 floats, one after another at `out`.
 */
function packKernel(): { locals: number[][]; body: number[] } {
  const [b, ldb, k, panels, out] = [0, 1, 2, 3, 4];
  const [source, left] = [5, 6];
  const locals = [[...uleb(2), I32]];
  const body: number[] = [];
  const emit = (...parts: number[][]) => parts.forEach((p) => body.push(...p));
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
 * The module's bytes: exports `rows1` … `rows6` (`rowsKernel`), `packA1` … `packA6`
 * (`packAKernel`) and `pack` (`packKernel`), and imports `env.memory`. `fma` selects relaxed
 * SIMD's fused multiply-add.
 */
export function gemmModuleBytes(fma: boolean): Uint8Array<ArrayBuffer> {
  const type = (params: number) => [0x60, ...vector(new Array(params).fill([I32])), 0];
  const types = [type(7), type(6), type(5)];
  const rowCounts = Array.from({ length: ROWS }, (_, i) => i + 1);
  const functions = [
    ...rowCounts.map((r) => ({ name: `rows${r}`, type: 0, ...rowsKernel(r, fma) })),
    ...rowCounts.map((r) => ({ name: `packA${r}`, type: 1, ...packAKernel(r) })),
    { name: "pack", type: 2, ...packKernel() },
  ];
  const code = functions.map(({ locals, body }) => {
    const content = [...vector(locals), ...body, OP.end];
    return [...uleb(content.length), ...content];
  });
  const name = (s: string) => vector([...new TextEncoder().encode(s)].map((byte) => [byte]));
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(2, vector([[...name("env"), ...name("memory"), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vector(functions.map((f) => uleb(f.type)))),
    ...section(7, vector(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vector(code)),
  ];
  return new Uint8Array(bytes);
}
