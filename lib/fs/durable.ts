// Durable writes: a file is written beside its place, synced to disk, renamed over its place, and
// the folder synced, so after a crash or power loss the path holds the old file or the new one,
// whole, never a mix or nothing.
import { dirname } from "node:path";

/** Writes all of `bytes` to an open file (a write may take only part of them). */
export async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.length;) done += await file.write(bytes.subarray(done));
}

/**
 * Flushes a folder's entries (a rename into it, a removal) to disk. Where folders cannot be
 * opened (Windows) nothing is done.
 */
export async function syncFolder(dir: string): Promise<void> {
  let folder: Deno.FsFile;
  try {
    folder = await Deno.open(dir, { read: true });
  } catch {
    return;
  }
  try {
    await folder.sync();
  } catch (e) {
    // Some file systems refuse fsync on a folder (EINVAL); their renames are as durable as it gets.
    if (!(e instanceof Deno.errors.InvalidData) && !/EINVAL|os error 22/.test(String(e))) throw e;
  } finally {
    folder.close();
  }
}

/** Writes `path` durably: `path.tmp-PID`, fsync, rename over `path`, fsync of its folder. */
export async function writeFileDurable(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}`;
  try {
    const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
    try {
      await writeAll(file, bytes);
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw new Error(`${path}: cannot be written (${(e as Error).message})`);
  }
  await syncFolder(dirname(path));
}
