import { dirname } from "node:path";
import { syncFolder } from "../fs/mod.ts";

/**
 * Writes `path` atomically: everything goes to a temporary file beside it, which replaces `path`
 * only on `commit()` (synced to disk, renamed, the folder synced). A run that fails half-way
 * leaves any earlier file as it was. Errors (a full disk...) name `path`.
 */
export class AtomicWriter {
  #file: Deno.FsFile;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #tmp: string;
  #encoder = new TextEncoder();
  #flushed: Promise<void> = Promise.resolve();

  private constructor(readonly path: string, tmp: string, file: Deno.FsFile) {
    this.#tmp = tmp;
    this.#file = file;
    if (path.endsWith(".gz")) {
      const gzip = new CompressionStream("gzip");
      this.#flushed = gzip.readable.pipeTo(file.writable);
      this.#writer = (gzip.writable as WritableStream<Uint8Array>).getWriter();
    } else {
      this.#writer = file.writable.getWriter();
    }
  }

  /** Opens a writer for `path` (gzipped when it ends in `.gz`); the folder is created if needed. */
  static async open(path: string): Promise<AtomicWriter> {
    const tmp = `${path}.tmp-${Deno.pid}`;
    try {
      await Deno.mkdir(dirname(path), { recursive: true });
      const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
      return new AtomicWriter(path, tmp, file);
    } catch (e) {
      throw new Error(`${path}: cannot be written (${(e as Error).message})`);
    }
  }

  /** Appends text. */
  async write(text: string): Promise<void> {
    await this.#named(this.#writer.write(this.#encoder.encode(text)));
  }

  /** Appends one JSON value per line (a few hundred lines per write, never one huge string). */
  async writeJsonLines(rows: unknown[]): Promise<void> {
    for (let from = 0; from < rows.length; from += 256) {
      const lines = rows.slice(from, from + 256).map((row) => JSON.stringify(row) + "\n");
      await this.write(lines.join(""));
    }
  }

  /** Finishes the file and moves it into place. */
  async commit(): Promise<void> {
    await this.#named((async () => {
      await this.#writer.close();
      await this.#flushed;
      // The stream closed the file; reopen it to flush it to disk before it takes the name.
      const file = await Deno.open(this.#tmp, { read: true, write: true });
      try {
        await file.sync();
      } finally {
        file.close();
      }
      await Deno.rename(this.#tmp, this.path);
    })());
    await syncFolder(dirname(this.path));
  }

  async #named(work: Promise<void>): Promise<void> {
    try {
      await work;
    } catch (e) {
      throw new Error(`${this.path}: cannot be written (${(e as Error).message})`);
    }
  }

  /** Drops what was written; `path` is left untouched. */
  async abort(): Promise<void> {
    await this.#writer.abort().catch(() => {});
    await this.#flushed.catch(() => {});
    try {
      this.#file.close();
    } catch { /* already closed by abort */ }
    await Deno.remove(this.#tmp).catch(() => {});
  }
}

/** Writes a whole text file atomically (gzipped when `path` ends in `.gz`). */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  const writer = await AtomicWriter.open(path);
  try {
    await writer.write(text);
    await writer.commit();
  } catch (e) {
    await writer.abort();
    throw e;
  }
}
