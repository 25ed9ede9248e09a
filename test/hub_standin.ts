// A loopback stand-in for the Hugging Face hub, answering the routes its clients (ours and
// Python's huggingface_hub) use, with the headers the real hub sends:
// - HEAD/GET /[datasets/]OWNER/NAME/resolve/REV/PATH: ETag (the git blob id), X-Repo-Commit,
//   Content-Length; a large (LFS) file answers 302 to http://localhost:PORT/cdn/SHA256 with X-Linked-Etag (its sha256)
//   and X-Linked-Size; X-Error-Code RepoNotFound (401), RevisionNotFound or EntryNotFound (404).
// - GET /api/{models,datasets}/OWNER/NAME[/revision/REV]: {id, sha, siblings}.
// - GET /api/{models,datasets}/OWNER/NAME/tree/REV[/PATH][?recursive=true]: files and folders.
// Every request is counted; the server listens on 127.0.0.1 only and stops with `close`.

/** One repository the stand-in serves. */
export interface StandinRepo {
  type: "model" | "dataset";
  id: string;
  /** Files by path, per revision name (`main`, `refs/convert/parquet`...). */
  revisions: Record<string, Record<string, Uint8Array>>;
  /** When set, requests must carry `Authorization: Bearer TOKEN` (a private model). */
  token?: string;
}

/** A running stand-in. */
export interface HubStandin {
  endpoint: string;
  /** "METHOD PATH" of every request so far. */
  requests: string[];
  /** The commit each revision of a repository resolves to. */
  commit(repo: string, revision?: string): string;
  close(): Promise<void>;
}

const LFS = /\.(safetensors|parquet|bin|h5)$/;

interface Entry {
  bytes: Uint8Array;
  gitOid: string;
  sha256?: string;
}

