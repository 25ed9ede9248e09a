import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setting } from "../lib/settings.ts";

/** The shared reference folder: `$QA_SHARED`, else `../shared` beside the checkout. */
export function sharedRoot(): string {
  return setting("QA_SHARED") ?? fileURLToPath(new URL("../../shared", import.meta.url));
}

/** A path inside the shared reference folder. */
export function sharedPath(relative: string): string {
  return join(sharedRoot(), relative);
}
