// The hub's JSON API routes that huggingface_hub's `repo_info` and `list_repo_tree` call: the
// commit a revision points at, and the files of a commit (the tree, page by page).
import type { HttpOptions } from "./http.ts";
import { fetchWithRetries } from "./http.ts";
import { hubEndpoint, hubHeaders } from "./download.ts";
import type { HubRepo } from "./hf_cache.ts";

/** One file of a repository's tree. */
export interface TreeFile {
  path: string;
  size: number;
}

function apiBase(repo: HubRepo): string {
  return `${hubEndpoint()}/api/${repo.type}s/${repo.id}`;
}

/** GETs a hub API URL as JSON, with the token; returns the body and the next page's URL. */
async function getJson(url: string, options: HttpOptions): Promise<[unknown, string | undefined]> {
  return await fetchWithRetries(url, async (body, response) => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body) chunks.push(chunk);
    const text = new TextDecoder().decode(await new Blob(chunks as BlobPart[]).arrayBuffer());
    try {
      return [JSON.parse(text), nextPage(response.headers.get("link"), url)];
    } catch {
      throw new Error(`${url}: the answer is not JSON (is HF_ENDPOINT a Hugging Face hub?)`);
    }
  }, { ...options, headers: hubHeaders() });
}

// `Link: <https://…?cursor=…>; rel="next"`, as the hub pages long trees.
function nextPage(link: string | null, base: string): string | undefined {
  const next = link?.match(/<([^>]+)>;\s*rel="next"/);
  return next ? new URL(next[1], base).href : undefined;
}

/** The commit `revision` points at (GET /api/{type}s/{id}/revision/{revision}: `sha`). */
export async function repoCommit(
  repo: HubRepo,
  revision: string,
  options: HttpOptions = {},
): Promise<string> {
  const url = `${apiBase(repo)}/revision/${encodeURIComponent(revision)}`;
  const [info] = await getJson(url, options);
  const sha = (info as { sha?: unknown }).sha;
  if (typeof sha !== "string") throw new Error(`${url}: the answer has no "sha"`);
  return sha;
}

/** Every file of `revision` (GET /api/{type}s/{id}/tree/{revision}?recursive=true, all pages). */
export async function repoFiles(
  repo: HubRepo,
  revision: string,
  options: HttpOptions = {},
): Promise<TreeFile[]> {
  const files: TreeFile[] = [];
  let url: string | undefined = `${apiBase(repo)}/tree/${
    encodeURIComponent(revision)
  }?recursive=true`;
  while (url) {
    const [page, next]: [unknown, string | undefined] = await getJson(url, options);
    if (!Array.isArray(page)) throw new Error(`${url}: expected a list of files`);
    for (const entry of page) {
      if (entry?.type === "file" && typeof entry.path === "string") {
        files.push({ path: entry.path, size: Number(entry.size) });
      }
    }
    url = next;
  }
  return files;
}
