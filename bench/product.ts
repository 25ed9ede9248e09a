/** One kind of matrix product the kernel benches time: op(A) × op(B) with A, B of these shapes. */
export interface Product {
  name: string;
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}
