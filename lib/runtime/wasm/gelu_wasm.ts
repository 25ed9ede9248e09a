// The wasm module of the fused bias + GELU (bias_gelu.ts) and its gradient: one SIMD pass each
// way, four floats at a time. tfjs's wasm Erf takes about 12 ns a float and GELU's gradient is a
// dozen more kernels (Square, Neg, Exp, Mul, Cast, Add), each a pass over memory.
//
// erf is Eigen's rational approximation (bias_gelu.ts' ERF_WGSL, the same operations in the same
// order); the density's exp is Cephes' expf: e^u = 2^n · e^r with n = round(u·log₂e), r = u − n·ln 2
// (in two parts, exact), e^r by a degree-7 polynomial, 2^n built in the exponent bits.
import {
  bodyBuilder,
  EMPTY_BLOCK,
  get,
  heapModuleBytes,
  I32,
  i32,
  load,
  OP,
  set,
  SIMD,
  simd,
  store,
  V128,
} from "./wasm_emit.ts";

type Code = number[];

/** A v128 constant with `value` in all four f32 lanes. */
function splat(value: number): Code {
  const bytes = new Uint8Array(new Float32Array([value, value, value, value]).buffer);
  return [...simd(SIMD.v128Const), ...bytes];
}

const binary = (op: number) => (a: Code, b: Code): Code => [...a, ...b, ...simd(op)];
const add = binary(SIMD.f32x4Add);
const sub = binary(SIMD.f32x4Sub);
const mul = binary(SIMD.f32x4Mul);
const div = binary(SIMD.f32x4Div);
const min = binary(SIMD.f32x4Min);
const max = binary(SIMD.f32x4Max);

/** Horner's rule: ((c0·x + c1)·x + c2)…, multiply then add as ERF_WGSL writes it. */
function horner(x: Code, coefficients: number[]): Code {
  let value = splat(coefficients[0]);
  for (const c of coefficients.slice(1)) value = add(mul(x, value), splat(c));
  return value;
}

/** erf(v), Eigen's float32 approximation; `v` is evaluated more than once (pass a local). */
function erf(v: Code, clamped: number, squared: number): Code {
  return [
    ...min(max(v, splat(-4)), splat(4)),
    ...set(clamped),
    ...mul(get(clamped), get(clamped)),
    ...set(squared),
    ...div(
      mul(
        get(clamped),
        horner(get(squared), [
          -2.72614225801306e-10,
          2.77068142495902e-08,
          -2.10102402082508e-06,
          -5.69250639462346e-05,
          -7.34990630326855e-04,
          -2.95459980854025e-03,
          -1.60960333262415e-02,
        ]),
      ),
      horner(get(squared), [
        -1.45660718464996e-05,
        -2.13374055278905e-04,
        -1.68282697438203e-03,
        -7.37332916720468e-03,
        -1.42647390514189e-02,
      ]),
    ),
  ];
}

/** 2^n for whole `n` in [−126, 127]: n + 127 written into the exponent bits. */
function twoToThe(n: Code): Code {
  return [
    ...n,
    ...simd(SIMD.i32x4TruncSatF32x4S),
    ...i32(127),
    ...simd(SIMD.i32x4Splat),
    ...simd(SIMD.i32x4Add),
    ...i32(23),
    ...simd(SIMD.i32x4Shl),
  ];
}

/** e^u for u ≤ 0 (Cephes' expf; below −87.3 it gives e^−87.3, about 1e−38). */
function exp(u: Code, reduced: number, whole: number): Code {
  const r = get(reduced);
  const polynomial = horner(r, [
    1.9875691500e-4,
    1.3981999507e-3,
    8.3334519073e-3,
    4.1665795894e-2,
    1.6666665459e-1,
    5.0000001201e-1,
  ]);
  return [
    ...max(u, splat(-87.3)),
    ...set(reduced),
    ...mul(get(reduced), splat(Math.LOG2E)),
    ...simd(SIMD.f32x4Nearest),
    ...set(whole),
    // r = u − n·ln 2, ln 2 in two parts (0.693359375 − 2.12194440e−4) so that n·0.693359375 is exact.
    ...sub(sub(r, mul(get(whole), splat(0.693359375))), mul(get(whole), splat(-2.12194440e-4))),
    ...set(reduced),
    ...mul(add(add(mul(polynomial, mul(r, r)), r), splat(1)), twoToThe(get(whole))),
  ];
}

