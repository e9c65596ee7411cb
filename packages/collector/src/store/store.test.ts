import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpanRecord } from '@tickline/otlp';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresServer, startPostgres } from '../__tests__/postgres.js';
import { makeSpan, makeTrace } from '../__tests__/spans.js';
import { openStore } from './open.js';
import { PostgresSpanStore } from './postgres.js';
import { SqliteSpanStore } from './sqlite.js';
import type { SpanStore } from './types.js';

let postgres: PostgresServer | undefined;
let directory = '';
let databaseCounter = 0;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tickline-store-'));
  postgres = await startPostgres();
}, 180_000);

afterAll(async () => {
  await postgres?.stop();
  await rm(directory, { recursive: true, force: true });
}, 120_000);

const factories: [string, () => Promise<SpanStore>][] = [
  ['sqlite', async () => SqliteSpanStore.open(join(directory, `store-${++databaseCounter}.db`))],
  [
    'sqlite (no writer thread)',
    async () =>
      SqliteSpanStore.open(join(directory, `store-${++databaseCounter}.db`), { writerThread: false }),
  ],
  [
    'postgres',
    async () => {
      if (postgres === undefined) throw new Error('PostgreSQL did not start');
      return PostgresSpanStore.open(await postgres.createDatabase(`store_${++databaseCounter}`));
    },
  ],
];

function byId(spans: SpanRecord[]): SpanRecord[] {
  return [...spans].sort((a, b) => (a.spanId < b.spanId ? -1 : 1));
}

