import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import {
  PACKED_STRING_COLUMNS,
  type PackedRows,
  RESOURCE_COLUMN,
  SCOPE_COLUMN,
  SPAN_COLUMN_COUNT,
} from './rows.js';

/** Statements that add (insert…) and find (select…) a resource or scope document's id. */
export interface WriterDocumentSql {
  insertResource: string;
  selectResource: string;
  insertScope: string;
  selectScope: string;
}

/**
 * The writer thread's code, evaluated as a CommonJS worker (so it runs the same from TypeScript sources
 * under vitest and from dist). It owns the write connection: each message is one transaction.
 * Rows come as columns in the order of `insertSql` (see PackedRows), the resource and scope
 * columns turned from JSON into document ids; the traces summary counts only rows that were new.
 */
const WRITER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const database = new Database(workerData.path);
database.pragma('journal_mode = WAL');
database.pragma('synchronous = ' + workerData.synchronous);
database.pragma('busy_timeout = 10000');
database.pragma('cache_size = -65536');
// Checkpoint less often (64 MiB of WAL instead of 1,000 pages): pages rewritten between checkpoints
// are copied to the database once.
database.pragma('wal_autocheckpoint = ' + Math.ceil(67108864 / database.pragma('page_size', { simple: true })));
const joinServices = (names) => (names.size === 0 ? ',' : ',' + [...names].sort().join(',') + ',');
database.function('tickline_merge_services', { deterministic: true }, (existing, added) =>
  joinServices(new Set((String(existing) + String(added)).split(',').filter((name) => name !== ''))),
);
const insert = database.prepare(workerData.insertSql);
const upsert = database.prepare(workerData.upsertSql);
// Resource and scope documents are stored once; their ids are cached by JSON (documents are never
// deleted). A failed transaction clears the caches: ids added inside it were rolled back.
const documentTable = (insertSql, selectSql) => ({
  insert: database.prepare(insertSql),
  select: database.prepare(selectSql).pluck(),
  ids: new Map(),
});
const resources = documentTable(workerData.documentSql.insertResource, workerData.documentSql.selectResource);
const scopes = documentTable(workerData.documentSql.insertScope, workerData.documentSql.selectScope);
const documentId = (table, json) => {
  let id = table.ids.get(json);
  if (id === undefined) {
    table.insert.run(json);
    id = table.select.get(json);
    if (table.ids.size >= 10000) table.ids.clear();
    table.ids.set(json, id);
  }
  return id;
};
const RESOURCE = workerData.resourceColumn;
const SCOPE = workerData.scopeColumn;
const stringColumns = workerData.packedColumns.filter((column) => column !== RESOURCE && column !== SCOPE);
const COLUMN_COUNT = workerData.columnCount;
// Rows go in multi-row INSERTs of CHUNK_ROWS rows (one statement run per chunk instead of per row);
// a message's last few rows go one by one. The arrays are reused for every chunk.
const CHUNK_ROWS = workerData.chunkRows;
const insertChunk = database.prepare(workerData.insertChunkSql);
const chunk = new Array(CHUNK_ROWS * COLUMN_COUNT).fill(null);
const row = new Array(COLUMN_COUNT).fill(null);
// Rowids of new rows are above the largest rowid before the insert (SQLite assigns max(rowid) + 1),
// which tells a chunk's new rows from those that were already stored.
const maxRowid = database.prepare('SELECT coalesce(max(rowid), 0) FROM spans').pluck();
const isNewSince = database.prepare('SELECT rowid > ? FROM spans WHERE trace_id = ? AND span_id = ?').pluck();
/** Adds the row at values[offset] to the per-trace summaries (copying the values it keeps). */
const addToTrace = (traces, values, offset) => {
  const start = values[offset + 5];
  const end = values[offset + 6];
  let trace = traces.get(values[offset]);
  if (trace === undefined) {
    trace = { start, end, count: 0, services: new Set() };
    traces.set(values[offset], trace);
  }
  if (start < trace.start) trace.start = start;
  if (end > trace.end) trace.end = end;
  trace.count++;
  const service = values[offset + 7];
  if (service !== null) trace.services.add(service.includes(',') ? service.replaceAll(',', ' ') : service);
};
// Group commit: the messages that arrived together (a burst of concurrent requests) share one
// transaction, so each commit's WAL frames and the traces upserts are paid once per burst.
const write = database.transaction((messages) => {
  const traces = new Map();
  const counts = new Array(messages.length);
  for (let index = 0; index < messages.length; index++) {
    const { count, columns, strings } = messages[index];
    // Document ids by string-table index, for this message.
    const resourceIds = new Array(strings.length);
    const scopeIds = new Array(strings.length);
    /** Copies row rowIndex of the message into values[offset...], strings and document ids resolved. */
    const fill = (values, offset, rowIndex) => {
      for (let column = 0; column < COLUMN_COUNT; column++) values[offset + column] = columns[column][rowIndex];
      for (const column of stringColumns) {
        if (typeof values[offset + column] === 'number') values[offset + column] = strings[values[offset + column]];
      }
      const resource = values[offset + RESOURCE];
      values[offset + RESOURCE] =
        resourceIds[resource] ?? (resourceIds[resource] = documentId(resources, strings[resource]));
      const scope = values[offset + SCOPE];
      if (scope !== null)
        values[offset + SCOPE] = scopeIds[scope] ?? (scopeIds[scope] = documentId(scopes, strings[scope]));
    };
    let inserted = 0;
    let rowIndex = 0;
    for (; rowIndex + CHUNK_ROWS <= count; rowIndex += CHUNK_ROWS) {
      for (let offset = 0; offset < CHUNK_ROWS; offset++) fill(chunk, offset * COLUMN_COUNT, rowIndex + offset);
      const before = maxRowid.get();
      const changes = insertChunk.run(chunk).changes;
      if (changes === CHUNK_ROWS) {
        for (let offset = 0; offset < CHUNK_ROWS; offset++) addToTrace(traces, chunk, offset * COLUMN_COUNT);
        inserted += CHUNK_ROWS;
      } else if (changes > 0) {
        // Some rows were stored already (a retried batch) or repeat within the chunk: ask which are new.
        const seen = new Set();
        for (let offset = 0; offset < CHUNK_ROWS * COLUMN_COUNT; offset += COLUMN_COUNT) {
          const key = chunk[offset] + ':' + chunk[offset + 1];
          if (seen.has(key)) continue;
          seen.add(key);
          if (isNewSince.get(before, chunk[offset], chunk[offset + 1]) === 1) {
            addToTrace(traces, chunk, offset);
            inserted++;
          }
        }
      }
    }
    for (; rowIndex < count; rowIndex++) {
      fill(row, 0, rowIndex);
      if (insert.run(row).changes === 0) continue;
      addToTrace(traces, row, 0);
      inserted++;
    }
    counts[index] = inserted;
  }
  for (const traceId of [...traces.keys()].sort()) {
    const trace = traces.get(traceId);
    upsert.run(traceId, trace.start, trace.end, trace.count, joinServices(trace.services));
  }
  return counts;
});
let queue = [];
let closing = false;
const flush = () => {
  const messages = queue;
  queue = [];
  if (messages.length > 0) {
    try {
      const counts = write(messages);
      for (let index = 0; index < messages.length; index++) {
        parentPort.postMessage({ id: messages[index].id, inserted: counts[index] });
      }
    } catch (error) {
      resources.ids.clear();
      scopes.ids.clear();
      const text = String((error && error.message) || error);
      for (const message of messages) parentPort.postMessage({ id: message.id, error: text });
    }
  }
  if (closing) {
    database.close();
    parentPort.close();
  }
};
parentPort.on('message', (message) => {
  if (queue.length === 0 && !closing) setImmediate(flush);
  if (message.type === 'close') closing = true;
  else queue.push(message);
});
`;

interface Pending {
  resolve: (inserted: number) => void;
  reject: (error: Error) => void;
}

/**
 * A worker thread holding SQLite's write connection, so decoding (main thread) and inserting (writer)
 * use two cores. A write resolves after its transaction committed.
 */
export class SqliteWriter {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #failure: Error | undefined;
  readonly #exited: Promise<void>;

  constructor(
    path: string,
    synchronous: 'NORMAL' | 'FULL',
    insertSql: string,
    insertChunkSql: string,
    chunkRows: number,
    upsertSql: string,
    documentSql: WriterDocumentSql,
  ) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const workerData = {
      driver,
      path,
      synchronous,
      insertSql,
      insertChunkSql,
      chunkRows,
      upsertSql,
      documentSql,
      packedColumns: PACKED_STRING_COLUMNS,
      resourceColumn: RESOURCE_COLUMN,
      scopeColumn: SCOPE_COLUMN,
      columnCount: SPAN_COLUMN_COUNT,
    };
    // The source is CommonJS: drop `--input-type=module`, which a worker would inherit from `node -e`.
    const execArgv = process.execArgv.filter((flag) => !flag.startsWith('--input-type'));
    try {
      this.#worker = new Worker(WRITER_SOURCE, { eval: true, execArgv, workerData });
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
      // V8 and process-wide flags (`--max-old-space-size`, …) are refused in workers: start it without them.
      this.#worker = new Worker(WRITER_SOURCE, { eval: true, execArgv: [], workerData });
    }
    this.#worker.unref();
    this.#worker.on('message', (message: { id: number; inserted?: number; error?: string }) => {
      const pending = this.#pending.get(message.id);
      if (pending === undefined) return;
      this.#pending.delete(message.id);
      if (this.#pending.size === 0) this.#worker.unref();
      if (message.error !== undefined)
        pending.reject(new Error(`@tickline/collector: SQLite write failed: ${message.error}`));
      else pending.resolve(message.inserted ?? 0);
    });
    const fail = (error: Error) => {
      this.#failure ??= error;
      for (const pending of this.#pending.values()) pending.reject(error);
      this.#pending.clear();
    };
    this.#worker.on('error', (error) =>
      fail(new Error(`@tickline/collector: SQLite writer thread failed: ${error.message}`)),
    );
    this.#exited = new Promise((resolve) => {
      this.#worker.once('exit', () => {
        fail(new Error('@tickline/collector: SQLite writer thread exited; reopen the store'));
        resolve();
      });
    });
  }

  /** True once the thread failed or exited; the store then writes on its own thread. */
  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /** Inserts packed rows (see {@link spansToPackedRows}) in one transaction. */
  write(batch: PackedRows): Promise<number> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise<number>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.ref();
      this.#worker.postMessage({ id, count: batch.count, columns: batch.columns, strings: batch.strings });
    });
  }

  /** Lets pending writes finish, closes the connection and ends the thread. */
  async close(): Promise<void> {
    if (this.#failure === undefined) {
      this.#worker.ref();
      this.#worker.postMessage({ type: 'close' });
    }
    await this.#exited;
  }
}