/**
 * A loop over `rows` rows of `cols` floats (a multiple of 4): `step` emits the work on the four
 * floats at `pointers` (bytes; each advances by 16) with the bias's four at `bias`, which starts
 * each row at `b`.
 */
function overRows(
  emit: (...parts: Code[]) => void,
  { rows, cols, b, bias, end, first }: Record<string, number>,
  pointers: number[],
  step: () => void,
) {
  emit([OP.loop, EMPTY_BLOCK]); // over rows
  emit(get(b), set(bias), get(first), get(cols), i32(4), [OP.i32Mul], [OP.i32Add], set(end));
  emit([OP.loop, EMPTY_BLOCK]); // over the row, four floats at a time
  step();
  for (const pointer of [...pointers, bias]) {
    emit(get(pointer), i32(16), [OP.i32Add], set(pointer));
  }
  emit(get(first), get(end), [OP.i32LtU], [OP.brIf, 0], [OP.end]);
  emit(get(rows), i32(1), [OP.i32Sub], set(rows));
  emit(get(rows), [OP.i32Eqz], [OP.i32Eqz], [OP.brIf, 0], [OP.end]);
}

/** `biasGelu(x, b, out, rows, cols)`: out = gelu(x + b), x and out [rows, cols], b [cols]. */
function forwardFunction() {
  const [x, b, out, rows, cols] = [0, 1, 2, 3, 4];
  const [bias, end] = [5, 6];
  const [z, clamped, squared] = [7, 8, 9];
  const { body, emit } = bodyBuilder();
  overRows(emit, { rows, cols, b, bias, end, first: x }, [x, out], () => {
    emit(add([...get(x), ...load(0)], [...get(bias), ...load(0)]), set(z));
    const cdfPart = add(splat(1), erf(mul(get(z), splat(Math.SQRT1_2)), clamped, squared));
    emit(get(out), mul(mul(splat(0.5), get(z)), cdfPart), store(0));
  });
  const locals: [number, number][] = [[2, I32], [3, V128]];
  return { name: "biasGelu", params: 5, locals, body };
}

/**
 * `biasGeluGrad(x, b, dy, dx, rows, cols)`: dx = dy · gelu'(x + b), with gelu'(z) = Φ(z) + z·φ(z)
 * (the normal distribution's CDF and density).
 */
function backwardFunction() {
  const [x, b, dy, dx, rows, cols] = [0, 1, 2, 3, 4, 5];
  const [bias, end] = [6, 7];
  const [z, clamped, squared, reduced, whole] = [8, 9, 10, 11, 12];
  const { body, emit } = bodyBuilder();
  overRows(emit, { rows, cols, b, bias, end, first: x }, [x, dy, dx], () => {
    emit(add([...get(x), ...load(0)], [...get(bias), ...load(0)]), set(z));
    const cdf = mul(
      splat(0.5),
      add(splat(1), erf(mul(get(z), splat(Math.SQRT1_2)), clamped, squared)),
    );
    const u = mul(mul(splat(-0.5), get(z)), get(z));
    const density = mul(exp(u, reduced, whole), splat(1 / Math.sqrt(2 * Math.PI)));
    emit(get(dx), mul([...get(dy), ...load(0)], add(cdf, mul(get(z), density))), store(0));
  });
  const locals: [number, number][] = [[2, I32], [5, V128]];
  return { name: "biasGeluGrad", params: 6, locals, body };
}

/** The module's bytes: `biasGelu` and `biasGeluGrad`; it imports `env.memory`. */
export function geluModuleBytes(): Uint8Array<ArrayBuffer> {
  return heapModuleBytes([forwardFunction(), backwardFunction()]);
}
