import { randomBytes, randomInt } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { SpanKind as OtelSpanKind, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import {
  decodeExportTraceServiceResponse,
  decodeRpcStatus,
  encodeOtlpJsonRequest,
  encodeOtlpProtobufRequest,
  type SpanRecord,
} from '@tickline/otlp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSpan, makeTrace, randomId } from './__tests__/spans.js';
import { buildApp } from './app.js';
import { createCollector } from './collector.js';
import { SqliteSpanStore } from './store/sqlite.js';
import type { SpanStore } from './store/types.js';

let directory = '';
let counter = 0;
const newStore = () => SqliteSpanStore.open(join(directory, `app-${++counter}.db`));

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tickline-app-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const JSON_HEADERS = { 'content-type': 'application/json' };

/** A client → server exchange whose receive is stamped 50 ms before its send (a backwards message). */
function skewedExchange(): SpanRecord[] {
  const traceId = randomId(16);
  const clientSpanId = randomId(8);
  const base = 1_763_780_000_000;
  const client = makeSpan({
    traceId,
    spanId: clientSpanId,
    kind: 3,
    service: 'web',
    startMs: base,
    durationMs: 20,
    attributes: {
      'lamport.node': 'web/1',
      'lamport.start': 1,
      'lamport.end': 5,
      'lamport.recv.node': 'api/1',
      'lamport.recv.clock': 4,
    },
  });
  const server = makeSpan({
    traceId,
    parentSpanId: clientSpanId,
    kind: 2,
    service: 'api',
    startMs: base - 50,
    durationMs: 5,
    attributes: {
      'lamport.node': 'api/1',
      'lamport.start': 3,
      'lamport.end': 4,
      'lamport.recv.node': 'web/1',
      'lamport.recv.clock': 1,
    },
  });
  return [client, server];
}

describe('POST /v1/traces', () => {
  it('accepts spans from the real OTLP protobuf and JSON exporters, gzip or not', async () => {
    const collector = await createCollector({ store: newStore(), port: 0, token: 'secret', viewerDir: null });
    const url = await collector.listen();
    try {
      const exporters: [string, SpanExporter][] = [
        [
          'proto',
          new ProtobufExporter({ url: `${url}/v1/traces`, headers: { Authorization: 'Bearer secret' } }),
        ],
        [
          'proto-gzip',
          new ProtobufExporter({
            url: `${url}/v1/traces`,
            headers: { Authorization: 'Bearer secret' },
            compression: 'gzip' as never,
          }),
        ],
        [
          'json',
          new HttpJsonExporter({ url: `${url}/v1/traces`, headers: { Authorization: 'Bearer secret' } }),
        ],
        [
          'json-gzip',
          new HttpJsonExporter({
            url: `${url}/v1/traces`,
            headers: { Authorization: 'Bearer secret' },
            compression: 'gzip' as never,
          }),
        ],
      ];
      const traceIds: string[] = [];
      for (const [name, exporter] of exporters) {
        const provider = new BasicTracerProvider({
          resource: resourceFromAttributes({ 'service.name': `svc-${name}`, 'host.id': `host-${name}` }),
          spanProcessors: [new BatchSpanProcessor(exporter)],
        });
        const tracer = provider.getTracer('collector-test', '1.0.0');
        const parent = tracer.startSpan('GET /orders', {
          kind: OtelSpanKind.SERVER,
          attributes: { 'lamport.node': `${name}/1`, 'lamport.start': 1, 'lamport.end': 4 },
        });
        const context = trace.setSpan(ROOT_CONTEXT, parent);
        for (let index = 0; index < 3; index++) {
          tracer
            .startSpan(
              `child ${index}`,
              { kind: OtelSpanKind.CLIENT, attributes: { index, ratio: 0.5, list: ['a', 'b'] } },
              context,
            )
            .end();
        }
        parent.end();
        traceIds.push(parent.spanContext().traceId);
        await provider.forceFlush();
        await provider.shutdown();
      }
      for (const [index, traceId] of traceIds.entries()) {
        const spans = await collector.store.traceSpans(traceId);
        expect(spans).toHaveLength(4);
        const root = spans.find((span) => span.name === 'GET /orders');
        expect(root?.kind).toBe(2);
        expect(root?.attributes['lamport.start']).toBe(1);
        expect(root?.resource['service.name']).toBe(`svc-${exporters[index]?.[0]}`);
        expect(spans.find((span) => span.name === 'child 1')?.attributes).toEqual({
          index: 1,
          ratio: 0.5,
          list: ['a', 'b'],
        });
        expect(root?.scope).toEqual({ name: 'collector-test', version: '1.0.0' });
      }
      const response = await fetch(`${url}/api/traces/${traceIds[0]}`, {
        headers: { authorization: 'Bearer secret' },
      });
      expect(response.status).toBe(200);
      const analysis = (await response.json()) as {
        events: unknown[];
        edges: unknown[];
        anomalies: unknown[];
        offsets: unknown[];
      };
      expect(analysis.events.length).toBeGreaterThan(0);
      expect(Array.isArray(analysis.anomalies)).toBe(true);
      expect(Array.isArray(analysis.offsets)).toBe(true);
    } finally {
      await collector.close();
    }
  }, 60_000);

  it('replies in the request content type, with partial_success for bad spans', async () => {
    const store = newStore();
    const { app } = buildApp(store);
    const good = makeSpan();
    const bad = { ...makeSpan(), spanId: '0000000000000000' };
    const protobufReply = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: PROTOBUF,
      payload: Buffer.from(encodeOtlpProtobufRequest([good, bad])),
    });
    expect(protobufReply.statusCode).toBe(200);
    expect(protobufReply.headers['content-type']).toBe('application/x-protobuf');
    expect(decodeExportTraceServiceResponse(protobufReply.rawPayload)).toEqual({
      rejectedSpans: 1,
      errorMessage: 'resourceSpans[0].scopeSpans[0].spans[1].spanId: all-zero id is invalid',
    });
    const json = encodeOtlpJsonRequest([makeSpan()]) as {
      resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[];
    };
    const span = json.resourceSpans[0]?.scopeSpans[0]?.spans[0] as Record<string, unknown>;
    json.resourceSpans[0]?.scopeSpans[0]?.spans.push({
      ...span,
      traceId: Buffer.from(randomId(16), 'hex').toString('base64'),
    });
    const jsonReply = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: JSON_HEADERS,
      payload: JSON.stringify(json),
    });
    expect(jsonReply.statusCode).toBe(200);
    expect(jsonReply.headers['content-type']).toMatch(/^application\/json/);
    expect(jsonReply.json()).toEqual({
      partialSuccess: {
        rejectedSpans: '1',
        errorMessage:
          'resourceSpans[0].scopeSpans[0].spans[1].traceId: expected 32 hex characters, got 24 (base64? OTLP JSON ids are hex)',
      },
    });
    const full = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: JSON_HEADERS,
      payload: JSON.stringify(encodeOtlpJsonRequest([makeSpan()])),
    });
    expect(full.json()).toEqual({});
    expect(await store.countSpans()).toBe(3);
    await app.close();
    await store.close();
  });

  it('answers malformed bodies with 400 and a message, then keeps serving', async () => {
    const store = newStore();
    const { app } = buildApp(store);
    const badProtobuf = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: PROTOBUF,
      payload: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 1]),
    });
    expect(badProtobuf.statusCode).toBe(400);
    expect(badProtobuf.headers['content-type']).toBe('application/x-protobuf');
    const status = decodeRpcStatus(badProtobuf.rawPayload);
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/not a protobuf ExportTraceServiceRequest/);

    const badJson = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: JSON_HEADERS,
      payload: '{"resourceSpans": [',
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json()).toMatchObject({ code: 3, message: expect.stringMatching(/not JSON/) });

    const wrongShape = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: JSON_HEADERS,
      payload: '{"resourceSpans": [{"scopeSpans": {"spans": []}}]}',
    });
    expect(wrongShape.statusCode).toBe(400);
    expect(wrongShape.json().message).toMatch(/resourceSpans\[0\]\.scopeSpans: expected an array/);

    const notGzip = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { ...JSON_HEADERS, 'content-encoding': 'gzip' },
      payload: '{}',
    });
    expect(notGzip.statusCode).toBe(400);
    expect(notGzip.json().message).toMatch(/not valid gzip/);

    const text = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json().message).toMatch(/unsupported content type 'text\/plain'/);
    const untyped = await app.inject({ method: 'POST', url: '/v1/traces', payload: Buffer.from([1, 2, 3]) });
    expect(untyped.statusCode).toBe(415);
    const brotli = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { ...JSON_HEADERS, 'content-encoding': 'br' },
      payload: '{}',
    });
    expect(brotli.statusCode).toBe(415);

    const ok = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: PROTOBUF,
      payload: Buffer.from(encodeOtlpProtobufRequest([makeSpan()])),
    });
    expect(ok.statusCode).toBe(200);
    expect(await store.countSpans()).toBe(1);
    await app.close();
    await store.close();
  });

  it('never answers 5xx to garbage bodies and keeps serving', async () => {
    const store = newStore();
    const { app } = buildApp(store);
    const valid = Buffer.from(encodeOtlpProtobufRequest(makeTrace(5, 1_763_780_000_000)));
    for (let round = 0; round < 200; round++) {
      const corrupted = Buffer.from(valid);
      for (let flip = 0; flip < 1 + (round % 6); flip++)
        corrupted[randomInt(corrupted.length)] = randomInt(256);
      const body =
        round % 3 === 0
          ? randomBytes(randomInt(1, 600))
          : corrupted.subarray(0, randomInt(1, corrupted.length + 1));
      const headers = round % 2 === 0 ? PROTOBUF : JSON_HEADERS;
      const gzip = round % 5 === 0;
      const reply = await app.inject({
        method: 'POST',
        url: '/v1/traces',
        headers: gzip ? { ...headers, 'content-encoding': 'gzip' } : headers,
        payload: gzip ? gzipSync(body) : body,
      });
      expect([200, 400]).toContain(reply.statusCode);
    }
    const ok = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: PROTOBUF,
      payload: Buffer.from(encodeOtlpProtobufRequest([makeSpan()])),
    });
    expect(ok.statusCode).toBe(200);
    await app.close();
    await store.close();
  });

  it('stops a gzip bomb at the decompressed limit (413), accepts huge attributes under it', async () => {
    const store = newStore();
    const { app } = buildApp(store, { maxBodyBytes: 8 * 1024 * 1024 });
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x20), { level: 9 });
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const bombReply = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { ...JSON_HEADERS, 'content-encoding': 'gzip' },
      payload: bomb,
    });
    expect(bombReply.statusCode).toBe(413);
    expect(bombReply.json().message).toMatch(/after gunzip/);

    const tooBig = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: PROTOBUF,
      payload: Buffer.alloc(9 * 1024 * 1024),
    });
    expect(tooBig.statusCode).toBe(413);
    expect(decodeRpcStatus(tooBig.rawPayload).message).toMatch(/over 8388608 bytes/);

    const huge = makeSpan({ attributes: { 'db.statement': 'x'.repeat(6 * 1024 * 1024) } });
    const hugeReply = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { ...PROTOBUF, 'content-encoding': 'gzip' },
      payload: gzipSync(encodeOtlpProtobufRequest([huge])),
    });
    expect(hugeReply.statusCode).toBe(200);
    const [stored] = await store.traceSpans(huge.traceId);
    expect(String(stored?.attributes['db.statement']).length).toBe(6 * 1024 * 1024);
    await app.close();
    await store.close();
  }, 60_000);

  it('requires the token on ingest and the API when one is set', async () => {
    const store = newStore();
    const { app } = buildApp(store, { token: 'right' });
    const payload = Buffer.from(encodeOtlpProtobufRequest([makeSpan()]));
    const none = await app.inject({ method: 'POST', url: '/v1/traces', headers: PROTOBUF, payload });
    expect(none.statusCode).toBe(401);
    expect(decodeRpcStatus(none.rawPayload).message).toMatch(/bearer token/);
    const wrong = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { ...PROTOBUF, authorization: 'Bearer wrong' },
      payload,
    });
    expect(wrong.statusCode).toBe(401);
    expect(
      (await app.inject({ url: '/api/traces', headers: { authorization: 'Bearer righ' } })).statusCode,
    ).toBe(401);
    expect((await app.inject({ url: '/api/health' })).statusCode).toBe(401);
    const right = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { ...PROTOBUF, authorization: 'Bearer right' },
      payload,
    });
    expect(right.statusCode).toBe(200);
    expect(
      (await app.inject({ url: '/api/health', headers: { authorization: 'bearer right' } })).json(),
    ).toMatchObject({ status: 'ok' });
    expect(await store.countSpans()).toBe(1);
    await app.close();
    await store.close();
  });

  it('answers 503 with Retry-After when the write queue is full, and 2xx only after commit', async () => {
    const inner = newStore();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let commits = 0;
    const slowStore: SpanStore = Object.assign(Object.create(inner) as SpanStore, {
      description: inner.description,
      insertSpans: async (spans: SpanRecord[]) => {
        await gate;
        const inserted = await inner.insertSpans(spans);
        commits++;
        return inserted;
      },
    });
    const { app } = buildApp(slowStore, { queue: { maxPendingSpans: 150 }, retryAfterSeconds: 2 });
    const payload = () => Buffer.from(encodeOtlpProtobufRequest(makeTrace(100, 1_763_780_000_000)));
    let firstDone = false;
    const first = app
      .inject({ method: 'POST', url: '/v1/traces', headers: PROTOBUF, payload: payload() })
      .then((reply) => {
        firstDone = true;
        return reply;
      });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(firstDone).toBe(false);
    const second = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: PROTOBUF,
      payload: payload(),
    });
    expect(second.statusCode).toBe(503);
    expect(second.headers['retry-after']).toBe('2');
    expect(decodeRpcStatus(second.rawPayload).message).toMatch(/write queue full/);
    release();
    expect((await first).statusCode).toBe(200);
    expect(commits).toBe(1);
    expect(await inner.countSpans()).toBe(100);

    const failing: SpanStore = Object.assign(Object.create(inner) as SpanStore, {
      insertSpans: async () => {
        throw new Error('disk full');
      },
    });
    const { app: failingApp } = buildApp(failing);
    const failed = await failingApp.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: JSON_HEADERS,
      payload: JSON.stringify(encodeOtlpJsonRequest([makeSpan()])),
    });
    expect(failed.statusCode).toBe(503);
    expect(failed.headers['retry-after']).toBe('1');
    expect(failed.json().message).toMatch(/disk full/);
    await app.close();
    await failingApp.close();
    await inner.close();
  });
});

