// One file of a hub repository into the Hugging Face cache, step for step as huggingface_hub's
// `hf_hub_download` does it: a HEAD on the resolve URL (relative redirects followed, the 302 of a
// large file read for its Location) gives the commit (X-Repo-Commit), the blob's name (X-Linked-Etag
// or ETag) and size; the ref is written, the blob downloaded once and linked from the snapshot.
// Offline (HF_HUB_OFFLINE=1, or the hub cannot be reached), the cache answers through refs/.
import { exists } from "./cache.ts";
import { downloadFile, type DownloadOptions } from "./cache.ts";
import {
  blobPath,
  cachedCommit,
  hubCacheDir,
  type HubRepo,
  isCommitHash,
  linkPointer,
  markMissing,
  noExistPath,
  pointerPath,
  repoFolder,
  tagCacheDir,
  writeRef,
} from "./hf_cache.ts";
import { fetchWithRetries, HttpStatusError } from "./http.ts";
import { setting } from "../settings.ts";

/** Base URL of the Hugging Face hub: `HF_ENDPOINT`, else https://huggingface.co. */
export function hubEndpoint(): string {
  return setting("HF_ENDPOINT").replace(/\/$/, "");
}

/** The hub says the repository has no such file at that revision (X-Error-Code: EntryNotFound). */
export class HubEntryMissing extends Error {
  /** The revision's commit, when the hub said it (X-Repo-Commit). */
  commit?: string;
}

/** Offline (or the hub unreachable) and the cache lacks the file. */
export class NotCached extends Error {}

/** What the HEAD on a resolve URL tells. */
export interface FileMetadata {
  commit: string;
  etag: string;
  /** Where the bytes are: the resolve URL itself, or the CDN a large file redirects to. */
  location: string;
  size?: number;
}

/** `{endpoint}/[datasets/]{id}/resolve/{revision}/{file}`, quoted as huggingface_hub quotes it. */
export function resolveUrl(repo: HubRepo, revision: string, file: string): string {
  const prefix = repo.type === "dataset" ? "datasets/" : "";
  const path = file.split("/").map(encodeURIComponent).join("/");
  return `${hubEndpoint()}/${prefix}${repo.id}/resolve/${encodeURIComponent(revision)}/${path}`;
}

/** The headers of every hub request: the token of `HF_TOKEN`, when set. */
export function hubHeaders(): Record<string, string> {
  const token = setting("HF_TOKEN");
  return token ? { authorization: `Bearer ${token}` } : {};
}

/**
 * The local path of `file` of `repo` at `revision` (a branch, tag or commit), downloaded into the
 * hub cache if it is not there. Throws HubEntryMissing when the hub has no such file.
 */
export async function hubDownload(
  repo: HubRepo,
  file: string,
  revision = "main",
  options: DownloadOptions = {},
): Promise<string> {
  const folder = repoFolder(repo);
  if (isCommitHash(revision) && await exists(pointerPath(folder, revision, file))) {
    return pointerPath(folder, revision, file);
  }
  if (setting("HF_HUB_OFFLINE")) {
    return await fromCache(repo, file, revision);
  }
  let metadata: FileMetadata;
  try {
    metadata = await fileMetadata(resolveUrl(repo, revision, file), options);
  } catch (e) {
    if (e instanceof HubEntryMissing) {
      // As huggingface_hub: remember the absence (.no_exist) and the revision's commit.
      if (e.commit) {
        await markMissing(folder, e.commit, file);
        await writeRef(folder, revision, e.commit);
      }
      throw e;
    }
    if (!isNetworkFailure(e)) throw e;
    return await fromCache(repo, file, revision, e as Error);
  }
  await tagCacheDir(hubCacheDir());
  await writeRef(folder, revision, metadata.commit);
  const pointer = pointerPath(folder, metadata.commit, file);
  if (await exists(pointer)) return pointer;
  const blob = blobPath(folder, metadata.etag);
  if (!(await exists(blob))) await downloadBlob(metadata, blob, file, options);
  await linkPointer(blob, pointer);
  return pointer;
}

