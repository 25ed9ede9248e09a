// The engines wasm's matrix products can run on here, for tests that check both.
import { selectBlas } from "../lib/runtime/wasm/mod.ts";

/** BLAS choices to test: "auto" (the machine's BLAS) where there is one, and "off" (our kernels). */
export const PRODUCT_ENGINES: string[] = selectBlas("auto") == null ? ["off"] : ["auto", "off"];

/** A choice's name in test titles. */
export function engineName(choice: string): string {
  return choice === "off" ? "our kernels" : "the BLAS";
}

/** Runs `body` with products on `choice`, then back on the default ("auto"). */
export async function withProducts<T>(choice: string, body: () => T | Promise<T>): Promise<T> {
  selectBlas(choice);
  try {
    return await body();
  } finally {
    selectBlas("auto");
  }
}
