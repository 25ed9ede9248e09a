import { join } from "node:path";
import { cachedDownload, cacheDir, type DownloadOptions, exists } from "./cache.ts";

/** Base URL of the Hugging Face hub; `HF_ENDPOINT` overrides it, as in Python. */
export function hubEndpoint(): string {
  return (Deno.env.get("HF_ENDPOINT") ?? "https://huggingface.co").replace(/\/$/, "");
}

/** True when `name` looks like a hub id (`owner/name` or `name`) and is not an existing path. */
export async function isHubId(name: string): Promise<boolean> {
  if (await exists(name)) return false;
  return /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/.test(name) && !name.startsWith(".");
}

/**
 * Downloads files of a hub repository into the cache and returns the local folder. `optional`
 * files that the repository lacks (HTTP 404) are skipped.
 */
export async function hubSnapshot(
  repoId: string,
  files: string[],
  optional: string[] = [],
  revision = "main",
  options: DownloadOptions = {},
): Promise<string> {
  const folder = join(cacheDir(), "hub", repoId.replace("/", "--"), revision);
  for (const file of [...files, ...optional]) {
    const url = `${hubEndpoint()}/${repoId}/resolve/${revision}/${file}`;
    try {
      await cachedDownload(url, join(folder, file), options);
    } catch (e) {
      if (optional.includes(file) && /HTTP 404/.test((e as Error).message)) continue;
      throw e;
    }
  }
  return folder;
}
