// Requests that arrive together go through the model together: a bounded queue, drained in
// batches of jobs that share their options, each batch after at most `maxWaitMs` of waiting for
// company.

/** How the batcher gathers work. */
export interface BatcherOptions {
  /** Most items (question-context pairs) in one batch. */
  maxBatch: number;
  /** Longest wait, in milliseconds, for a batch to fill once its first job is queued. */
  maxWaitMs: number;
  /** Most jobs waiting; past it `submit` throws `QueueFullError`. */
  maxQueue: number;
  /** Batches run at once (one per inference worker; default 1). */
  parallel?: number;
}

/** A unit of work: its items, and the key of the options it must share with its batch-mates. */
export interface Job {
  key: string;
  items: readonly unknown[];
}

/** Runs one batch: each job's result, or the error that job alone gets. */
export type BatchRunner<J extends Job, Result> = (jobs: J[]) => Promise<(Result | Error)[]>;

/** The queue is full: try again later. */
export class QueueFullError extends Error {
  constructor(readonly size: number) {
    super(`the server is busy (${size} requests waiting); try again shortly`);
    this.name = "QueueFullError";
  }
}

interface Waiting<J, Result> {
  job: J;
  resolve: (result: Result) => void;
  reject: (error: Error) => void;
}

/** A bounded queue drained batch by batch, one batch at a time. */
export class Batcher<J extends Job, Result> {
  #queue: Waiting<J, Result>[] = [];
  #drains: Promise<void>[] = [];
  readonly #wakers = new Set<() => void>();
  /** Batches run, and items in them: how much batching happened. */
  readonly stats = { batches: 0, items: 0, jobs: 0 };

  constructor(readonly options: BatcherOptions, private readonly run: BatchRunner<J, Result>) {}

  /** Jobs waiting (not the batch running). */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Queues a job; resolves with its result. Throws `QueueFullError` when the queue is full. */
  submit(job: J): Promise<Result> {
    if (this.#queue.length >= this.options.maxQueue) throw new QueueFullError(this.#queue.length);
    const result = new Promise<Result>((resolve, reject) => {
      this.#queue.push({ job, resolve, reject });
    });
    if (this.#queuedItems() >= this.options.maxBatch) [...this.#wakers].forEach((wake) => wake());
    if (this.#drains.length < (this.options.parallel ?? 1)) {
      const drain: Promise<void> = this.#drain().finally(() => {
        this.#drains = this.#drains.filter((d) => d !== drain);
      });
      this.#drains.push(drain);
    }
    return result;
  }

  /** Resolves once every queued job has run. */
  async idle(): Promise<void> {
    while (this.#drains.length > 0) await Promise.all(this.#drains);
  }

  // One runner's loop: batch after batch while jobs wait (several loops with `parallel`).
  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      await this.#gather();
      const batch = this.#takeBatch();
      if (batch.length === 0) continue;
      let results: (Result | Error)[];
      try {
        results = await this.run(batch.map((w) => w.job));
      } catch (e) {
        results = batch.map(() => e instanceof Error ? e : new Error(String(e)));
      }
      this.stats.batches++;
      this.stats.jobs += batch.length;
      this.stats.items += batch.reduce((n, w) => n + w.job.items.length, 0);
      batch.forEach((w, i) => {
        const result = results[i];
        if (result instanceof Error) w.reject(result);
        else w.resolve(result);
      });
    }
  }

  // Waits up to maxWaitMs for the queue to hold a full batch.
  async #gather(): Promise<void> {
    if (this.#queuedItems() >= this.options.maxBatch || this.options.maxWaitMs <= 0) return;
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, this.options.maxWaitMs);
      this.#wakers.add(wake);
    });
  }

  // The first job and the next ones with its key, up to maxBatch items (the first always goes).
  #takeBatch(): Waiting<J, Result>[] {
    const [first] = this.#queue;
    if (!first) return [];
    const batch: Waiting<J, Result>[] = [];
    let items = 0;
    this.#queue = this.#queue.filter((w) => {
      const fits = w.job.key === first.job.key &&
        (batch.length === 0 || items + w.job.items.length <= this.options.maxBatch);
      if (!fits) return true;
      batch.push(w);
      items += w.job.items.length;
      return false;
    });
    return batch;
  }

  #queuedItems(): number {
    return this.#queue.reduce((n, w) => n + w.job.items.length, 0);
  }
}
