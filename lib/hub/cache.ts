import { join } from "node:path";
import { setting } from "../settings.ts";

/** Where downloads are kept: `$QA_CACHE`, else `$XDG_CACHE_HOME/qa-finetune`, else `~/.cache/qa-finetune`. */
export function cacheDir(): string {
  const explicit = setting("QA_CACHE");
  if (explicit) return explicit;
  const base = Deno.env.get("XDG_CACHE_HOME") ?? join(Deno.env.get("HOME") ?? ".", ".cache");
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

/**
 * Returns the cached copy of `url` at `path`, downloading it first if needed. Offline, the error says
 * which URL to fetch and where to put the file.
 */
export async function cachedDownload(url: string, path: string): Promise<string> {
  if (await exists(path)) return path;
  let bytes: Uint8Array;
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (e) {
    throw new Error(
      `could not download ${url} (${(e as Error).message}).\n` +
        `Download it yourself and put it at ${path} (or set QA_CACHE to another cache folder).`,
    );
  }
  await Deno.mkdir(join(path, ".."), { recursive: true });
  const tmp = `${path}.part-${Deno.pid}`;
  await Deno.writeFile(tmp, bytes);
  await Deno.rename(tmp, path);
  return path;
}
