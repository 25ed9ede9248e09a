// The Hugging Face cache as Python's huggingface_hub lays it out, so that either side reads what
// the other wrote: `<cache>/models--OWNER--NAME/` (or `datasets--`) holds `blobs/<etag>` (the
// bytes), `snapshots/<commit>/<path>` (relative symlinks to the blobs), `refs/<revision>` (the
// commit a branch or tag pointed at when last seen) and `.no_exist/<commit>/<path>` (files the
// hub said it has not).
import { dirname, join, relative } from "node:path";
import { setting } from "../settings.ts";

/** A repository of the hub: a model or a dataset, `OWNER/NAME` (or a legacy `NAME`). */
export interface HubRepo {
  type: "model" | "dataset";
  id: string;
}

/**
 * The hub cache folder, as huggingface_hub finds it: `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else
 * `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`.
 */
export function hubCacheDir(): string {
  const explicit = setting("HF_HUB_CACHE");
  if (explicit) return expandHome(explicit);
  const home = setting("HF_HOME") ??
    join(setting("XDG_CACHE_HOME") ?? join(homeDir(), ".cache"), "huggingface");
  return join(expandHome(home), "hub");
}

function homeDir(): string {
  try {
    return Deno.env.get("HOME") ?? ".";
  } catch {
    return ".";
  }
}

function expandHome(path: string): string {
  return path === "~" || path.startsWith("~/") ? homeDir() + path.slice(1) : path;
}

/** The repository's folder in the cache: `models--OWNER--NAME`, `datasets--OWNER--NAME`. */
export function repoFolder(repo: HubRepo, cache = hubCacheDir()): string {
  return join(cache, [`${repo.type}s`, ...repo.id.split("/")].join("--"));
}

/** True for a full 40-hex-digit commit id (not a branch or a tag). */
export function isCommitHash(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}

/** The commit `revision` stands for in the cache: itself if a commit, else `refs/<revision>`. */
export async function cachedCommit(folder: string, revision: string): Promise<string | undefined> {
  if (isCommitHash(revision)) return revision;
  try {
    return (await Deno.readTextFile(join(folder, "refs", revision))).trim();
  } catch {
    return undefined;
  }
}

/** Records that `revision` (a branch or tag) points at `commit`, as huggingface_hub does. */
export async function writeRef(folder: string, revision: string, commit: string): Promise<void> {
  if (revision === commit) return;
  const path = join(folder, "refs", revision);
  if ((await cachedCommit(folder, revision)) === commit) return;
  await Deno.mkdir(dirname(path), { recursive: true });
  await Deno.writeTextFile(path, commit);
}

/** `snapshots/<commit>/<file>`: where a file of that commit is seen. */
export function pointerPath(folder: string, commit: string, file: string): string {
  return join(folder, "snapshots", commit, ...file.split("/"));
}

/** `blobs/<etag>`: the bytes themselves. */
export function blobPath(folder: string, etag: string): string {
  return join(folder, "blobs", etag);
}

/** Links the snapshot's file to its blob with a relative symlink (a copy where links fail). */
export async function linkPointer(blob: string, pointer: string): Promise<void> {
  await Deno.mkdir(dirname(pointer), { recursive: true });
  await Deno.remove(pointer).catch(() => {});
  try {
    await Deno.symlink(relative(dirname(pointer), blob), pointer);
  } catch {
    await Deno.copyFile(blob, pointer);
  }
}

/** `.no_exist/<commit>/<file>`: the hub said the file is not in that commit. */
export function noExistPath(folder: string, commit: string, file: string): string {
  return join(folder, ".no_exist", commit, ...file.split("/"));
}

/** Marks `file` as absent from `commit` (what from_pretrained reads to skip optional files). */
export async function markMissing(folder: string, commit: string, file: string): Promise<void> {
  const path = noExistPath(folder, commit, file);
  await Deno.mkdir(dirname(path), { recursive: true });
  await Deno.writeFile(path, new Uint8Array());
}

/** Writes CACHEDIR.TAG in the cache folder (backup tools skip the folder), as huggingface_hub does. */
export async function tagCacheDir(cache: string): Promise<void> {
  const tag = join(cache, "CACHEDIR.TAG");
  try {
    await Deno.stat(tag);
  } catch {
    await Deno.mkdir(cache, { recursive: true });
    await Deno.writeTextFile(
      tag,
      "Signature: 8a477f597d28d172789f06886806bc55\n" +
        "# This file is a cache directory tag created by huggingface_hub.\n" +
        "# For information about cache directory tags, see:\n#\thttps://bford.info/cachedir/\n",
    );
  }
}

/** Every file of a cached snapshot, as repository paths (`plain_text/train-0.parquet`). */
export async function snapshotFiles(folder: string, commit: string): Promise<string[]> {
  const root = join(folder, "snapshots", commit);
  const files: string[] = [];
  const walk = async (dir: string, prefix: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory) await walk(join(dir, entry.name), path);
      else files.push(path);
    }
  };
  try {
    await walk(root, "");
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return files.sort();
}
