import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Attributes, SpanRecord } from '@tickline/otlp';
import Database from 'better-sqlite3';
import {
  aggregateByTrace,
  decodeCursor,
  encodeCursor,
  mergeServices,
  msToNs,
  nsToMs,
  RESOURCE_COLUMN,
  rowToSpan,
  SCOPE_COLUMN,
  type SpanRow,
  spanRowValues,
  spansToPackedRows,
  spansToRows,
  splitServices,
} from './rows.js';
import { SqliteWriter } from './sqlite-writer.js';
import type { SpanStore, TraceListPage, TraceListQuery } from './types.js';

/** Options of {@link SqliteSpanStore.open}. */
export interface SqliteStoreOptions {
  /**
   * SQLite `synchronous` level in WAL mode. `normal` (default) survives a process crash (kill -9) but can
   * lose the last transactions on power loss or an OS crash; `full` fsyncs every commit and survives those too.
   */
  synchronous?: 'normal' | 'full';
  /**
   * Run inserts on a worker thread holding the write connection, so decoding and inserting use two
   * cores. Default true (false for `:memory:`, which a second connection cannot share).
   */
  writerThread?: boolean;
}

/**
 * The schema. Resource and scope JSON repeat across thousands of spans: each distinct document is stored
 * once in `resources` / `scopes` and spans refer to it by id (smaller rows: faster inserts, smaller files).
 * Documents are never deleted, so an id once read stays valid for every connection.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS spans (
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  parent_span_id TEXT,
  name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  start_ns INTEGER NOT NULL,
  end_ns INTEGER NOT NULL,
  service TEXT,
  node TEXT,
  domain TEXT,
  attributes TEXT NOT NULL,
  resource_id INTEGER NOT NULL,
  scope_id INTEGER,
  status_code INTEGER,
  status_message TEXT,
  UNIQUE (trace_id, span_id)
);
CREATE INDEX IF NOT EXISTS spans_by_start ON spans (start_ns);
CREATE TABLE IF NOT EXISTS resources (id INTEGER PRIMARY KEY, json TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS scopes (id INTEGER PRIMARY KEY, json TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS traces (
  trace_id TEXT PRIMARY KEY,
  start_ns INTEGER NOT NULL,
  end_ns INTEGER NOT NULL,
  span_count INTEGER NOT NULL,
  services TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS traces_by_start ON traces (start_ns, trace_id);
`;

/**
 * Files written before resources and scopes moved to their own tables keep the JSON in every span row:
 * move it (one transaction, on open).
 */
const MIGRATE_INLINE_DOCUMENTS = `
CREATE TABLE IF NOT EXISTS resources (id INTEGER PRIMARY KEY, json TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS scopes (id INTEGER PRIMARY KEY, json TEXT NOT NULL UNIQUE);
INSERT OR IGNORE INTO resources (json) SELECT DISTINCT resource FROM spans;
INSERT OR IGNORE INTO scopes (json) SELECT DISTINCT scope FROM spans WHERE scope IS NOT NULL;
ALTER TABLE spans ADD COLUMN resource_id INTEGER;
ALTER TABLE spans ADD COLUMN scope_id INTEGER;
UPDATE spans SET
  resource_id = (SELECT id FROM resources WHERE json = spans.resource),
  scope_id = (SELECT id FROM scopes WHERE json = spans.scope);
ALTER TABLE spans DROP COLUMN resource;
ALTER TABLE spans DROP COLUMN scope;
`;

/** Span columns with their resource and scope documents, as {@link rowToSpan} reads them. */
const SELECT_SPANS = `SELECT spans.*, resources.json AS resource, scopes.json AS scope FROM spans
JOIN resources ON resources.id = spans.resource_id LEFT JOIN scopes ON scopes.id = spans.scope_id`;

const INSERT_INTO_SPANS = `INSERT OR IGNORE INTO spans (trace_id, span_id, parent_span_id, name, kind, start_ns, end_ns, service, node, domain, attributes, resource_id, scope_id, status_code, status_message)
VALUES `;
const ROW_PLACEHOLDERS = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
const INSERT_SPAN = INSERT_INTO_SPANS + ROW_PLACEHOLDERS;
/** Rows per multi-row INSERT on the writer thread (300 parameters; SQLite allows 32,766). */
const CHUNK_ROWS = 20;
const INSERT_SPAN_CHUNK = INSERT_INTO_SPANS + new Array(CHUNK_ROWS).fill(ROW_PLACEHOLDERS).join(', ');

/** Statements that find (adding when new) the id of a resource or scope document. */
const DOCUMENT_SQL = {
  insertResource: 'INSERT OR IGNORE INTO resources (json) VALUES (?)',
  selectResource: 'SELECT id FROM resources WHERE json = ?',
  insertScope: 'INSERT OR IGNORE INTO scopes (json) VALUES (?)',
  selectScope: 'SELECT id FROM scopes WHERE json = ?',
};