describe.each(factories)('%s store', (_name, open) => {
  it('stores spans and reads a trace back unchanged', async () => {
    const store = await open();
    try {
      const trace = makeTrace(5, 1_763_780_000_000);
      const other = makeTrace(2, 1_763_780_001_000, 'billing');
      const withStatus = {
        ...(trace[1] as SpanRecord),
        status: { code: 2, message: 'boom' },
        attributes: { nested: { a: [1, 'x', null] } },
      };
      trace[1] = withStatus;
      const huge = {
        ...(trace[2] as SpanRecord),
        startTimeUnixNano: 2n ** 64n - 5n,
        endTimeUnixNano: 2n ** 64n - 1n,
      };
      trace[2] = huge;
      expect(await store.insertSpans([...trace, ...other])).toBe(7);
      expect(byId(await store.traceSpans(trace[0]?.traceId as string))).toEqual(byId(trace));
      expect(await store.countSpans()).toBe(7);
    } finally {
      await store.close();
    }
  });

  it('keeps quotes, backslashes, braces, control characters and emoji in every text column', async () => {
    const store = await open();
    try {
      const tricky = 'quote " backslash \\ {brace}, comma 😀 NULL';
      const trace = makeTrace(3, 1_763_780_000_000);
      trace[0] = {
        ...(trace[0] as SpanRecord),
        name: tricky,
        attributes: { text: tricky, NULL: 'NULL', empty: '' },
        status: { code: 2, message: tricky },
      };
      // A control character sends its column down the slower escaping path.
      trace[1] = {
        ...(trace[1] as SpanRecord),
        name: 'bell \u0007 newline \n tab \t',
        resource: { 'service.name': 'a"b' },
      };
      trace[2] = { ...(trace[2] as SpanRecord), name: 'NULL', scope: { name: '', version: '"' } };
      expect(await store.insertSpans(trace)).toBe(3);
      expect(byId(await store.traceSpans(trace[0]?.traceId as string))).toEqual(byId(trace));
    } finally {
      await store.close();
    }
  });

  it('is idempotent on (traceId, spanId): a retried batch never duplicates', async () => {
    const store = await open();
    try {
      const trace = makeTrace(10, 1_763_780_000_000);
      expect(await store.insertSpans(trace)).toBe(10);
      expect(await store.insertSpans(trace)).toBe(0);
      expect(
        await store.insertSpans([...trace.slice(0, 3), makeSpan({ traceId: trace[0]?.traceId as string })]),
      ).toBe(1);
      expect(await store.countSpans()).toBe(11);
      const page = await store.listTraces({ limit: 10 });
      expect(page.traces).toHaveLength(1);
      expect(page.traces[0]?.spanCount).toBe(11);
    } finally {
      await store.close();
    }
  });

  it('lists traces newest first with filters and a cursor', async () => {
    const store = await open();
    try {
      const base = 1_763_780_000_000;
      const traces = Array.from({ length: 7 }, (_, index) =>
        makeTrace(3, base + index * 1000, index % 2 === 0 ? 'orders' : 'billing'),
      );
      await store.insertSpans(traces.flat());
      // A second service joins trace 0 later.
      await store.insertSpans([
        makeSpan({ traceId: traces[0]?.[0]?.traceId as string, startMs: base + 500, service: 'stock' }),
      ]);
      const first = await store.listTraces({ limit: 3 });
      expect(first.traces.map((trace) => trace.traceId)).toEqual(
        [6, 5, 4].map((index) => traces[index]?.[0]?.traceId),
      );
      expect(first.traces[0]).toEqual({
        traceId: traces[6]?.[0]?.traceId,
        services: ['orders'],
        spanCount: 3,
        start: base + 6000,
        durationMs: 4,
      });
      const second = await store.listTraces({ limit: 3, cursor: first.next as string });
      expect(second.traces.map((trace) => trace.traceId)).toEqual(
        [3, 2, 1].map((index) => traces[index]?.[0]?.traceId),
      );
      const third = await store.listTraces({ limit: 3, cursor: second.next as string });
      expect(third.traces.map((trace) => trace.traceId)).toEqual([traces[0]?.[0]?.traceId]);
      expect(third.traces[0]?.services).toEqual(['orders', 'stock']);
      expect(third.traces[0]?.spanCount).toBe(4);
      expect(third.next).toBeUndefined();
      const billing = await store.listTraces({ limit: 10, service: 'billing' });
      expect(billing.traces.map((trace) => trace.traceId)).toEqual(
        [5, 3, 1].map((index) => traces[index]?.[0]?.traceId),
      );
      const stock = await store.listTraces({ limit: 10, service: 'stock' });
      expect(stock.traces).toHaveLength(1);
      const window = await store.listTraces({ limit: 10, from: base + 2000, to: base + 4000 });
      expect(window.traces.map((trace) => trace.traceId)).toEqual(
        [4, 3, 2].map((index) => traces[index]?.[0]?.traceId),
      );
    } finally {
      await store.close();
    }
  });

  it('reads the spans of a time window and deletes old traces', async () => {
    const store = await open();
    try {
      const base = 1_763_780_000_000;
      const old = makeTrace(4, base);
      const recent = makeTrace(4, base + 60_000);
      await store.insertSpans([...old, ...recent]);
      expect(
        (await store.windowSpans(base + 59_000, base + 70_000, 100)).map((span) => span.spanId).sort(),
      ).toEqual(recent.map((span) => span.spanId).sort());
      expect(await store.windowSpans(base, base + 70_000, 3)).toHaveLength(3);
      expect(await store.deleteEndedBefore(base + 30_000)).toBe(4);
      expect(await store.countSpans()).toBe(4);
      expect((await store.listTraces({ limit: 10 })).traces.map((trace) => trace.traceId)).toEqual([
        recent[0]?.traceId,
      ]);
    } finally {
      await store.close();
    }
  });

  it('keeps inserts correct when several writers race on the same traces', async () => {
    const stores = [await open()];
    // For PostgreSQL the second handle is a separate pool on the same database, like a second collector process.
    const description = stores[0]?.description as string;
    if (description.startsWith('postgres'))
      stores.push(await openStore(`postgres://tickline@${description.split('@')[1]}`));
    try {
      const traces = Array.from({ length: 20 }, (_, index) => makeTrace(20, 1_763_780_000_000 + index));
      const spans = traces.flat();
      const batches = Array.from({ length: 8 }, (_, index) =>
        spans.filter((_, spanIndex) => spanIndex % 8 !== index),
      );
      const inserted = await Promise.all(
        batches.map((batch, index) => (stores[index % stores.length] as SpanStore).insertSpans(batch)),
      );
      expect(inserted.reduce((sum, count) => sum + count, 0)).toBe(spans.length);
      expect(await stores[0]?.countSpans()).toBe(spans.length);
      const page = await stores[0]?.listTraces({ limit: 100 });
      expect(page?.traces.map((trace) => trace.spanCount)).toEqual(new Array(20).fill(20));
    } finally {
      for (const store of stores) await store.close();
    }
  });
});

