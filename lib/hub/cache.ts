import { basename, dirname, join } from "node:path";
import { syncFolder, writeAll } from "../fs/mod.ts";
import { setting } from "../settings.ts";
import { type Progress, progressBar } from "../views/progress.ts";
import { fetchWithRetries, type RequestOptions } from "./http.ts";

/**
 * Where this project keeps what is not a hub file (the BLAS choice): `$QA_CACHE`, else `$XDG_CACHE_HOME/qa-finetune`, else
 * `~/.cache/qa-finetune`. Models and datasets of the hub go to the Hugging Face cache (hf_cache.ts).
 */
export function cacheDir(): string {
  const explicit = setting("QA_CACHE");
  if (explicit) return explicit;
  const base = setting("XDG_CACHE_HOME") ?? join(Deno.env.get("HOME") ?? ".", ".cache");
  return join(base, "qa-finetune");
}

/** True when a file exists at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Time limits, retries and progress of a download. */
export interface DownloadOptions extends RequestOptions {
  /** The name on the progress bar (the file's name by default). */
  name?: string;
  /** Bytes so far and the total (when the server says it); a bar on stderr by default. */
  onProgress?: (done: number, total: number | undefined) => void;
}

/**
 * Returns the cached copy of `url` at `path`, downloading it first if needed (streamed to disk,
 * with time limits and retries: `downloadFile`). Offline, the error says which URL to fetch and
 * where to put the file.
 */
export async function cachedDownload(
  url: string,
  path: string,
  options: DownloadOptions = {},
): Promise<string> {
  if (await exists(path)) return path;
  try {
    await downloadFile(url, path, options);
  } catch (e) {
    throw new Error(
      `could not download ${(e as Error).message}.\n` +
        `Download it yourself and put it at ${path} (or set QA_CACHE to another cache folder).`,
    );
  }
  return path;
}

/**
 * Streams `url` into `path` (never whole in memory): into `path.part-PID`, synced, then renamed
 * into place, so `path` appears only complete. Errors start with the URL.
 */
export async function downloadFile(
  url: string,
  path: string,
  options: DownloadOptions = {},
): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const part = `${path}.part-${Deno.pid}`;
  try {
    await fetchWithRetries(url, async (body, response) => {
      const total = Number(response.headers.get("content-length")) || undefined;
      const progress = options.onProgress ?? downloadBar(options.name ?? basename(path));
      const file = await Deno.open(part, { write: true, create: true, truncate: true });
      try {
        let done = 0;
        for await (const chunk of body) {
          await writeAll(file, chunk);
          done += chunk.length;
          progress(done, total);
        }
        await file.sync();
      } finally {
        file.close();
      }
    }, options);
    await Deno.rename(part, path);
  } catch (e) {
    await Deno.remove(part).catch(() => {});
    throw e;
  }
  await syncFolder(dirname(path));
}

// A progress bar for downloads big enough to wait for (over 8 MB), in MB.
function downloadBar(name: string): (done: number, total: number | undefined) => void {
  let bar: Progress | undefined;
  const mb = (bytes: number) => Math.round(bytes / 1e6);
  return (done, total) => {
    if (!bar && Math.max(done, total ?? 0) < 8e6) return;
    bar ??= progressBar(`download ${name} (MB)`);
    bar.update(mb(done), mb(total ?? done));
    if (done === total) bar.close();
  };
}
