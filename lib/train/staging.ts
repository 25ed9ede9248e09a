// Staging names: a file or folder is written as `NAME.tmp-PID` and renamed into place when
// complete. A process killed half-way leaves its staging behind; the next run clears it away.
import { join } from "node:path";

/** The staging name of `path` for this process. */
export function stagingPath(path: string): string {
  return `${path}.tmp-${Deno.pid}`;
}

/** Staging a process left in a folder and that was removed. */
export interface StaleStaging {
  path: string;
  pid: number;
}

/**
 * Removes the `*.tmp-PID` (and `*.part-PID`) entries of `dir` whose process is gone (or is this
 * one, which has written nothing yet) and returns them. On a system without /proc nothing is
 * removed: whether the process lives cannot be told.
 */
export async function removeStaleStaging(dir: string): Promise<StaleStaging[]> {
  const removed: StaleStaging[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const match = /\.(?:tmp|part)-(\d+)$/.exec(entry.name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (await processAlive(pid)) continue;
    const path = join(dir, entry.name);
    await Deno.remove(path, { recursive: true });
    removed.push({ path, pid });
  }
  return removed;
}

/** Whether process `pid` runs (true where it cannot be told), this process excepted. */
export async function processAlive(pid: number): Promise<boolean> {
  if (pid === Deno.pid) return false;
  try {
    await Deno.stat("/proc/self");
  } catch {
    return true;
  }
  try {
    await Deno.stat(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}
