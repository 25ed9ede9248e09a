import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The shared reference folder: `$QA_SHARED`, else `../shared` beside the checkout. */
export function sharedRoot(): string {
  return Deno.env.get("QA_SHARED") ?? fileURLToPath(new URL("../../shared", import.meta.url));
}

/** A path inside the shared reference folder. */
export function sharedPath(relative: string): string {
  return join(sharedRoot(), relative);
}
