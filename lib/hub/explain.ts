// One line that says why a model could not be had from the hub, and what to do instead.
import { hubEndpoint, HubEntryMissing, NotCached } from "./download.ts";

/** A local folder that works offline, named in the advice. */
export const OFFLINE_MODEL = "presets/qa-distilbert-small";

/**
 * The error to show when `repoId` (not a local path) could not be downloaded: which model, from
 * where, why (the first line of `cause`), and how to do without — one line. A file missing from
 * the cache offline says so; HTTP 401/404 mean the hub has no such model that this token (HF_TOKEN)
 * may read; anything else is taken for no network.
 */
export function hubFailure(repoId: string, cause: unknown): Error {
  if (cause instanceof NotCached) return new Error(causeLine(cause));
  const detail = causeLine(cause);
  const endpoint = hubEndpoint();
  const noFolder = repoId.includes("/") ? `, and there is no folder ${repoId} here` : "";
  if (cause instanceof HubEntryMissing) {
    return new Error(`${endpoint}: model ${repoId} lacks a file it needs (${detail})`);
  }
  if (/HTTP (401|403|404)\b/.test(detail)) {
    return new Error(
      `${endpoint} has no public model ${repoId} (${detail})${noFolder}; ` +
        `for a private or gated model set HF_TOKEN`,
    );
  }
  return new Error(
    `could not download ${repoId} from ${endpoint} (${detail})${noFolder}: no network? ` +
      `use a local folder such as ${OFFLINE_MODEL}, or set HF_ENDPOINT to a mirror`,
  );
}

/** "REASON for URL" from a download error's first line, else that line. */
function causeLine(cause: unknown): string {
  const line = (cause instanceof Error ? cause.message : String(cause)).split("\n")[0];
  // lib/hub/http.ts: "could not download URL: REASON".
  const download = line.match(/^(?:could not download )?(https?:\/\/\S+): (.*?)\.?$/);
  return download ? `${download[2]} for ${download[1]}` : line.replace(/\.$/, "");
}
