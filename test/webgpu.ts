// What the webgpu test files share: starting the backend once, failing each test with the reason
// when it could not start, and the largest difference of two arrays.
import * as tf from "@tensorflow/tfjs";
import { assertEquals } from "./assert.ts";
import { initBackend } from "../lib/runtime/mod.ts";

/** Starts the webgpu backend; the error, if it could not, for `requireWebGPU`. */
export function startWebGPU(): Promise<string | Error> {
  return initBackend("webgpu").catch((e: Error) => e);
}

/** Fails a test with the reason when webgpu could not start; else checks it is the backend. */
export function requireWebGPU(started: string | Error): void {
  if (started instanceof Error) {
    throw new Error(`the webgpu tests need a WebGPU adapter: ${started.message}`);
  }
  assertEquals(tf.getBackend(), "webgpu");
}

/** The largest |actual − expected| over two arrays of the same length. */
export function maxAbsDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assertEquals(actual.length, expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  }
  return worst;
}
