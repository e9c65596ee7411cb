import type { Attributes, SpanRecord } from '@tickline/otlp';
import pg from 'pg';
import {
  aggregateByTrace,
  decodeCursor,
  encodeCursor,
  msToNs,
  nsToMs,
  rowToSpan,
  spansToRows,
  splitServices,
} from './rows.js';
import type { SpanStore, TraceListPage, TraceListQuery } from './types.js';

/** Options of {@link PostgresSpanStore.open}. */
export interface PostgresStoreOptions {
  /** Connection pool size. Default 4. */
  poolSize?: number;
}

/**
 * The schema. `spans` and `traces` both have `trace_id` leading their primary key, so with Citus both can be
 * distributed by `trace_id` and co-located (docs/citus.md).
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS spans (
  trace_id text NOT NULL,
  span_id text NOT NULL,
  parent_span_id text,
  name text NOT NULL,
  kind smallint NOT NULL,
  start_ns bigint NOT NULL,
  end_ns bigint NOT NULL,
  service text,
  node text,
  domain text,
  attributes text NOT NULL,
  resource text NOT NULL,
  scope text,
  status_code integer,
  status_message text,
  PRIMARY KEY (trace_id, span_id)
);
CREATE INDEX IF NOT EXISTS spans_by_start ON spans (start_ns);
CREATE TABLE IF NOT EXISTS traces (
  trace_id text PRIMARY KEY,
  start_ns bigint NOT NULL,
  end_ns bigint NOT NULL,
  span_count bigint NOT NULL,
  services text NOT NULL
);
CREATE INDEX IF NOT EXISTS traces_by_start ON traces (start_ns, trace_id);
`;

/** Idempotent span insert; returns the rows that were new, for the trace summaries. */
const INSERT_SPANS = `
INSERT INTO spans (trace_id, span_id, parent_span_id, name, kind, start_ns, end_ns, service, node, domain, attributes, resource, scope, status_code, status_message)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::smallint[], $6::bigint[], $7::bigint[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::integer[], $15::text[])
ON CONFLICT (trace_id, span_id) DO NOTHING
RETURNING trace_id, span_id
`;

/**
 * Per-trace summaries of the new rows. No subqueries and no CTEs, so Citus can route it shard by shard.
 * Service lists are `,a,b,`: a batch's list is appended unless already contained (readers deduplicate).
 */
const UPSERT_TRACES = `
INSERT INTO traces AS t (trace_id, start_ns, end_ns, span_count, services)
SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[])
ON CONFLICT (trace_id) DO UPDATE SET
  start_ns = least(t.start_ns, excluded.start_ns),
  end_ns = greatest(t.end_ns, excluded.end_ns),
  span_count = t.span_count + excluded.span_count,
  services = CASE WHEN strpos(t.services, excluded.services) > 0 THEN t.services ELSE t.services || substr(excluded.services, 2) END
`;

const RETRYABLE_CODES = new Set(['40P01', '40001']);

/** Characters JSON.stringify escapes differently from a PostgreSQL array literal: controls, lone surrogates. */
const NOT_ARRAY_SAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
  /[\u0000-\u001f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * A PostgreSQL array literal (`{"a","b",NULL}`) of strings, numbers and nulls, or undefined when a string
 * holds a character that JSON.stringify would escape in a way PostgreSQL does not read back. Inside
 * double quotes PostgreSQL reads `\"` and `\\` as JSON writes them.
 */
export function arrayLiteral(values: ReadonlyArray<string | number | null>): string | undefined {
  let literal = '{';
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (index > 0) literal += ',';
    if (value === null || value === undefined) literal += 'NULL';
    else if (typeof value === 'number') literal += String(value);
    else {
      if (NOT_ARRAY_SAFE.test(value)) return undefined;
      literal += JSON.stringify(value);
    }
  }
  return `${literal}}`;
}

type StoredRow = Parameters<typeof rowToSpan>[0];

/** `postgres://user:secret@host/db` → `postgres://user@host/db` for logs. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return 'postgres://(unparsable url)';
  }
}

/**
 * The shared store: several collector processes can write to one PostgreSQL database. Each batch is
 * one `INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING` statement that also maintains the
 * `traces` summaries; rows are sorted by id so concurrent writers lock in the same order, and deadlocks
 * or serialization failures are retried.
 */
export class PostgresSpanStore implements SpanStore {
  readonly description: string;
  /** Two batches in flight keep PostgreSQL busy while the collector decodes the next one. */
  readonly maxConcurrentWrites = 2;
  readonly #pool: pg.Pool;

  private constructor(pool: pg.Pool, description: string) {
    this.#pool = pool;
    this.description = description;
  }

