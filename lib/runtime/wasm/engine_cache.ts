// Auto's measured choice kept on disk per machine and set of candidates (`blas_choice.json` in the
// cache folder), so that a later process skips the timing: it only verifies the engine it reuses.
import { join } from "node:path";
import { cacheDir } from "../../hub/cache.ts";
import type { EngineFigure } from "./engine_choice.ts";

/** What was measured for one key: the chosen engine's label and every candidate's figure. */
export interface CachedChoice {
  chosen: string;
  /**
   * The chosen library's file and OPENBLAS_CORETYPE for it (null: removed, absent: as the
   * environment has it); absent for our kernels.
   */
  library?: { file: string; coreType?: string | null };
  figures: EngineFigure[];
}

/** The cache file (in `cacheDir()`, `QA_CACHE`'s folder). */
export function choiceCacheFile(): string {
  return join(cacheDir(), "blas_choice.json");
}

/** The key of a measurement: this CPU's model and each candidate (a library file's identity). */
export function choiceKey(candidates: string[]): string {
  let cpu = `${Deno.build.os} ${Deno.build.arch}`;
  try {
    cpu = Deno.readTextFileSync("/proc/cpuinfo").match(/^model name\s*:\s*(.*)$/m)?.[1] ?? cpu;
  } catch {
    // no /proc (macOS) or no permission: the platform stands for the CPU
  }
  return [cpu, ...candidates].join(" | ");
}

/** The choice cached under `key`, or undefined (none, unreadable or not ours). */
export function readCachedChoice(key: string, file = choiceCacheFile()): CachedChoice | undefined {
  try {
    const entry = JSON.parse(Deno.readTextFileSync(file))[key];
    return typeof entry?.chosen === "string" && Array.isArray(entry.figures) ? entry : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps `choice` under `key`; quietly nothing when the cache cannot be written (no permission). */
export function writeCachedChoice(key: string, choice: CachedChoice, file = choiceCacheFile()) {
  try {
    let all: Record<string, CachedChoice> = {};
    try {
      all = JSON.parse(Deno.readTextFileSync(file));
    } catch {
      // a first entry
    }
    all[key] = choice;
    Deno.mkdirSync(join(file, ".."), { recursive: true });
    Deno.writeTextFileSync(file, JSON.stringify(all, null, 2) + "\n");
  } catch {
    // not writable: the next process measures again
  }
}
