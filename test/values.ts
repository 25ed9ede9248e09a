// Deterministic test data and the largest difference between two arrays, for kernel tests.

/** `n` deterministic values in [-scale, scale) (a linear congruential sequence from `seed`). */
export function values(n: number, seed: number, scale = 1): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 1073741824 - 1) * scale;
  });
}

/** The largest absolute difference between `a` and `b`, element by element. */
export function worst(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]));
  return w;
}

/** a · b in float64; `a` is [m, k] ([k, m] when `transposeA`), `b` [k, n] ([n, k] likewise). */
export function referenceProduct(
  a: Float32Array,
  b: Float32Array,
  [m, k, n]: number[],
  [transposeA, transposeB]: boolean[],
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let kk = 0; kk < k; kk++) {
      const x = transposeA ? a[kk * m + i] : a[i * k + kk];
      for (let j = 0; j < n; j++) {
        out[i * n + j] += x * (transposeB ? b[j * k + kk] : b[kk * n + j]);
      }
    }
  }
  return out;
}
