// Several files of one hub repository at one commit: a model's config, weights and tokenizer.
import { join } from "node:path";
import { exists } from "./cache.ts";
import type { DownloadOptions } from "./cache.ts";
import { hubDownload, HubEntryMissing, NotCached } from "./download.ts";
import { type HubRepo, repoFolder } from "./hf_cache.ts";

/** True when `name` looks like a hub id (`owner/name` or `name`) and is not an existing path. */
export async function isHubId(name: string): Promise<boolean> {
  if (await exists(name)) return false;
  return /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/.test(name) && !name.startsWith(".");
}

/**
 * Downloads `files` (and those of `optional` that the repository has) of model `repoId` at
 * `revision` into the Hugging Face cache, all from the commit the first file resolved to, and
 * returns that snapshot's folder (`models--OWNER--NAME/snapshots/<commit>`).
 */
export async function hubSnapshot(
  repoId: string,
  files: string[],
  optional: string[] = [],
  revision = "main",
  options: DownloadOptions = {},
): Promise<string> {
  const repo: HubRepo = { type: "model", id: repoId };
  let commit: string | undefined;
  for (const file of [...files, ...optional]) {
    try {
      const path = await hubDownload(repo, file, commit ?? revision, options);
      commit ??= snapshotCommit(path, file);
    } catch (e) {
      // An optional file the hub lacks, or that the cache lacks offline, is left out.
      if (!optional.includes(file)) throw e;
      if (!(e instanceof HubEntryMissing || e instanceof NotCached)) throw e;
    }
  }
  if (!commit) throw new Error(`${repoId}: none of ${files.concat(optional)} could be had`);
  return join(repoFolder(repo), "snapshots", commit);
}

// `.../snapshots/<commit>/<file>` → `<commit>`.
function snapshotCommit(path: string, file: string): string {
  const folder = path.slice(0, path.length - file.length - 1);
  return folder.slice(folder.lastIndexOf("/") + 1);
}
