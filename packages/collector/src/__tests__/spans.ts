import { randomBytes } from 'node:crypto';
import type { SpanRecord } from '@tickline/otlp';

/** Random lowercase hex id of `bytes` bytes. */
export function randomId(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** A span for store and HTTP tests; times in ms since the epoch. */
export function makeSpan(
  overrides: Partial<SpanRecord> & { startMs?: number; durationMs?: number; service?: string } = {},
): SpanRecord {
  const { startMs = 1_763_780_000_000, durationMs = 10, service = 'orders', ...rest } = overrides;
  const start = BigInt(Math.round(startMs * 1000)) * 1000n;
  return {
    traceId: randomId(16),
    spanId: randomId(8),
    parentSpanId: undefined,
    name: 'GET /orders',
    kind: 2,
    startTimeUnixNano: start,
    endTimeUnixNano: start + BigInt(Math.round(durationMs * 1e6)),
    attributes: {
      'lamport.node': `${service}/00000001`,
      'lamport.start': 1,
      'lamport.end': 2,
      'http.status_code': 200,
    },
    resource: { 'service.name': service, 'host.id': `${service}-host` },
    scope: { name: 'test', version: '1' },
    ...rest,
  };
}

/** A trace of `count` spans under one root, on one node with clocks in process order (no anomalies). */
export function makeTrace(count: number, startMs: number, service = 'orders'): SpanRecord[] {
  const traceId = randomId(16);
  const node = `${service}/${traceId.slice(0, 8)}`;
  const root = makeSpan({
    traceId,
    startMs,
    durationMs: count + 1,
    service,
    attributes: { 'lamport.node': node, 'lamport.start': 1, 'lamport.end': 2 * count },
  });
  const spans = [root];
  for (let index = 1; index < count; index++) {
    spans.push(
      makeSpan({
        traceId,
        parentSpanId: root.spanId,
        startMs: startMs + index,
        durationMs: 0.5,
        kind: 1,
        service,
        attributes: { 'lamport.node': node, 'lamport.start': 2 * index, 'lamport.end': 2 * index + 1 },
      }),
    );
  }
  return spans;
}
