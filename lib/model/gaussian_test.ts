// Our seeded generator: the reference xoshiro128** sequence, 53-bit uniforms, standard normals.
import { assert, assertEquals } from "../../test/assert.ts";
import {
  hashString,
  standardNormal,
  uniform53,
  xoshiro128,
  xoshiro128FromState,
} from "./gaussian.ts";

Deno.test("xoshiro128** from state 1, 2, 3, 4 gives the reference C code's numbers", () => {
  const next = xoshiro128FromState([1, 2, 3, 4]);
  const first = Array.from({ length: 8 }, next);
  // The C reference (prng.di.unimi.it/xoshiro128starstar.c), compiled and run with s = {1,2,3,4}.
  assertEquals(first, [
    11520,
    0,
    5927040,
    70819200,
    2031721883,
    1637235492,
    1287239034,
    3734860849,
  ]);
});

Deno.test("a seed and a stream pick a sequence; another seed or stream, another", () => {
  const take = (next: () => number) => Array.from({ length: 16 }, next);
  assertEquals(take(xoshiro128(42, 7)), take(xoshiro128(42, 7)));
  assert(take(xoshiro128(42, 7)).join() !== take(xoshiro128(43, 7)).join());
  assert(take(xoshiro128(42, 7)).join() !== take(xoshiro128(42, 8)).join());
  assert(take(xoshiro128(0)).some((v) => v !== 0), "seed 0 still draws");
  assert(hashString("a.weight") !== hashString("b.weight"));
});

Deno.test("uniforms fill [0, 1) evenly; normals have mean 0, variance 1 and normal tails", () => {
  const n = 200_000;
  const uniform = uniform53(xoshiro128(1));
  const bins = new Array(10).fill(0);
  for (let i = 0; i < n; i++) {
    const u = uniform();
    assert(u >= 0 && u < 1, `${u}`);
    bins[Math.floor(u * 10)]++;
  }
  // Each bin holds n/10 ± 5 standard errors (sqrt(n · 0.1 · 0.9) ≈ 134).
  for (const count of bins) assert(Math.abs(count - n / 10) < 5 * 134, `bin of ${count}`);

  const normal = standardNormal(uniform53(xoshiro128(2)));
  let sum = 0, squares = 0, fourth = 0, withinOne = 0;
  for (let i = 0; i < n; i++) {
    const x = normal();
    sum += x;
    squares += x * x;
    fourth += x ** 4;
    if (Math.abs(x) < 1) withinOne++;
  }
  const mean = sum / n;
  const variance = squares / n - mean * mean;
  assert(Math.abs(mean) < 5 / Math.sqrt(n), `mean ${mean}`);
  assert(Math.abs(variance - 1) < 5 * Math.sqrt(2 / n), `variance ${variance}`);
  // A normal's kurtosis is 3 (a uniform's 1.8) and 68.27% of it lies within one sigma.
  assert(Math.abs(fourth / n - 3) < 5 * Math.sqrt(96 / n), `kurtosis ${fourth / n}`);
  assert(Math.abs(withinOne / n - 0.6827) < 5 * Math.sqrt(0.6827 * 0.3173 / n), `${withinOne / n}`);
});
