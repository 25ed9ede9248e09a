import { gunzipSync } from "node:zlib";

/** True when `source` is an http(s) URL rather than a path. */
export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** Reads a text file or URL, gunzipping when the name ends in `.gz` or the bytes are gzip. */
export async function readText(source: string): Promise<string> {
  const bytes = isUrl(source) ? await fetchBytes(source) : await readFileBytes(source);
  const gzipped = bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  const raw = gzipped ? gunzipSync(bytes) : bytes;
  return new TextDecoder("utf-8", { fatal: true }).decode(raw);
}

async function readFileBytes(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error(`${path}: no such file`);
    throw new Error(`${path}: cannot read (${(e as Error).message})`);
  }
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
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