/** Starts the stand-in on a free loopback port. */
export async function startHubStandin(repos: StandinRepo[]): Promise<HubStandin> {
  const index = new Map<string, { repo: StandinRepo; commits: Map<string, string> }>();
  const files = new Map<string, Map<string, Entry>>(); // key: type:id@commit
  const blobs = new Map<string, Uint8Array>(); // sha256 → bytes
  for (const repo of repos) {
    const commits = new Map<string, string>();
    for (const [revision, content] of Object.entries(repo.revisions)) {
      const entries = new Map<string, Entry>();
      for (const [path, bytes] of Object.entries(content)) {
        const entry: Entry = { bytes, gitOid: await gitBlobId(bytes) };
        if (LFS.test(path)) {
          entry.sha256 = await hex("SHA-256", bytes);
          blobs.set(entry.sha256, bytes);
        }
        entries.set(path, entry);
      }
      const commit = await hex(
        "SHA-1",
        new TextEncoder().encode(
          `${repo.id}@${revision}:${[...entries.values()].map((e) => e.gitOid)}`,
        ),
      );
      commits.set(revision, commit);
      commits.set(commit, commit);
      files.set(`${repo.type}:${repo.id}@${commit}`, entries);
    }
    index.set(`${repo.type}:${repo.id}`, { repo, commits });
  }
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const url = new URL(request.url);
    requests.push(`${request.method} ${url.pathname}`);
    return route(request, url);
  });
  const endpoint = `http://127.0.0.1:${server.addr.port}`;
  const cdnEndpoint = `http://localhost:${server.addr.port}`;

  function route(request: Request, url: URL): Response {
    const path = url.pathname;
    const cdn = path.match(/^\/cdn\/([0-9a-f]{64})$/);
    if (cdn) {
      const bytes = blobs.get(cdn[1]);
      if (!bytes) return new Response("no such blob", { status: 404 });
      return bytesResponse(request, bytes, {});
    }
    const resolve = path.match(/^\/(datasets\/)?([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/);
    if (resolve) {
      const type = resolve[1] ? "dataset" : "model";
      return resolveFile(request, type, resolve[2], decodeURIComponent(resolve[3]), resolve[4]);
    }
    const api = path.match(
      /^\/api\/(models|datasets)\/([^/]+\/[^/]+)(?:\/(revision|tree)\/(.*))?$/,
    );
    if (api) {
      const type = api[1] === "models" ? "model" : "dataset";
      return apiRoute(request, url, type, api[2], api[3], api[4] ?? "main");
    }
    return new Response("no route", { status: 404 });
  }

  function find(request: Request, type: string, id: string, revision: string) {
    const found = index.get(`${type}:${id}`);
    const auth = request.headers.get("authorization");
    if (!found || (found.repo.token && auth !== `Bearer ${found.repo.token}`)) {
      return { error: errorResponse(401, "RepoNotFound", "Repository not found") };
    }
    const commit = found.commits.get(revision);
    if (!commit) return { error: errorResponse(404, "RevisionNotFound", "Invalid rev id") };
    return { commit, entries: files.get(`${type}:${id}@${commit}`)! };
  }

  function resolveFile(request: Request, type: string, id: string, revision: string, file: string) {
    const { error, commit, entries } = find(request, type, id, revision);
    if (error) return error;
    const entry = entries.get(decodeURIComponent(file));
    const repoCommit = { "x-repo-commit": commit };
    if (!entry) return errorResponse(404, "EntryNotFound", "Entry not found", repoCommit);
    if (entry.sha256) {
      return new Response(null, {
        status: 302,
        headers: {
          ...repoCommit,
          // Another host name, as the real hub's CDN: clients do not follow it on HEAD.
          location: `${cdnEndpoint}/cdn/${entry.sha256}`,
          etag: `"${entry.gitOid}"`,
          "x-linked-etag": `"${entry.sha256}"`,
          "x-linked-size": String(entry.bytes.length),
        },
      });
    }
    return bytesResponse(request, entry.bytes, { ...repoCommit, etag: `"${entry.gitOid}"` });
  }

  function apiRoute(
    request: Request,
    url: URL,
    type: string,
    id: string,
    kind: string | undefined,
    rest: string,
  ): Response {
    const [revision, ...folder] = kind === "tree" ? splitRevision(rest) : [rest || "main"];
    const { error, commit, entries } = find(request, type, id, decodeURIComponent(revision));
    if (error) return error;
    if (kind !== "tree") {
      const siblings = [...entries.keys()].map((rfilename) => ({ rfilename }));
      return Response.json({ id, _id: id, sha: commit, private: false, siblings, tags: [] });
    }
    const under = folder.join("/");
    const recursive = url.searchParams.get("recursive") === "true";
    return Response.json(treeEntries(entries, under, recursive));
  }

  return {
    endpoint,
    requests,
    commit: (repo, revision = "main") => {
      for (const { repo: r, commits } of index.values()) {
        if (r.id === repo) return commits.get(revision)!;
      }
      throw new Error(`no repository ${repo}`);
    },
    close: () => server.shutdown(),
  };
}

// "refs%2Fconvert%2Fparquet/plain_text" or "main/plain_text" → [revision, ...folder].
function splitRevision(rest: string): string[] {
  const parts = rest.split("/").filter((p) => p !== "");
  return parts.length ? parts : ["main"];
}

function treeEntries(entries: Map<string, Entry>, under: string, recursive: boolean) {
  const prefix = under ? `${under}/` : "";
  const folders = new Set<string>();
  const listed: Record<string, unknown>[] = [];
  for (const [path, entry] of [...entries].sort(([a], [b]) => a.localeCompare(b))) {
    if (!path.startsWith(prefix)) continue;
    const rest = path.slice(prefix.length).split("/");
    for (let depth = 1; depth < rest.length && (recursive || depth === 1); depth++) {
      folders.add(prefix + rest.slice(0, depth).join("/"));
    }
    if (!recursive && rest.length > 1) continue;
    listed.push({
      type: "file",
      oid: entry.gitOid,
      size: entry.bytes.length,
      path,
      ...(entry.sha256
        ? { lfs: { oid: entry.sha256, size: entry.bytes.length, pointerSize: 134 } }
        : {}),
    });
  }
  const dirs = [...folders].map((path) => ({
    type: "directory",
    oid: "0".repeat(40),
    size: 0,
    path,
  }));
  return [...dirs, ...listed];
}

function bytesResponse(request: Request, bytes: Uint8Array, headers: Record<string, string>) {
  const all = { ...headers, "content-length": String(bytes.length) };
  if (request.method === "HEAD") return new Response(null, { headers: all });
  return new Response(bytes as Uint8Array<ArrayBuffer>, { headers: all });
}

function errorResponse(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return Response.json({ error: message }, {
    status,
    headers: { ...headers, "x-error-code": code, "x-error-message": message },
  });
}

async function gitBlobId(bytes: Uint8Array): Promise<string> {
  const header = new TextEncoder().encode(`blob ${bytes.length}\0`);
  const whole = new Uint8Array(header.length + bytes.length);
  whole.set(header);
  whole.set(bytes, header.length);
  return await hex("SHA-1", whole);
}

async function hex(algorithm: "SHA-1" | "SHA-256", bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest(algorithm, bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
