// Small assertions over node:assert (jsr's @std/assert is out of reach here).
import { strict as nodeAssert } from "node:assert";

/** Asserts that `value` is truthy. */
export function assert(value: unknown, message?: string): asserts value {
  nodeAssert.ok(value, message);
}

/** Deep strict equality. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, message);
}

/** Asserts that `fn` rejects, and returns the error. */
export async function assertRejects(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

/** Asserts |actual - expected| <= tolerance. */
export function assertClose(actual: number, expected: number, tolerance: number, what = ""): void {
  if (!(Math.abs(actual - expected) <= tolerance)) {
    throw new Error(`${what} ${actual} differs from ${expected} by more than ${tolerance}`);
  }
}

/** Asserts `|actual - expected| <= tolerance`. */
export function assertAlmostEquals(actual: number, expected: number, tolerance = 1e-7): void {
  nodeAssert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${actual} differs from ${expected} by more than ${tolerance}`,
  );
}

/**
 * Bitwise equality of lists of float arrays (model weights), failing with the first difference
 * rather than a diff of millions of numbers (which deepStrictEqual builds, and runs out of memory).
 */
export function assertSameArrays(actual: Float32Array[], expected: Float32Array[]): void {
  nodeAssert.equal(actual.length, expected.length, "number of arrays");
  actual.forEach((a, k) => {
    const b = expected[k];
    nodeAssert.equal(a.length, b.length, `array ${k}: length`);
    const bitsA = new Uint32Array(a.buffer, a.byteOffset, a.length);
    const bitsB = new Uint32Array(b.buffer, b.byteOffset, b.length);
    const first = bitsA.findIndex((bits, i) => bits !== bitsB[i]);
    if (first < 0) return;
    const count = bitsA.filter((bits, i) => bits !== bitsB[i]).length;
    nodeAssert.fail(
      `array ${k}: ${count} of ${a.length} values differ, first [${first}]: ${a[first]} vs ${
        b[first]
      }`,
    );
  });
}
