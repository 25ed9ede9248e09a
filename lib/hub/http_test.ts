// Downloads against real servers on loopback: one that accepts and never answers, one that stops
// sending half-way, one that fails twice before answering. Every wait is bounded by small limits.
import { assert, assertEquals, assertRejects } from "../../test/assert.ts";
import { sharedPath } from "../../test/shared.ts";
import { readText } from "../data/read.ts";
import { readCheckpoint } from "../model/io/checkpoint.ts";
import { loadSquad } from "../data/squad.ts";
import { cachedDownload, downloadFile } from "./cache.ts";
import { fetchWithRetries, type HttpOptions } from "./http.ts";
import { rereadSettings } from "../settings.ts";

const FAST: HttpOptions = { connectTimeoutMs: 200, readTimeoutMs: 200, retries: 1, backoffMs: 10 };

/** A TCP server that accepts, optionally writes `reply`, and then holds every connection open. */
function silentServer(reply = ""): { url: string; close: () => void; accepted: () => number } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  (async () => {
    for await (const conn of listener) {
      held.push(conn);
      if (reply) conn.write(new TextEncoder().encode(reply)).catch(() => {});
    }
  })().catch(() => {});
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    accepted: () => held.length,
    close: () => {
      for (const conn of held) conn.close();
      listener.close();
    },
  };
}

/** An HTTP server answering from `handler`, counting requests. */
function httpServer(handler: (n: number) => Response) {
  let requests = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => handler(++requests),
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests: () => requests,
    close: () => server.shutdown(),
  };
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await fn();
  return [value, performance.now() - started];
}

Deno.test({
  name: "a server that accepts and never answers: a bounded wait, retried, naming the URL",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = silentServer();
    try {
      const url = `${server.url}/train-v1.1.json`;
      const [error, ms] = await timed(() => assertRejects(() => readText(url, FAST)));
      assertEquals((error as Error).message, `${url}: no answer within 0.2 s (2 tries)`);
      assert(ms < 3000, `${ms} ms`);
      assertEquals(server.accepted(), 2);

      // `squad` from a hub that hangs: the cache stays empty, the message says where.
      const cache = await Deno.makeTempDir();
      Deno.env.set("HF_HUB_CACHE", cache);
      Deno.env.set("HF_ENDPOINT", server.url);
      rereadSettings();
      try {
        const named = await assertRejects(() => loadSquad("squad", FAST));
        const readme = `${server.url}/datasets/rajpurkar/squad/resolve/main/README.md`;
        assert((named as Error).message.includes(`${readme}: no answer within 0.2 s`), `${named}`);
      } finally {
        Deno.env.delete("HF_HUB_CACHE");
        Deno.env.delete("HF_ENDPOINT");
        rereadSettings();
      }
      assertEquals([...Deno.readDirSync(cache)], []);
    } finally {
      server.close();
    }
  },
});

Deno.test({
  name: "a body that stops half-way times out and leaves no file behind",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = silentServer("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nhalf of it");
    try {
      const dir = await Deno.makeTempDir();
      const url = `${server.url}/model.safetensors`;
      const error = await assertRejects(() => downloadFile(url, `${dir}/model.safetensors`, FAST));
      assertEquals((error as Error).message, `${url}: no data within 0.2 s (2 tries)`);
      assertEquals([...Deno.readDirSync(dir)], []);
    } finally {
      server.close();
    }
  },
});

Deno.test("5xx answers are retried with back-off; a 404 is not", async () => {
  const flaky = httpServer((n) =>
    n <= 2 ? new Response("busy", { status: 503 }) : new Response("x".repeat(100_000))
  );
  try {
    const dir = await Deno.makeTempDir();
    const seen: number[] = [];
    const path = await cachedDownload(`${flaky.url}/big.txt`, `${dir}/big.txt`, {
      ...FAST,
      retries: 2,
      onProgress: (done) => seen.push(done),
    });
    assertEquals(flaky.requests(), 3);
    assertEquals((await Deno.readTextFile(path)).length, 100_000);
    assertEquals(seen.at(-1), 100_000);
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["big.txt"]);
  } finally {
    await flaky.close();
  }
  const missing = httpServer(() => new Response("no", { status: 404, statusText: "Not Found" }));
  try {
    const url = `${missing.url}/nothing.json`;
    const error = await assertRejects(() => fetchWithRetries(url, async () => {}, FAST));
    assertEquals((error as Error).message, `${url}: HTTP 404 Not Found`);
    assertEquals(missing.requests(), 1);
  } finally {
    await missing.close();
  }
});

Deno.test({
  name: "qa featurize from a hanging URL stops within the limits set in the environment",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = silentServer();
    try {
      const url = `${server.url}/dev-v1.1.json`;
      const cli = new URL("../../cli/qa.ts", import.meta.url).pathname;
      const tokenizer = sharedPath("golden/models/tiny-distilbert-init");
      const [output, ms] = await timed(() =>
        new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", cli, "featurize", "--tokenizer", tokenizer, "--input", url]
            .concat(["--mode", "train", "--out", `${Deno.makeTempDirSync()}/f.jsonl`]),
          env: { NO_COLOR: "1", QA_HTTP_CONNECT_TIMEOUT_S: "0.3", QA_HTTP_RETRIES: "1" },
        }).output()
      );
      const stderr = new TextDecoder().decode(output.stderr);
      assertEquals(output.code, 1, stderr);
      assert(stderr.includes(`error: ${url}: no answer within 0.3 s (2 tries)`), stderr);
      assert(ms < 20_000, `${ms} ms`);
    } finally {
      server.close();
    }
  },
});

Deno.test({
  name: "a hub id from a hub that never answers: bounded, naming the URL, nothing cached",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = silentServer();
    const cache = await Deno.makeTempDir();
    const env = {
      HF_ENDPOINT: server.url,
      HF_HUB_CACHE: cache,
      QA_HTTP_CONNECT_TIMEOUT_S: "0.2",
      QA_HTTP_RETRIES: "1",
    };
    for (const [name, value] of Object.entries(env)) Deno.env.set(name, value);
    rereadSettings();
    try {
      const [error, ms] = await timed(() => assertRejects(() => readCheckpoint("someone/model")));
      const url = `${server.url}/someone/model/resolve/main/config.json`;
      assert(
        (error as Error).message.includes(`(no answer within 0.2 s (2 tries) for ${url})`),
        `${error}`,
      );
      assert(ms < 5000, `${ms} ms`);
      assertEquals([...Deno.readDirSync(cache)], []);
    } finally {
      for (const name of Object.keys(env)) Deno.env.delete(name);
      rereadSettings();
      server.close();
    }
  },
});
