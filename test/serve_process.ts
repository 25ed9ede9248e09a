// `qa serve` in a child process, as a user starts it: the address it prints, its memory, and a
// stop by signal — for the CLI test, the load test and `deno task bench:serve`.

/** A running `qa serve`. */
export interface ServeProcess {
  /** The address it printed ("listening on URL"). */
  url: string;
  pid: number;
  /** Everything it printed so far, both streams. */
  output(): string;
  /** Its resident memory in MB, as its GET /health reports it. */
  rssMb(): Promise<number>;
  /** Its GET /health. */
  health(): Promise<Record<string, unknown>>;
  /** Sends `signal` and waits for the exit. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/** Starts `deno run --allow-all cli/qa.ts serve --port 0 ...args`; resolves once it listens. */
export async function startServeProcess(args: string[]): Promise<ServeProcess> {
  const cli = new URL("../cli/qa.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", cli, "serve", "--port", "0", ...args],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let printed = "";
  let announce: (url: string) => void;
  const listening = new Promise<string>((resolve) => announce = resolve);
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      printed += text;
      const found = printed.match(/listening on (http:\/\/\S+)/);
      if (found) announce(found[1]);
    }
  };
  const streams = Promise.all([collect(child.stdout), collect(child.stderr)]);
  const url = await Promise.race([
    listening,
    child.status.then((s) => {
      throw new Error(`qa serve exited with ${s.code} before listening:\n${printed}`);
    }),
  ]);
  const health = async () => await (await fetch(new URL("health", url))).json();
  return {
    url,
    pid: child.pid,
    output: () => printed,
    health,
    async rssMb() {
      return (await health()).rss_mb as number;
    },
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
      const status = await child.status;
      await streams;
      return status;
    },
  };
}
