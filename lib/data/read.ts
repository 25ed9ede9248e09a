import { fetchWithRetries, type HttpOptions } from "../hub/mod.ts";
import { setting } from "../settings.ts";

/** True when `source` is an http(s) URL rather than a path. */
export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/**
 * Most bytes one text input may hold once gunzipped: 256 MiB unless `QA_MAX_INPUT_MB` or
 * `setMaxInputBytes` says otherwise. A small gzip can inflate to gigabytes, and V8 holds no
 * string over 512 MiB anyway.
 */
let maxInputBytes: number | undefined;

function inputCap(): number {
  return (maxInputBytes ?? setting("QA_MAX_INPUT_MB") * (1 << 20));
}

/** Sets the most bytes a text input may hold once gunzipped (`--max-input-mb`). */
export function setMaxInputBytes(bytes: number): void {
  if (!(bytes > 0)) throw new Error(`the input size cap must be positive, got ${bytes}`);
  maxInputBytes = bytes;
}

/** What `readText` may be told beyond the source. */
export interface ReadOptions extends HttpOptions {
  /** Most bytes of text (after gunzip); the cap set by `setMaxInputBytes` by default. */
  maxBytes?: number;
}

/**
 * Reads a text file or URL as UTF-8, gunzipping when the bytes are gzip. Streamed: the text is
 * decoded as the bytes come, and reading stops once it passes `maxBytes`. Every error names the
 * source: missing, unreadable, corrupt or truncated gzip, too large, not UTF-8.
 */
export async function readText(source: string, options: ReadOptions = {}): Promise<string> {
  const maxBytes = options.maxBytes ?? inputCap();
  if (isUrl(source)) {
    return await fetchWithRetries(source, (body) => decodeText(body, source, maxBytes), options);
  }
  const file = await openFile(source);
  try {
    return await decodeText(file.readable, source, maxBytes);
  } finally {
    try {
      file.close();
    } catch { /* closed with its stream */ }
  }
}

async function openFile(path: string): Promise<Deno.FsFile> {
  try {
    return await Deno.open(path, { read: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error(`${path}: no such file`);
    throw new Error(`${path}: cannot read (${(e as Error).message})`);
  }
}

// Bytes → (gunzip) → UTF-8 text, in pieces joined at the end; fails fast past `maxBytes`.
async function decodeText(
  body: AsyncIterable<Uint8Array>,
  source: string,
  maxBytes: number,
): Promise<string> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const pieces: string[] = [];
  let bytes = 0;
  let gzipped = false;
  for await (const chunk of inflated(body, source, (isGzip) => gzipped = isGzip)) {
    if (bytes + chunk.length > maxBytes) {
      const mb = Number((maxBytes / (1 << 20)).toPrecision(3));
      throw new Error(
        `${source}: ${gzipped ? "inflates to" : "holds"} more than ${mb} MiB of text; ` +
          `--max-input-mb (or QA_MAX_INPUT_MB) raises the cap`,
      );
    }
    try {
      pieces.push(decoder.decode(chunk, { stream: true }));
    } catch {
      throw new Error(
        `${source}: not UTF-8 text (an invalid byte among bytes ${bytes}–${bytes + chunk.length}${
          gzipped ? " after gunzip" : ""
        }); save it as UTF-8`,
      );
    }
    bytes += chunk.length;
  }
  try {
    pieces.push(decoder.decode());
  } catch {
    throw new Error(`${source}: not UTF-8 text (it ends inside a character)`);
  }
  try {
    return pieces.join("");
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new Error(`${source}: ${bytes} bytes of text are more than one string can hold`);
  }
}

// The body as it is, or gunzipped when it starts with gzip's magic bytes.
async function* inflated(
  body: AsyncIterable<Uint8Array>,
  source: string,
  onKind: (gzipped: boolean) => void,
): AsyncGenerator<Uint8Array> {
  const iterator = body[Symbol.asyncIterator]();
  let first = await iterator.next();
  while (!first.done && first.value.length < 2) {
    const more = await iterator.next();
    if (more.done) break;
    first = { done: false, value: concat(first.value, more.value) };
  }
  if (first.done) return;
  const rest = async function* () {
    yield first.value;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      yield next.value;
    }
  };
  const gzipped = first.value[0] === 0x1f && first.value[1] === 0x8b;
  onKind(gzipped);
  if (!gzipped) return yield* rest();
  const gunzip = new DecompressionStream("gzip");
  const writer = gunzip.writable.getWriter();
  // A failure to read the source (not gunzip's) is passed on as it is: a network error may retry.
  let sourceError: unknown;
  const feeding = (async () => {
    try {
      for await (const chunk of rest()) await writer.write(chunk as Uint8Array<ArrayBuffer>);
    } catch (e) {
      sourceError = e;
      await writer.abort(e).catch(() => {});
      return;
    }
    await writer.close();
  })();
  feeding.catch(() => {});
  const reader = gunzip.readable.getReader();
  try {
    while (true) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (e) {
        if (sourceError !== undefined) throw sourceError;
        throw new Error(`${source}: corrupt or truncated gzip (${(e as Error).message})`);
      }
      if (next.done) break;
      yield next.value;
    }
    await feeding;
  } finally {
    await reader.cancel().catch(() => {});
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

/** Parses JSON lines; a bad line is reported with its file and line number. */
export function parseJsonLines(text: string, source: string): unknown[] {
  const rows: unknown[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    try {
      rows.push(JSON.parse(line));
    } catch (e) {
      throw new Error(`${source}: line ${i + 1}: malformed JSON (${(e as Error).message})`);
    }
  }
  return rows;
}
