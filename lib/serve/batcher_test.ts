// The batcher on its own, with a runner that records its batches: jobs that arrive together share
// a batch up to maxBatch items, keys never mix, a full queue refuses, errors stay with their job,
// and `parallel` runs that many batches at once.
import { assert, assertEquals, assertRejects } from "../../test/assert.ts";
import { Batcher, type Job, QueueFullError } from "./batcher.ts";

interface TestJob extends Job {
  items: number[];
}

const job = (key: string, ...items: number[]): TestJob => ({ key, items });

/** A batcher whose runner doubles each item after `delayMs`, and the batches it ran. */
function recording(
  options: { maxBatch: number; maxWaitMs: number; maxQueue: number; parallel?: number },
  delayMs = 0,
) {
  const batches: string[][] = [];
  let running = 0;
  let mostAtOnce = 0;
  const batcher = new Batcher<TestJob, number[]>(options, async (jobs) => {
    running++;
    mostAtOnce = Math.max(mostAtOnce, running);
    batches.push(jobs.map((j) => `${j.key}:${j.items.join(",")}`));
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    running--;
    return jobs.map((j) =>
      j.items.includes(-1) ? new Error(`bad job ${j.key}`) : j.items.map((i) => i * 2)
    );
  });
  return { batcher, batches, mostAtOnce: () => mostAtOnce };
}

Deno.test("batcher: jobs that arrive together share a batch, up to maxBatch items, by key", async () => {
  const { batcher, batches } = recording({ maxBatch: 4, maxWaitMs: 20, maxQueue: 100 });
  const results = await Promise.all([
    batcher.submit(job("a", 1)),
    batcher.submit(job("b", 2)),
    batcher.submit(job("a", 3, 4)),
    batcher.submit(job("a", 5)),
    batcher.submit(job("a", 6)),
  ]);
  assertEquals(results, [[2], [4], [6, 8], [10], [12]]);
  assertEquals(batches, [["a:1", "a:3,4", "a:5"], ["b:2"], ["a:6"]]);
  assertEquals(batcher.stats, { batches: 3, jobs: 5, items: 6 });
});

Deno.test("batcher: a job larger than maxBatch still runs, alone", async () => {
  const { batcher, batches } = recording({ maxBatch: 2, maxWaitMs: 0, maxQueue: 10 });
  assertEquals(await batcher.submit(job("a", 1, 2, 3)), [2, 4, 6]);
  assertEquals(batches, [["a:1,2,3"]]);
});

Deno.test("batcher: a full queue refuses at once; an error stays with its job", async () => {
  const { batcher } = recording({ maxBatch: 1, maxWaitMs: 0, maxQueue: 2 }, 20);
  const first = batcher.submit(job("a", 1));
  const second = batcher.submit(job("a", -1));
  assert(batcher.waiting <= 2);
  const refused = (() => {
    try {
      batcher.submit(job("a", 3));
      batcher.submit(job("a", 4));
      return undefined;
    } catch (e) {
      return e;
    }
  })();
  assert(refused instanceof QueueFullError, `expected QueueFullError, got ${refused}`);
  assertEquals(await first, [2]);
  assertEquals(String(await assertRejects(() => second)), "Error: bad job a");
  await batcher.idle();
});

Deno.test("batcher: parallel runs that many batches at once, and no more", async () => {
  const { batcher, mostAtOnce } = recording(
    { maxBatch: 1, maxWaitMs: 0, maxQueue: 100, parallel: 3 },
    15,
  );
  const results = await Promise.all(
    Array.from({ length: 12 }, (_, i) => batcher.submit(job("a", i))),
  );
  assertEquals(results, Array.from({ length: 12 }, (_, i) => [2 * i]));
  assertEquals(mostAtOnce(), 3);
  await batcher.idle();
});
