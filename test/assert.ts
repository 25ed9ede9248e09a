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
