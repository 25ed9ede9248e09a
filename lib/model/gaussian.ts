// Seeded normal random numbers of our own, computed on the host in float64: the same seed gives
// the same numbers on every machine and backend (only integer arithmetic, `Math.sqrt`, which IEEE
// 754 rounds exactly, and `Math.log`, which V8 computes in software from fdlibm).

/**
 * xoshiro128** (Blackman and Vigna), seeded through splitmix32: a stream of uniform 32-bit
 * integers. `seed` may be any number; its low 32 bits and `stream` (a second key, e.g. a tensor's
 * name hashed) pick the sequence.
 */
export function xoshiro128(seed: number, stream = 0): () => number {
  let x = (seed ^ Math.imul(stream, 0x9e3779b9)) >>> 0;
  const splitmix32 = () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  return xoshiro128FromState([splitmix32(), splitmix32(), splitmix32(), splitmix32()]);
}

/** xoshiro128** from its four 32-bit state words (not all zero), as the reference C code. */
export function xoshiro128FromState(state: [number, number, number, number]): () => number {
  let [a, b, c, d] = state;
  if ((a | b | c | d) === 0) a = 1; // the all-zero state never leaves zero
  return () => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Uniform doubles in [0, 1) with 53 random bits, from two 32-bit draws. */
export function uniform53(next: () => number): () => number {
  return () => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
}

/**
 * Standard normal numbers by Marsaglia's polar method (two per accepted pair, the second kept
 * for the next call).
 */
export function standardNormal(uniform: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * uniform() - 1;
      v = 2 * uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const scale = Math.sqrt((-2 * Math.log(s)) / s);
    spare = v * scale;
    return u * scale;
  };
}

/** A 32-bit FNV-1a hash of a string (its UTF-16 code units): a stream key for `xoshiro128`. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
