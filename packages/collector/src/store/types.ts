import type { SpanRecord } from '@tickline/otlp';

/** One row of the traces list. */
export interface TraceSummary {
  /** 32 lowercase hex characters. */
  traceId: string;
  /** `service.name` of the resources that sent spans of this trace, sorted. */
  services: string[];
  spanCount: number;
  /** Earliest span start, Unix milliseconds. */
  start: number;
  /** Latest span end minus earliest span start, milliseconds. */
  durationMs: number;
}

/** Filters of {@link SpanStore.listTraces}. */
export interface TraceListQuery {
  /** Only traces with a span from this `service.name`. */
  service?: string;
  /** Only traces that start at or after this time, Unix milliseconds. */
  from?: number;
  /** Only traces that start at or before this time, Unix milliseconds. */
  to?: number;
  /** Page size. */
  limit: number;
  /** Opaque cursor from a previous page's `next`. */
  cursor?: string;
}

/** A page of traces, newest first. */
export interface TraceListPage {
  traces: TraceSummary[];
  /** `cursors[i]` continues the list right after `traces[i]`. */
  cursors: string[];
  /** Cursor for the next page, or undefined at the end. */
  next: string | undefined;
}

/**
 * Durable span storage. Inserts are idempotent on (traceId, spanId): a retried batch never duplicates.
 * `insertSpans` resolves only after the spans are committed.
 */
export interface SpanStore {
  /** Where the store lives, for logs (`sqlite:/path/tickline.db`, `postgres://host:port/db`; no password). */
  readonly description: string;
  /** Transactions the store runs well in parallel (the write queue's default concurrency); 1 when absent. */
  readonly maxConcurrentWrites?: number;
  /** Commits the spans in one transaction; resolves to how many were new. */
  insertSpans(spans: SpanRecord[]): Promise<number>;
  /** Traces, newest first, keyset-paginated. */
  listTraces(query: TraceListQuery): Promise<TraceListPage>;
  /** Every stored span of one trace. */
  traceSpans(traceId: string): Promise<SpanRecord[]>;
  /** Spans that start in [fromMs, toMs], at most `limit` (the earliest ones). */
  windowSpans(fromMs: number, toMs: number, limit: number): Promise<SpanRecord[]>;
  /** Number of stored spans. */
  countSpans(): Promise<number>;
  /** Deletes spans (and trace summaries) that ended before the cutoff; resolves to spans deleted. */
  deleteEndedBefore(cutoffMs: number): Promise<number>;
  /** Closes the store; pending inserts have been awaited by the caller. */
  close(): Promise<void>;
}
