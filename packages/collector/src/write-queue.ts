import type { SpanRecord } from '@tickline/otlp';
import type { SpanStore } from './store/types.js';

/** Options of {@link WriteQueue}. */
export interface WriteQueueOptions {
  /** Spans waiting or being written above which new requests are refused (429/503). Default 200,000. */
  maxPendingSpans?: number;
  /** Most spans committed in one transaction (group commit). Default 20,000. */
  maxBatchSpans?: number;
  /** Transactions in flight at once. Default: the store's `maxConcurrentWrites`, else 1. */
  maxConcurrentBatches?: number;
}

/** The write queue is over its bound: the caller should answer 503 with Retry-After. */
export class WriteQueueFullError extends Error {
  override name = 'WriteQueueFullError';
  constructor(pendingSpans: number) {
    super(
      `@tickline/collector: write queue full (${pendingSpans} spans pending); retry later or raise maxPendingSpans`,
    );
  }
}

interface Entry {
  spans: SpanRecord[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: requests that arrive while a transaction runs are committed together in the next one.
 * `enqueue` resolves only after the transaction holding its spans committed.
 */
export class WriteQueue {
  readonly #store: SpanStore;
  readonly #maxPendingSpans: number;
  readonly #maxBatchSpans: number;
  readonly #maxConcurrentBatches: number;
  #entries: Entry[] = [];
  #pendingSpans = 0;
  readonly #runners = new Set<Promise<void>>();
  #activeRunners = 0;

  constructor(store: SpanStore, options: WriteQueueOptions = {}) {
    this.#store = store;
    this.#maxPendingSpans = options.maxPendingSpans ?? 200_000;
    this.#maxBatchSpans = options.maxBatchSpans ?? 20_000;
    this.#maxConcurrentBatches = Math.max(1, options.maxConcurrentBatches ?? store.maxConcurrentWrites ?? 1);
  }

  /** Spans accepted but not yet committed. */
  get pendingSpans(): number {
    return this.#pendingSpans;
  }

  /** True when the queue is at its bound: callers can refuse work before decoding it. */
  get full(): boolean {
    return this.#pendingSpans >= this.#maxPendingSpans;
  }

  /** Queues spans; resolves once committed. Throws {@link WriteQueueFullError} when over the bound. */
  enqueue(spans: SpanRecord[]): Promise<void> {
    if (spans.length === 0) return Promise.resolve();
    if (this.#pendingSpans > 0 && this.#pendingSpans + spans.length > this.#maxPendingSpans) {
      throw new WriteQueueFullError(this.#pendingSpans);
    }
    this.#pendingSpans += spans.length;
    const committed = new Promise<void>((resolve, reject) => {
      this.#entries.push({ spans, resolve, reject });
    });
    if (this.#activeRunners < this.#maxConcurrentBatches) {
      this.#activeRunners++;
      const runner = this.#run();
      this.#runners.add(runner);
      void runner.finally(() => this.#runners.delete(runner));
    }
    return committed;
  }

  /** Resolves when everything queued so far is committed (or failed). */
  async drain(): Promise<void> {
    while (this.#runners.size > 0) await Promise.all(this.#runners);
  }

  async #run(): Promise<void> {
    // Let the requests parsed in this turn of the event loop join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.#entries.length > 0) {
        const batch: Entry[] = [];
        let count = 0;
        while (this.#entries.length > 0) {
          const next = this.#entries[0] as Entry;
          if (batch.length > 0 && count + next.spans.length > this.#maxBatchSpans) break;
          batch.push(next);
          count += next.spans.length;
          this.#entries.shift();
        }
        const spans = batch.length === 1 ? (batch[0] as Entry).spans : batch.flatMap((entry) => entry.spans);
        try {
          await this.#store.insertSpans(spans);
          for (const entry of batch) entry.resolve();
        } catch (error) {
          for (const entry of batch) entry.reject(error);
        } finally {
          this.#pendingSpans -= count;
        }
      }
    } finally {
      // Runs synchronously after the last check for entries, so an enqueue cannot slip in between.
      this.#activeRunners--;
    }
  }
}
