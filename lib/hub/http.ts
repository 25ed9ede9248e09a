// HTTP GET that never hangs: a time limit on the response headers, one on each wait for body
// bytes, and a bounded number of retries with back-off for failures that may pass (5xx, 429, a
// reset or refused connection, a timeout). Every error names the URL.
import { setting } from "../settings.ts";

/** Time limits and retries of a download. */
export interface HttpOptions {
  /**
   * Most milliseconds to wait for the response headers (connecting included); 30 s by default
   * (env `QA_HTTP_CONNECT_TIMEOUT_S`).
   */
  connectTimeoutMs?: number;
  /** Most milliseconds the body may go without a byte; 60 s by default (`QA_HTTP_READ_TIMEOUT_S`). */
  readTimeoutMs?: number;
  /** Retries after a transient failure (`retries + 1` tries in all); 3 by default (`QA_HTTP_RETRIES`). */
  retries?: number;
  /** Wait before the first retry, doubled before each next one; 1 s by default. */
  backoffMs?: number;
}

/** What a request sends besides its URL: a method, headers, and whether redirects are followed. */
export interface RequestOptions extends HttpOptions {
  /** GET by default; HEAD reads only the headers (the body handed on is empty). */
  method?: "GET" | "HEAD";
  /** Sent with the request (an `Authorization` header is dropped on a redirect to another host). */
  headers?: Record<string, string>;
  /** "manual" hands a 3xx answer to `consume` as it is, for its Location; "follow" by default. */
  redirect?: "follow" | "manual";
}

/** A failure worth another try: a 5xx or 429 answer, a network error, a timeout. */
class TransientError extends Error {}

/** An HTTP answer that is an error (4xx): its status and headers (X-Error-Code, X-Repo-Commit). */
export class HttpStatusError extends Error {
  constructor(message: string, readonly status: number, readonly headers: Headers) {
    super(message);
  }
}

type Settings = Required<HttpOptions> & RequestOptions;

// The defaults, each overridable from the environment (lib/settings.ts).
function defaults(): Required<HttpOptions> {
  return {
    connectTimeoutMs: 1000 * setting("QA_HTTP_CONNECT_TIMEOUT_S"),
    readTimeoutMs: 1000 * setting("QA_HTTP_READ_TIMEOUT_S"),
    retries: setting("QA_HTTP_RETRIES"),
    backoffMs: 1_000,
  };
}

/**
 * GETs `url` and hands its body to `consume` (bytes as they come, each wait for them bounded by
 * `readTimeoutMs`). The whole try is repeated after a transient failure, up to `retries` times
 * with back-off; `consume` must start over each time. Errors say the URL and what failed.
 */
export async function fetchWithRetries<T>(
  url: string,
  consume: (body: AsyncIterable<Uint8Array>, response: Response) => Promise<T>,
  options: RequestOptions = {},
): Promise<T> {
  const settings: Settings = { ...defaults(), ...options };
  for (let attempt = 0;; attempt++) {
    try {
      return await fetchOnce(url, consume, settings);
    } catch (e) {
      const transient = e instanceof TransientError;
      if (!transient || attempt >= settings.retries) {
        const tries = attempt > 0 ? ` (${attempt + 1} tries)` : "";
        throw new Error(`${url}: ${(e as Error).message}${tries}`, { cause: e });
      }
      await new Promise((resolve) => setTimeout(resolve, settings.backoffMs * 2 ** attempt));
    }
  }
}

async function fetchOnce<T>(
  url: string,
  consume: (body: AsyncIterable<Uint8Array>, response: Response) => Promise<T>,
  settings: Settings,
): Promise<T> {
  const abort = new AbortController();
  let timedOut = "";
  const limit = (ms: number, what: string) =>
    setTimeout(() => {
      timedOut = `${what} within ${ms / 1000} s`;
      abort.abort();
    }, ms);
  let timer = limit(settings.connectTimeoutMs, "no answer");
  try {
    let response: Response;
    try {
      response = await fetch(url, {
        signal: abort.signal,
        method: settings.method ?? "GET",
        headers: settings.headers,
        redirect: settings.redirect ?? "follow",
      });
    } catch (e) {
      const message = timedOut || networkMessage(e);
      // Deno refuses some ports outright (9, 1...); no retry changes that.
      throw /blocked/i.test(message) ? new Error(message) : new TransientError(message);
    } finally {
      clearTimeout(timer);
    }
    const redirected = settings.redirect === "manual" && response.status >= 300 &&
      response.status < 400;
    if (!response.ok && !redirected) {
      await response.body?.cancel().catch(() => {});
      const code = response.headers.get("x-error-code");
      const message = `HTTP ${response.status} ${response.statusText}`.trim() +
        (code ? ` (${code})` : "");
      const transient = response.status >= 500 || response.status === 429;
      if (transient) throw new TransientError(message);
      throw new HttpStatusError(message, response.status, response.headers);
    }
    if (!response.body) return await consume(noBytes(), response);
    const reader = response.body.getReader();
    const chunks = async function* (): AsyncGenerator<Uint8Array> {
      while (true) {
        timer = limit(settings.readTimeoutMs, "no data");
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
        } catch (e) {
          throw new TransientError(timedOut || networkMessage(e));
        } finally {
          clearTimeout(timer);
        }
        if (next.done) return;
        yield next.value;
      }
    };
    try {
      return await consume(chunks(), response);
    } finally {
      await reader.cancel().catch(() => {});
    }
  } finally {
    clearTimeout(timer);
  }
}

async function* noBytes(): AsyncGenerator<Uint8Array> {}

// Deno says "error sending request for url (...): client error (Connect): ..."; keep the cause.
function networkMessage(e: unknown): string {
  const parts: string[] = [];
  for (let error = e as Error | undefined; error; error = error.cause as Error | undefined) {
    if (error.message && !parts.includes(error.message)) parts.push(error.message);
  }
  return parts.join(": ") || String(e);
}