type StoredRow = Parameters<typeof rowToSpan>[0];

/** Ids of resource or scope documents on one connection, cached by JSON (documents are never deleted). */
class DocumentIds {
  readonly #insert: Database.Statement;
  readonly #select: Database.Statement;
  readonly #cache = new Map<string, number>();

  constructor(database: Database.Database, insertSql: string, selectSql: string) {
    this.#insert = database.prepare(insertSql);
    this.#select = database.prepare(selectSql).pluck();
  }

  /** The document's id, adding it when new (inside the caller's transaction). */
  id(json: string): number {
    let id = this.#cache.get(json);
    if (id === undefined) {
      this.#insert.run(json);
      id = this.#select.get(json) as number;
      if (this.#cache.size >= 10_000) this.#cache.clear();
      this.#cache.set(json, id);
    }
    return id;
  }

  clear(): void {
    this.#cache.clear();
  }
}

const UPSERT_TRACE = `INSERT INTO traces (trace_id, start_ns, end_ns, span_count, services) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (trace_id) DO UPDATE SET
  start_ns = min(start_ns, excluded.start_ns),
  end_ns = max(end_ns, excluded.end_ns),
  span_count = span_count + excluded.span_count,
  services = CASE WHEN services = excluded.services THEN services ELSE tickline_merge_services(services, excluded.services) END`;

/**
 * The zero-setup store: one SQLite file in WAL mode (better-sqlite3). Spans are a rowid table with a
 * UNIQUE (trace_id, span_id) index (idempotent `INSERT OR IGNORE`) and an index on start time; a
 * `traces` table keeps per-trace summaries for the traces list. Inserts run on a writer thread (see
 * {@link SqliteStoreOptions.writerThread}), reads on the calling thread; one process writes the file.
 */
export class SqliteSpanStore implements SpanStore {
  readonly description: string;
  /**
   * Two batches in flight: while the writer thread commits one, the next is already converted and
   * queued on it (it joins the following transaction), so the writer does not wait for the main thread.
   */
  readonly maxConcurrentWrites = 2;
  readonly #database: Database.Database;
  readonly #insertSpan: Database.Statement;
  readonly #upsertTrace: Database.Statement;
  readonly #traceSpans: Database.Statement;
  readonly #windowSpans: Database.Statement;
  readonly #insertTransaction: (rows: SpanRow[]) => number;
  readonly #resourceIds: DocumentIds;
  readonly #scopeIds: DocumentIds;
  readonly #writer: SqliteWriter | undefined;