describe('JSON API', () => {
  it('lists traces, analyses one trace, a window, anomalies and offsets', async () => {
    const store = newStore();
    const base = 1_763_780_000_000;
    const exchange = skewedExchange();
    const plain = makeTrace(3, base + 10_000, 'billing');
    await store.insertSpans([...exchange, ...plain]);
    const { app } = buildApp(store, { now: () => base + 60_000 });
    const list = (await app.inject({ url: '/api/traces' })).json();
    expect(list.next).toBeNull();
    expect(list.traces).toHaveLength(2);
    expect(list.traces[0]).toMatchObject({
      traceId: plain[0]?.traceId,
      services: ['billing'],
      spanCount: 3,
      anomalyCount: 0,
    });
    expect(list.traces[1]).toMatchObject({
      traceId: exchange[0]?.traceId,
      services: ['api', 'web'],
      spanCount: 2,
      start: base - 50,
    });
    expect(list.traces[1].anomalyCount).toBeGreaterThan(0);
    const anomalous = (await app.inject({ url: '/api/traces?anomalous=true' })).json();
    expect(anomalous.traces.map((trace: { traceId: string }) => trace.traceId)).toEqual([
      exchange[0]?.traceId,
    ]);
    const calm = (await app.inject({ url: '/api/traces?anomalous=false&service=billing&limit=1' })).json();
    expect(calm.traces.map((trace: { traceId: string }) => trace.traceId)).toEqual([plain[0]?.traceId]);
    const paged = (await app.inject({ url: '/api/traces?limit=1' })).json();
    expect(paged.traces).toHaveLength(1);
    const nextPage = (await app.inject({ url: `/api/traces?limit=1&cursor=${paged.next}` })).json();
    expect(nextPage.traces[0].traceId).toBe(exchange[0]?.traceId);

    const analysis = (await app.inject({ url: `/api/traces/${exchange[0]?.traceId}` })).json();
    expect(analysis.anomalies.some((anomaly: { kind: string }) => anomaly.kind === 'backwards-message')).toBe(
      true,
    );
    expect(analysis.events).toHaveLength(4);
    expect(analysis.offsets.length).toBeGreaterThan(0);
    expect((await app.inject({ url: `/api/traces/${randomId(16)}` })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/traces/xyz' })).statusCode).toBe(400);

    const window = (await app.inject({ url: `/api/window?from=${base - 1000}&to=${base + 20_000}` })).json();
    expect(window.events).toHaveLength(10);
    const anomalies = (
      await app.inject({ url: `/api/anomalies?from=${base - 1000}&to=${base + 20_000}` })
    ).json();
    expect(anomalies.anomalies.length).toBeGreaterThan(0);
    const offsets = (
      await app.inject({ url: `/api/offsets?from=${base - 1000}&to=${base + 20_000}` })
    ).json();
    expect(offsets.offsets.length).toBeGreaterThan(0);
    const defaultWindow = (await app.inject({ url: '/api/window' })).json();
    expect(defaultWindow.events).toHaveLength(10);
    expect((await app.inject({ url: '/api/window?from=5&to=1' })).statusCode).toBe(400);
    expect((await app.inject({ url: '/api/traces?limit=0' })).statusCode).toBe(400);
    expect((await app.inject({ url: '/api/traces?cursor=bogus' })).statusCode).toBe(400);
    expect((await app.inject({ url: '/api/traces?from=yesterday' })).json().message).toMatch(
      /'from' must be Unix milliseconds/,
    );
    expect((await app.inject({ url: '/api/nope' })).statusCode).toBe(404);
    await app.close();
    await store.close();
  });
});

describe('viewer files', () => {
  it('serves files, index.html for client routes, and nothing outside the root', async () => {
    const root = join(directory, 'viewer');
    await mkdir(join(root, 'assets'), { recursive: true });
    await writeFile(join(root, 'index.html'), '<html>viewer</html>');
    await writeFile(join(root, 'assets', 'app.js'), 'console.log(1)');
    await writeFile(join(directory, 'secret.txt'), 'secret');
    const store = newStore();
    const { app } = buildApp(store, { viewerDir: root });
    const index = await app.inject({ url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.body).toBe('<html>viewer</html>');
    expect((await app.inject({ url: '/traces/abc' })).body).toBe('<html>viewer</html>');
    const script = await app.inject({ url: '/assets/app.js' });
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toBe('console.log(1)');
    expect((await app.inject({ url: '/assets/missing.js' })).statusCode).toBe(404);
    for (const url of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/%2e%2e%5csecret.txt',
    ]) {
      const reply = await app.inject({ url });
      expect(reply.body).not.toContain('secret');
    }
    await app.close();
    const { app: bare } = buildApp(store);
    const page = await bare.inject({ url: '/' });
    expect(page.body).toMatch(/viewer is not built/);
    await bare.close();
    await store.close();
  });
});

describe('createCollector', () => {
  it('deletes traces older than retainHours', async () => {
    const store = newStore();
    const base = 1_763_780_000_000;
    const old = makeTrace(3, base);
    const recent = makeTrace(3, base + 5 * 3_600_000);
    await store.insertSpans([...old, ...recent]);
    const collector = await createCollector({
      store,
      port: 0,
      retainHours: 2,
      now: () => base + 6 * 3_600_000,
      viewerDir: null,
    });
    await collector.listen();
    try {
      for (let attempt = 0; attempt < 100 && (await store.countSpans()) > 3; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await store.countSpans()).toBe(3);
      expect((await store.listTraces({ limit: 10 })).traces.map((trace) => trace.traceId)).toEqual([
        recent[0]?.traceId,
      ]);
    } finally {
      await collector.close();
      await store.close();
    }
  });
});