describe('openStore', () => {
  it('rejects unknown store URLs with a hint', async () => {
    await expect(openStore('mysql://x')).rejects.toThrow(
      /@tickline\/collector: unsupported store 'mysql:\/\/x'. Use sqlite:PATH/,
    );
    await expect(openStore('sqlite:x.db?synchronous=maybe')).rejects.toThrow(/unsupported store/);
  });

  it('says which store could not be opened', async () => {
    await expect(openStore('postgres://tickline:secret@127.0.0.1:1/none')).rejects.toThrow(
      /@tickline\/collector: cannot open store postgres:\/\/tickline@127\.0\.0\.1:1\/none: .*Check the path or URL/,
    );
    const notADirectory = join(directory, 'not-a-directory');
    await writeFile(notADirectory, '');
    await expect(openStore(`sqlite:${notADirectory}/x.db`)).rejects.toThrow(
      /cannot open store sqlite:.*not-a-directory/,
    );
  });

  it('opens sqlite with synchronous=full', async () => {
    const store = await openStore(`sqlite:${join(directory, 'nested', 'dir', 'full.db')}?synchronous=full`);
    await store.insertSpans([makeSpan()]);
    expect(await store.countSpans()).toBe(1);
    await store.close();
  });

  it('stores the same columns and trace summaries with and without the writer thread', async () => {
    const shared = { 'service.name': 'orders', 'host.name': 'orders-1' };
    const spans = [
      ...makeTrace(3, 1_763_780_000_000),
      makeSpan({ resource: shared, status: { code: 1 } }),
      makeSpan({ resource: shared, scope: undefined, attributes: { other: 'x' } }),
      makeSpan({
        resource: {},
        name: 'no service',
        startTimeUnixNano: 2n ** 64n - 9n,
        endTimeUnixNano: 2n ** 64n - 1n,
      }),
    ];
    const tables: unknown[] = [];
    for (const writerThread of [true, false]) {
      const path = join(directory, `columns-${writerThread}.db`);
      const store = SqliteSpanStore.open(path, { writerThread });
      expect(await store.insertSpans(spans)).toBe(spans.length);
      expect(await store.insertSpans(spans.slice(0, 2))).toBe(0);
      await store.close();
      const database = new Database(path, { readonly: true });
      database.defaultSafeIntegers(true);
      tables.push({
        spans: database
          .prepare(
            `SELECT spans.*, resources.json AS resource, scopes.json AS scope FROM spans
             JOIN resources ON resources.id = spans.resource_id LEFT JOIN scopes ON scopes.id = spans.scope_id
             ORDER BY span_id`,
          )
          .all(),
        documents: database.prepare('SELECT count(*) AS count FROM resources').get(),
        traces: database.prepare('SELECT * FROM traces ORDER BY trace_id').all(),
      });
      database.close();
    }
    expect(tables[0]).toEqual(tables[1]);
    const first = (tables[0] as { spans: Record<string, unknown>[] }).spans.find(
      (row) => row.name === 'no service',
    );
    expect(first).toMatchObject({
      service: null,
      node: 'orders/00000001',
      domain: 'orders/00000001',
      resource: '{}',
      end_ns: -1n,
    });
    // Each distinct resource is stored once: the makeTrace resource, `shared` and `{}`.
    expect((tables[0] as { documents: { count: bigint } }).documents.count).toBe(3n);
  });

  it('counts only new spans in large batches that repeat stored spans and themselves', async () => {
    // Batches over 20 spans go in multi-row INSERTs on the writer thread: the count and the trace
    // summaries must still see exactly the new rows.
    const first = [...makeTrace(30, 1_763_780_000_000), ...makeTrace(17, 1_763_780_000_100, 'billing')];
    const later = makeTrace(25, 1_763_780_000_200, 'stock');
    const mixed = [
      ...later.slice(0, 10),
      ...first.slice(5, 15),
      ...later.slice(10),
      later[3] as SpanRecord,
      first[0] as SpanRecord,
      ...first.slice(40),
    ];
    const results: unknown[] = [];
    for (const writerThread of [true, false]) {
      const path = join(directory, `chunks-${writerThread}.db`);
      const store = SqliteSpanStore.open(path, { writerThread });
      expect(await store.insertSpans(first)).toBe(first.length);
      expect(await store.insertSpans(mixed)).toBe(later.length);
      expect(await store.insertSpans([...later, ...first])).toBe(0);
      expect(await store.countSpans()).toBe(first.length + later.length);
      await store.close();
      const database = new Database(path, { readonly: true });
      results.push(database.prepare('SELECT * FROM traces ORDER BY trace_id').all());
      database.close();
    }
    expect(results[0]).toEqual(results[1]);
    expect((results[0] as { span_count: number }[]).map((trace) => trace.span_count).sort()).toEqual([
      17, 25, 30,
    ]);
  });

  it('moves resource and scope JSON out of span rows in files from before the resources table', async () => {
    const path = join(directory, 'inline-documents.db');
    const old = new Database(path);
    old.exec(`CREATE TABLE spans (trace_id TEXT NOT NULL, span_id TEXT NOT NULL, parent_span_id TEXT,
      name TEXT NOT NULL, kind INTEGER NOT NULL, start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL,
      service TEXT, node TEXT, domain TEXT, attributes TEXT NOT NULL, resource TEXT NOT NULL, scope TEXT,
      status_code INTEGER, status_message TEXT, UNIQUE (trace_id, span_id));
      CREATE INDEX spans_by_start ON spans (start_ns);
      CREATE TABLE traces (trace_id TEXT PRIMARY KEY, start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL,
      span_count INTEGER NOT NULL, services TEXT NOT NULL);`);
    const [first, second] = makeTrace(2, 1_763_780_000_000);
    const insert = old.prepare('INSERT INTO spans VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    for (const span of [first, { ...(second as SpanRecord), scope: undefined }] as SpanRecord[]) {
      insert.run(
        span.traceId,
        span.spanId,
        span.parentSpanId ?? null,
        span.name,
        span.kind,
        span.startTimeUnixNano,
        span.endTimeUnixNano,
        'orders',
        null,
        null,
        JSON.stringify(span.attributes),
        JSON.stringify(span.resource),
        span.scope === undefined ? null : JSON.stringify(span.scope),
        null,
        null,
      );
    }
    old.close();
    const store = SqliteSpanStore.open(path);
    try {
      const stored = await store.traceSpans(first?.traceId as string);
      expect(byId(stored)).toEqual(
        byId([first, { ...(second as SpanRecord), scope: undefined }] as SpanRecord[]),
      );
      const third = makeSpan({ traceId: first?.traceId as string, startMs: 1_763_780_000_500 });
      expect(await store.insertSpans([third])).toBe(1);
      expect(await store.traceSpans(first?.traceId as string)).toHaveLength(3);
    } finally {
      await store.close();
    }
  });
});