  /** Connects and creates the schema when missing (serialised between processes by an advisory lock). */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresSpanStore> {
    const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 4 });
    pool.on('error', () => {
      // An idle client lost its connection; the pool replaces it on the next query.
    });
    try {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock(7140817)');
        await client.query(SCHEMA);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresSpanStore(pool, redact(url));
  }

  async insertSpans(spans: SpanRecord[]): Promise<number> {
    if (spans.length === 0) return 0;
    const rows = spansToRows(spans).sort((a, b) =>
      a.traceId < b.traceId
        ? -1
        : a.traceId > b.traceId
          ? 1
          : a.spanId < b.spanId
            ? -1
            : a.spanId > b.spanId
              ? 1
              : 0,
    );
    const columns: unknown[][] = Array.from({ length: 15 }, () => []);
    for (const row of rows) {
      const values = [
        row.traceId,
        row.spanId,
        row.parentSpanId,
        row.name,
        row.kind,
        row.startNs.toString(),
        row.endNs.toString(),
        row.service,
        row.node,
        row.domain,
        row.attributes,
        row.resource,
        row.scope,
        row.statusCode,
        row.statusMessage,
      ];
      for (let column = 0; column < 15; column++) (columns[column] as unknown[]).push(values[column]);
    }
    // Array literals built here are much cheaper than pg's per-element regex escaping (JSON text is
    // full of quotes); a column with a value that needs pg's escaping is left to pg.
    const parameters = columns.map(
      (values) => arrayLiteral(values as Array<string | number | null>) ?? values,
    );
    for (let attempt = 1; ; attempt++) {
      const client = await this.#pool.connect();
      try {
        await client.query('BEGIN');
        const inserted = await client.query<{ trace_id: string; span_id: string }>(INSERT_SPANS, parameters);
        const isNew = new Set(inserted.rows.map((row) => `${row.trace_id}:${row.span_id}`));
        const traces = aggregateByTrace(rows.filter((row) => isNew.has(`${row.traceId}:${row.spanId}`)));
        if (traces.length > 0) {
          await client.query(UPSERT_TRACES, [
            traces.map((trace) => trace.traceId),
            traces.map((trace) => trace.startNs.toString()),
            traces.map((trace) => trace.endNs.toString()),
            traces.map((trace) => trace.spanCount),
            traces.map((trace) => trace.services),
          ]);
        }
        await client.query('COMMIT');
        return inserted.rowCount ?? 0;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        const code = (error as { code?: string }).code;
        if (attempt >= 8 || code === undefined || !RETRYABLE_CODES.has(code)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20));
      } finally {
        client.release();
      }
    }
  }

  async listTraces(query: TraceListQuery): Promise<TraceListPage> {
    const conditions: string[] = [];
    const parameters: unknown[] = [];
    const parameter = (value: unknown): string => {
      parameters.push(value);
      return `$${parameters.length}`;
    };
    if (query.from !== undefined) conditions.push(`start_ns >= ${parameter(msToNs(query.from).toString())}`);
    if (query.to !== undefined) conditions.push(`start_ns <= ${parameter(msToNs(query.to).toString())}`);
    if (query.service !== undefined)
      conditions.push(`strpos(services, ${parameter(`,${query.service},`)}) > 0`);
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (cursor !== undefined) {
      conditions.push(
        `(start_ns, trace_id) < (${parameter(cursor.startNs.toString())}, ${parameter(cursor.traceId)})`,
      );
    }
    const result = await this.#pool.query<{
      trace_id: string;
      start_ns: string;
      end_ns: string;
      span_count: string;
      services: string;
    }>(
      `SELECT trace_id, start_ns, end_ns, span_count, services FROM traces
       ${conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`}
       ORDER BY start_ns DESC, trace_id DESC LIMIT ${parameter(query.limit + 1)}`,
      parameters,
    );
    const page = result.rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      traces: page.map((row) => {
        const start = BigInt(row.start_ns);
        return {
          traceId: row.trace_id,
          services: splitServices(row.services),
          spanCount: Number(row.span_count),
          start: nsToMs(start),
          durationMs: nsToMs(BigInt(row.end_ns) - start),
        };
      }),
      cursors: page.map((row) => encodeCursor(BigInt(row.start_ns), row.trace_id)),
      next:
        result.rows.length > query.limit && last !== undefined
          ? encodeCursor(BigInt(last.start_ns), last.trace_id)
          : undefined,
    };
  }

  async traceSpans(traceId: string): Promise<SpanRecord[]> {
    const result = await this.#pool.query<StoredRow>(
      'SELECT * FROM spans WHERE trace_id = $1 ORDER BY start_ns',
      [traceId],
    );
    const cache = new Map<string, Attributes>();
    return result.rows.map((row) => rowToSpan(row, cache));
  }

  async windowSpans(fromMs: number, toMs: number, limit: number): Promise<SpanRecord[]> {
    const result = await this.#pool.query<StoredRow>(
      'SELECT * FROM spans WHERE start_ns >= $1 AND start_ns <= $2 ORDER BY start_ns LIMIT $3',
      [msToNs(fromMs).toString(), msToNs(toMs).toString(), limit],
    );
    const cache = new Map<string, Attributes>();
    return result.rows.map((row) => rowToSpan(row, cache));
  }

  async countSpans(): Promise<number> {
    const result = await this.#pool.query<{ count: string }>('SELECT count(*) AS count FROM spans');
    return Number(result.rows[0]?.count ?? 0);
  }

  async deleteEndedBefore(cutoffMs: number): Promise<number> {
    const cutoff = msToNs(cutoffMs).toString();
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const deleted = await client.query(
        'DELETE FROM spans WHERE trace_id IN (SELECT trace_id FROM traces WHERE end_ns < $1)',
        [cutoff],
      );
      await client.query('DELETE FROM traces WHERE end_ns < $1', [cutoff]);
      await client.query('COMMIT');
      return deleted.rowCount ?? 0;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