  private constructor(database: Database.Database, description: string, writer: SqliteWriter | undefined) {
    this.#database = database;
    this.description = description;
    this.#writer = writer;
    this.#insertSpan = database.prepare(INSERT_SPAN);
    this.#upsertTrace = database.prepare(UPSERT_TRACE);
    this.#traceSpans = database
      .prepare(`${SELECT_SPANS} WHERE spans.trace_id = ? ORDER BY spans.start_ns`)
      .safeIntegers(true);
    this.#windowSpans = database
      .prepare(
        `${SELECT_SPANS} WHERE spans.start_ns >= ? AND spans.start_ns <= ? ORDER BY spans.start_ns LIMIT ?`,
      )
      .safeIntegers(true);
    this.#resourceIds = new DocumentIds(database, DOCUMENT_SQL.insertResource, DOCUMENT_SQL.selectResource);
    this.#scopeIds = new DocumentIds(database, DOCUMENT_SQL.insertScope, DOCUMENT_SQL.selectScope);
    this.#insertTransaction = database.transaction((rows: SpanRow[]) => {
      const inserted: SpanRow[] = [];
      for (const row of rows) {
        const values = spanRowValues(row);
        values[RESOURCE_COLUMN] = this.#resourceIds.id(row.resource);
        values[SCOPE_COLUMN] = row.scope === null ? null : this.#scopeIds.id(row.scope);
        const result = this.#insertSpan.run(...values);
        if (result.changes > 0) inserted.push(row);
      }
      for (const trace of aggregateByTrace(inserted)) {
        this.#upsertTrace.run(trace.traceId, trace.startNs, trace.endNs, trace.spanCount, trace.services);
      }
      return inserted.length;
    });
  }

  /** Opens (creating when needed, with its directory) the SQLite file at `path`. */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteSpanStore {
    const absolutePath = path === ':memory:' ? path : resolve(path);
    if (absolutePath !== ':memory:') mkdirSync(dirname(absolutePath), { recursive: true });
    const database = new Database(absolutePath);
    try {
      // 16 KiB pages for a new file (no effect on an existing one): ~600-byte span rows and the
      // random-order unique index cost fewer page writes and splits than with 4 KiB pages.
      database.pragma('page_size = 16384');
      database.pragma('journal_mode = WAL');
      database.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      database.pragma('busy_timeout = 10000');
      // Random trace ids land all over the unique index: keep more of it in memory (64 MiB).
      database.pragma('cache_size = -65536');
      database.function('tickline_merge_services', { deterministic: true }, (existing, added) =>
        mergeServices(String(existing), String(added)),
      );
      const columns = database.prepare("SELECT name FROM pragma_table_info('spans')").pluck().all();
      if (columns.includes('resource')) database.transaction(() => database.exec(MIGRATE_INLINE_DOCUMENTS))();
      database.exec(SCHEMA);
    } catch (error) {
      database.close();
      throw error;
    }
    const writer =
      options.writerThread === false || absolutePath === ':memory:'
        ? undefined
        : new SqliteWriter(
            absolutePath,
            options.synchronous === 'full' ? 'FULL' : 'NORMAL',
            INSERT_SPAN,
            INSERT_SPAN_CHUNK,
            CHUNK_ROWS,
            UPSERT_TRACE,
            DOCUMENT_SQL,
          );
    return new SqliteSpanStore(database, `sqlite:${absolutePath}`, writer);
  }

  async insertSpans(spans: SpanRecord[]): Promise<number> {
    if (spans.length === 0) return 0;
    // A failed writer thread rejects the batches it held (clients retry; inserts are idempotent);
    // later batches are written on this thread.
    if (this.#writer === undefined || this.#writer.failed) {
      try {
        return this.#insertTransaction(spansToRows(spans));
      } catch (error) {
        // Ids cached inside the rolled-back transaction may not exist.
        this.#resourceIds.clear();
        this.#scopeIds.clear();
        throw error;
      }
    }
    return this.#writer.write(spansToPackedRows(spans));
  }

  async listTraces(query: TraceListQuery): Promise<TraceListPage> {
    const conditions: string[] = [];
    const parameters: unknown[] = [];
    if (query.from !== undefined) {
      conditions.push('start_ns >= ?');
      parameters.push(msToNs(query.from));
    }
    if (query.to !== undefined) {
      conditions.push('start_ns <= ?');
      parameters.push(msToNs(query.to));
    }
    if (query.service !== undefined) {
      conditions.push('instr(services, ?) > 0');
      parameters.push(`,${query.service},`);
    }
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (cursor !== undefined) {
      conditions.push('(start_ns < ? OR (start_ns = ? AND trace_id < ?))');
      parameters.push(cursor.startNs, cursor.startNs, cursor.traceId);
    }
    const rows = this.#database
      .prepare(
        `SELECT trace_id, start_ns, end_ns, span_count, services FROM traces
         ${conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`}
         ORDER BY start_ns DESC, trace_id DESC LIMIT ?`,
      )
      .safeIntegers(true)
      .all(...parameters, query.limit + 1) as {
      trace_id: string;
      start_ns: bigint;
      end_ns: bigint;
      span_count: bigint;
      services: string;
    }[];
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      traces: page.map((row) => ({
        traceId: row.trace_id,
        services: splitServices(row.services),
        spanCount: Number(row.span_count),
        start: nsToMs(row.start_ns),
        durationMs: nsToMs(row.end_ns - row.start_ns),
      })),
      cursors: page.map((row) => encodeCursor(row.start_ns, row.trace_id)),
      next:
        rows.length > query.limit && last !== undefined
          ? encodeCursor(last.start_ns, last.trace_id)
          : undefined,
    };
  }

  async traceSpans(traceId: string): Promise<SpanRecord[]> {
    const cache = new Map<string, Attributes>();
    return (this.#traceSpans.all(traceId) as StoredRow[]).map((row) => rowToSpan(row, cache));
  }

  async windowSpans(fromMs: number, toMs: number, limit: number): Promise<SpanRecord[]> {
    const cache = new Map<string, Attributes>();
    return (this.#windowSpans.all(msToNs(fromMs), msToNs(toMs), limit) as StoredRow[]).map((row) =>
      rowToSpan(row, cache),
    );
  }

  async countSpans(): Promise<number> {
    return (this.#database.prepare('SELECT count(*) AS count FROM spans').get() as { count: number }).count;
  }

  async deleteEndedBefore(cutoffMs: number): Promise<number> {
    const cutoff = msToNs(cutoffMs);
    return this.#database.transaction(() => {
      const deleted = this.#database
        .prepare('DELETE FROM spans WHERE trace_id IN (SELECT trace_id FROM traces WHERE end_ns < ?)')
        .run(cutoff).changes;
      this.#database.prepare('DELETE FROM traces WHERE end_ns < ?').run(cutoff);
      return deleted;
    })();
  }

  async close(): Promise<void> {
    await this.#writer?.close();
    if (this.#database.open) this.#database.close();
  }
}
