// A load generator for the load test and `deno task bench:serve`: `requests` POSTs at
// `concurrency` in flight, each body taken in turn from a list; latencies and failures counted.

/** What a load run measured. */
export interface LoadResult {
  requests: number;
  concurrency: number;
  /** Non-200 answers and network errors, with the first few reasons. */
  failures: number;
  failureReasons: string[];
  seconds: number;
  /** Milliseconds, sorted. */
  latencies: number[];
}

/** Sends `requests` POSTs of `bodies` (in turn) to `url`, `concurrency` at a time. */
export async function runLoad(
  url: string,
  bodies: readonly unknown[],
  { requests, concurrency }: { requests: number; concurrency: number },
): Promise<LoadResult> {
  const texts = bodies.map((b) => JSON.stringify(b));
  const latencies: number[] = [];
  const failureReasons: string[] = [];
  let failures = 0;
  let next = 0;
  const client = async () => {
    while (next < requests) {
      const body = texts[next++ % texts.length];
      const began = performance.now();
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        const text = await response.text();
        if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${text}`);
      } catch (e) {
        failures++;
        if (failureReasons.length < 5) failureReasons.push(String(e));
      }
      latencies.push(performance.now() - began);
    }
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: concurrency }, client));
  const seconds = (performance.now() - began) / 1000;
  latencies.sort((a, b) => a - b);
  return { requests, concurrency, failures, failureReasons, seconds, latencies };
}

/** The `q` quantile (0..1) of sorted values, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** One line: requests, failures, p50/p99 latency, requests per second. */
export function describeLoad(result: LoadResult): string {
  const { requests, concurrency, failures, seconds, latencies } = result;
  return `${requests} requests at ${concurrency} concurrent: ${failures} failed, ` +
    `p50 ${quantile(latencies, 0.5).toFixed(1)} ms, p99 ${
      quantile(latencies, 0.99).toFixed(1)
    } ms, ` +
    `${(requests / seconds).toFixed(1)} requests/s (${seconds.toFixed(1)} s)`;
}