async function downloadBlob(
  metadata: FileMetadata,
  blob: string,
  file: string,
  options: DownloadOptions,
): Promise<void> {
  // The token goes to the hub only, never to the CDN a large file is redirected to.
  const sameHost = new URL(metadata.location).origin === new URL(hubEndpoint()).origin;
  const headers = { ...(sameHost ? hubHeaders() : {}), ...options.headers };
  await downloadFile(metadata.location, blob, { name: file, ...options, headers });
  const size = (await Deno.stat(blob)).size;
  if (metadata.size !== undefined && size !== metadata.size) {
    await Deno.remove(blob);
    throw new Error(
      `${metadata.location}: got ${size} bytes, the hub said ${metadata.size} (download again)`,
    );
  }
}

/**
 * HEAD on the resolve URL, as huggingface_hub's `get_hf_file_metadata`: redirects to the same host
 * (a renamed repository) are followed, one to another host (a large file on the CDN) is read for
 * its Location and the X-Linked-* headers.
 */
export async function fileMetadata(url: string, options: DownloadOptions = {}) {
  const headers = { ...hubHeaders(), "accept-encoding": "identity", ...options.headers };
  for (let hops = 0, at = url; hops < 10; hops++) {
    const response = await fetchWithRetries(at, (_, r) => Promise.resolve(r), {
      ...options,
      method: "HEAD",
      headers,
      redirect: "manual",
    }).catch((e) => {
      const answer = (e as Error).cause;
      if (
        answer instanceof HttpStatusError && answer.headers.get("x-error-code") === "EntryNotFound"
      ) {
        const missing = new HubEntryMissing((e as Error).message);
        missing.commit = answer.headers.get("x-repo-commit") ?? undefined;
        throw missing;
      }
      throw e;
    });
    const location = response.headers.get("location");
    const redirect = response.status >= 300 && response.status < 400;
    const target = redirect && location ? new URL(location, at) : undefined;
    if (target && target.hostname === new URL(at).hostname) {
      at = target.href;
      continue;
    }
    return metadataOf(at, response, redirect);
  }
  throw new Error(`${url}: more than 10 redirects`);
}

function metadataOf(url: string, response: Response, redirect: boolean): FileMetadata {
  const header = (name: string) => response.headers.get(name) ?? undefined;
  const commit = header("x-repo-commit");
  const etag = header("x-linked-etag") ?? header("etag");
  if (!commit || !etag) {
    throw new Error(
      `${url}: the answer has no ${!commit ? "X-Repo-Commit" : "ETag"} header ` +
        `(is HF_ENDPOINT a Hugging Face hub?)`,
    );
  }
  const size = header("x-linked-size") ?? (redirect ? undefined : header("content-length"));
  return {
    commit,
    etag: etag.replace(/^W\//, "").replace(/^"|"$/g, ""),
    location: redirect && header("location") ? new URL(header("location")!, url).href : url,
    size: size === undefined ? undefined : Number(size),
  };
}

/** No answer, a refused connection, a timeout, a 5xx: the hub could not be reached, the cache may do. */
export function isNetworkFailure(e: unknown): boolean {
  return !/HTTP 4\d\d/.test((e as Error).message);
}

// The cached copy when the hub is not asked (HF_HUB_OFFLINE) or cannot be reached (`failure`,
// thrown again when the cache has nothing either).
async function fromCache(
  repo: HubRepo,
  file: string,
  revision: string,
  failure?: Error,
): Promise<string> {
  const folder = repoFolder(repo);
  const commit = await cachedCommit(folder, revision);
  if (commit && await exists(pointerPath(folder, commit, file))) {
    return pointerPath(folder, commit, file);
  }
  if (commit && await exists(noExistPath(folder, commit, file))) {
    throw new HubEntryMissing(`${repo.id} has no ${file} at ${revision} (cached answer)`);
  }
  if (failure) throw failure;
  throw new NotCached(
    `${file} of ${repo.id} (revision ${revision}) is not in the cache ${folder} and ` +
      `HF_HUB_OFFLINE is set; run once with the network, or point HF_HUB_CACHE at a cache ` +
      `that has it`,
  );
}
