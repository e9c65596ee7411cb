import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeOtlpProtobufRequest, type SpanRecord } from '@tickline/otlp';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresServer, startPostgres } from './__tests__/postgres.js';
import { type CollectorProcess, startCollectorProcess, stopCollectorProcess } from './__tests__/process.js';
import { makeTrace } from './__tests__/spans.js';
import { PostgresSpanStore } from './store/postgres.js';

let directory = '';
let postgres: PostgresServer | undefined;
const running: CollectorProcess[] = [];

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tickline-process-'));
  postgres = await startPostgres();
}, 180_000);

afterAll(async () => {
  for (const collector of running) {
    if (collector.child.exitCode === null && collector.child.signalCode === null)
      collector.child.kill('SIGKILL');
  }
  await postgres?.stop();
  await rm(directory, { recursive: true, force: true });
}, 120_000);

async function start(args: string[], nodeFlags: string[] = []): Promise<CollectorProcess> {
  const collector = await startCollectorProcess(args, { nodeFlags });
  running.push(collector);
  return collector;
}

async function post(url: string, spans: SpanRecord[]): Promise<number> {
  const response = await fetch(`${url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: encodeOtlpProtobufRequest(spans),
  });
  await response.arrayBuffer();
  return response.status;
}

const key = (span: SpanRecord) => `${span.traceId}:${span.spanId}`;

describe('the collector process', () => {
  it('runs the SQLite writer thread when node has V8 flags that workers refuse', async () => {
    const database = join(directory, 'flags.db');
    const collector = await start(['--store', `sqlite:${database}`], ['--max-old-space-size=512']);
    const trace = makeTrace(30, 1_763_780_000_000);
    expect(await post(collector.url, trace)).toBe(200);
    expect((await stopCollectorProcess(collector)).code).toBe(0);
    const sqlite = new Database(database, { readonly: true });
    try {
      expect((sqlite.prepare('SELECT count(*) AS count FROM spans').get() as { count: number }).count).toBe(
        30,
      );
    } finally {
      sqlite.close();
    }
  }, 120_000);

  it('keeps every acknowledged span across kill -9, none twice', async () => {
    const database = join(directory, 'crash.db');
    const first = await start(['--store', `sqlite:${database}`]);
    const batches = Array.from({ length: 400 }, (_, index) =>
      makeTrace(100, 1_763_780_000_000 + index * 1000),
    );
    const acknowledged: SpanRecord[][] = [];
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (next < batches.length) {
        const batch = batches[next++] as SpanRecord[];
        try {
          if ((await post(first.url, batch)) === 200) acknowledged.push(batch);
        } catch {
          return; // connection refused or reset: the collector is gone
        }
        if (!killed && acknowledged.length >= 30) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    expect(killed).toBe(true);
    expect((await first.exited).signal).toBe('SIGKILL');
    expect(acknowledged.length).toBeGreaterThanOrEqual(30);

    const second = await start(['--store', `sqlite:${database}`]);
    // Retried batches (the exporter's behaviour after a failure) must not duplicate.
    for (const batch of acknowledged.slice(0, 5)) expect(await post(second.url, batch)).toBe(200);
    const stopped = await stopCollectorProcess(second);
    expect(stopped.code).toBe(0);
    expect(second.output()).toMatch(/stopped/);

    const sqlite = new Database(database, { readonly: true });
    try {
      const stored = new Set(
        (
          sqlite.prepare('SELECT trace_id, span_id FROM spans').all() as {
            trace_id: string;
            span_id: string;
          }[]
        ).map((row) => `${row.trace_id}:${row.span_id}`),
      );
      const total = (sqlite.prepare('SELECT count(*) AS count FROM spans').get() as { count: number }).count;
      expect(total).toBe(stored.size);
      const missing = acknowledged.flat().filter((span) => !stored.has(key(span)));
      expect(missing).toEqual([]);
      const summed = (
        sqlite.prepare('SELECT sum(span_count) AS count FROM traces').get() as { count: number }
      ).count;
      expect(summed).toBe(total);
    } finally {
      sqlite.close();
    }
  }, 180_000);

  it('runs as two processes sharing one PostgreSQL store', async () => {
    if (postgres === undefined) throw new Error('PostgreSQL did not start');
    const url = await postgres.createDatabase('shared');
    const [a, b] = await Promise.all([start(['--store', url]), start(['--store', url])]);
    if (a === undefined || b === undefined) throw new Error('collectors did not start');
    const batches = Array.from({ length: 30 }, (_, index) => makeTrace(50, 1_763_780_000_000 + index * 1000));
    // Every batch goes to both collectors at once: a retry landing on the other replica.
    const statuses = await Promise.all(batches.flatMap((batch) => [post(a.url, batch), post(b.url, batch)]));
    expect(statuses.every((status) => status === 200)).toBe(true);
    const store = await PostgresSpanStore.open(url);
    try {
      expect(await store.countSpans()).toBe(30 * 50);
      const page = await store.listTraces({ limit: 100 });
      expect(page.traces).toHaveLength(30);
      expect(page.traces.every((trace) => trace.spanCount === 50)).toBe(true);
    } finally {
      await store.close();
    }
    const listed = (await (await fetch(`${b.url}/api/traces?limit=5`)).json()) as {
      traces: { traceId: string }[];
    };
    expect(listed.traces[0]?.traceId).toBe(batches[29]?.[0]?.traceId);
    expect((await stopCollectorProcess(a, 'SIGINT')).code).toBe(0);
    expect((await stopCollectorProcess(b)).code).toBe(0);
  }, 180_000);

  it('exits 2 with a message for a bad store URL or option, 0 for --help', async () => {
    await expect(start(['--store', 'mysql://nope'])).rejects.toThrow(/unsupported store 'mysql:\/\/nope'/);
    await expect(start(['--port', 'x'])).rejects.toThrow(/exited \(2\)[\s\S]*--port must be/);
    await expect(start(['--help'])).rejects.toThrow(/exited \(0\)[\s\S]*usage: tickline collector/);
  }, 60_000);
});
