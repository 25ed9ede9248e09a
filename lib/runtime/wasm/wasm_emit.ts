// Writing small WebAssembly modules as bytes, for our kernels (matmul_kernel_module.ts, column_sums.ts,
// dropout.ts): the few opcodes they use, LEB128 numbers, and a module whose functions take i32
// arguments (heap offsets and sizes) and work on the memory it imports from tfjs-backend-wasm.
// Binary format: https://webassembly.github.io/spec/core/binary/

/** Core opcodes. */
export const OP = {
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  brIf: 0x0d,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  f32Load: 0x2a,
  f32Store: 0x38,
  i32Const: 0x41,
  f32Const: 0x43,
  i32Eqz: 0x45,
  i32LtU: 0x49,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  f32Mul: 0x94,
  f32ReinterpretI32: 0xbe,
  simd: 0xfd,
};
/** SIMD opcodes (after OP.simd). */
export const SIMD = {
  load: 0x00,
  load32Splat: 0x09,
  store: 0x0b,
  /** Followed by 16 lane indices. */
  i8x16Shuffle: 0x0d,
  /** Followed by the 16 bytes of the constant. */
  v128Const: 0x0c,
  i32x4Splat: 0x11,
  f32x4Nearest: 0x6a,
  i32x4Shl: 0xab,
  i32x4Add: 0xae,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f32x4Div: 0xe7,
  f32x4Min: 0xe8,
  f32x4Max: 0xe9,
  i32x4TruncSatF32x4S: 0xf8,
  /** Relaxed SIMD: a·b + c, fused where the hardware has FMA. */
  f32x4RelaxedMadd: 0x105,
};
/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
/** The block type of a block, loop or if that yields nothing. */
export const EMPTY_BLOCK = 0x40;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128. */
export function sleb(n: number): number[] {
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

/** Instruction builders; locals are numbered parameters first. */
export const get = (i: number) => [OP.localGet, ...uleb(i)];
export const set = (i: number) => [OP.localSet, ...uleb(i)];
export const i32 = (n: number) => [OP.i32Const, ...sleb(n)];
export const simd = (op: number) => [OP.simd, ...uleb(op)];
/** Memory instructions with their alignment (log2 bytes) and offset. */
export const load = (offset: number) => [...simd(SIMD.load), 4, ...uleb(offset)];
export const store = (offset: number) => [...simd(SIMD.store), 4, ...uleb(offset)];
export const splat = (offset: number) => [...simd(SIMD.load32Splat), 2, ...uleb(offset)];
/**
 * A shuffle of the two vectors on the stack by f32 lanes: lane i of the result is `lanes[i]` of
 * the two inputs' eight (0–3 the first, 4–7 the second).
 */
export const shuffle = (lanes: number[]) => [
  ...simd(SIMD.i8x16Shuffle),
  ...lanes.flatMap((lane) => [0, 1, 2, 3].map((byte) => 4 * lane + byte)),
];
/** A shuffle of the vector on the stack with itself: lane `lane` (f32) copied to all four. */
export const laneSplat = (lane: number) => shuffle([lane, lane, lane, lane]);
export const f32Load = (offset: number) => [OP.f32Load, 2, ...uleb(offset)];
export const f32Store = (offset: number) => [OP.f32Store, 2, ...uleb(offset)];

/** A function of `params` i32 arguments and no result. */
export interface HeapFunction {
  name: string;
  params: number;
  /** Further locals: [count, type] pairs. */
  locals: [number, number][];
  /** The instructions, without the final `end`. */
  body: number[];
}

/** A body under construction: `emit(...instructions)` appends them. */
export function bodyBuilder(): { body: number[]; emit: (...parts: number[][]) => void } {
  const body: number[] = [];
  return { body, emit: (...parts) => parts.forEach((p) => body.push(...p)) };
}

/** The bytes of a module that imports `env.memory` and exports `functions` by name. */
export function heapModuleBytes(functions: HeapFunction[]): Uint8Array<ArrayBuffer> {
  const arities = [...new Set(functions.map((f) => f.params))];
  const types = arities.map((n) => [0x60, ...vector(new Array(n).fill([I32])), 0]);
  const code = functions.map(({ locals, body }) => {
    const content = [...vector(locals.map(([n, type]) => [...uleb(n), type])), ...body, OP.end];
    return [...uleb(content.length), ...content];
  });
  const name = (s: string) => vector([...new TextEncoder().encode(s)].map((byte) => [byte]));
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(2, vector([[...name("env"), ...name("memory"), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vector(functions.map((f) => uleb(arities.indexOf(f.params))))),
    ...section(7, vector(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vector(code)),
  ];
  return new Uint8Array(bytes);
}
