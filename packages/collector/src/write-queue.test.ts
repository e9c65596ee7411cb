import type { SpanRecord } from '@tickline/otlp';
import { describe, expect, it } from 'vitest';
import { makeTrace } from './__tests__/spans.js';
import type { SpanStore } from './store/types.js';
import { WriteQueue, WriteQueueFullError } from './write-queue.js';

/** A store that only records the batches it is given (the queue's logic is what is tested here). */
function recordingStore(delayMs: number, maxConcurrentWrites?: number) {
  const batches: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const store = {
    description: 'recording',
    ...(maxConcurrentWrites === undefined ? {} : { maxConcurrentWrites }),
    async insertSpans(spans: SpanRecord[]) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      batches.push(spans.length);
      inFlight--;
      return spans.length;
    },
  } as unknown as SpanStore;
  return { store, batches, maxInFlight: () => maxInFlight };
}

describe('WriteQueue', () => {
  it('commits requests that arrive together in one transaction, and resolves after it', async () => {
    const { store, batches } = recordingStore(20);
    const queue = new WriteQueue(store);
    const done = await Promise.all(
      Array.from({ length: 5 }, () => queue.enqueue(makeTrace(10, 0)).then(() => batches.length)),
    );
    expect(batches).toEqual([50]);
    expect(done).toEqual([1, 1, 1, 1, 1]);
    expect(queue.pendingSpans).toBe(0);
  });

  it('splits at maxBatchSpans and bounds what is pending', async () => {
    const { store, batches } = recordingStore(20);
    const queue = new WriteQueue(store, { maxBatchSpans: 25, maxPendingSpans: 40 });
    const first = [queue.enqueue(makeTrace(20, 0)), queue.enqueue(makeTrace(20, 0))];
    expect(queue.full).toBe(true);
    expect(() => queue.enqueue(makeTrace(5, 0))).toThrow(WriteQueueFullError);
    await Promise.all(first);
    expect(batches).toEqual([20, 20]);
    await queue.enqueue(makeTrace(5, 0));
    await queue.drain();
  });

  it('runs as many transactions at once as the store allows, and drains them', async () => {
    const recording = recordingStore(30, 2);
    const queue = new WriteQueue(recording.store, { maxBatchSpans: 10 });
    const all: Promise<void>[] = [];
    for (let round = 0; round < 6; round++) {
      all.push(queue.enqueue(makeTrace(10, 0)));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await queue.drain();
    await Promise.all(all);
    expect(recording.maxInFlight()).toBe(2);
    expect(recording.batches.reduce((sum, count) => sum + count, 0)).toBe(60);
  });
});
