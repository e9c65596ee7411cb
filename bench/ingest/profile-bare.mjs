// bench/ingest: the bare decode + insert loop alone (SQLite, no writer thread), for `node --cpu-prof`;
// prints decode-only, rows-only and insert rates so the split is visible without a profiler.
// Run: node --cpu-prof --cpu-prof-dir /tmp/prof bench/ingest/profile-bare.mjs [--requests 150]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeOtlpProtobuf, encodeOtlpProtobufRequest } from '@tickline/causal';
import { SqliteSpanStore } from '@tickline/collector';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '150' } } });
const REQUESTS = Number(values.requests);
const resources = ['orders', 'payments', 'stock', 'gateway'].map((service) => ({
  'service.name': service,
  'host.id': `${service}-host`,
  'host.name': `${service}-1`,
  'process.pid': 4242,
  'telemetry.sdk.name': 'opentelemetry',
  'telemetry.sdk.language': 'nodejs',
  'telemetry.sdk.version': '2.12.1',
}));
function makeRequest(sequence) {
  const resource = resources[sequence % resources.length];
  const service = resource['service.name'];
  const spans = [];
  const base = 1_763_780_000_000_000_000n + BigInt(sequence) * 1_000_000_000n;
  for (let trace = 0; trace < 100; trace++) {
    const traceId = randomBytes(16).toString('hex');
    const rootId = randomBytes(8).toString('hex');
    for (let index = 0; index < 10; index++) {
      const start = base + BigInt(trace * 1_000_000 + index * 10_000);
      spans.push({
        traceId,
        spanId: index === 0 ? rootId : randomBytes(8).toString('hex'),
        parentSpanId: index === 0 ? undefined : rootId,
        name: index === 0 ? 'GET /orders/:id' : 'SELECT orders',
        kind: index === 0 ? 2 : 3,
        startTimeUnixNano: start,
        endTimeUnixNano: start + 5_000_000n,
        attributes: {
          'lamport.node': `${service}/7f3c2a1b`,
          'lamport.start': sequence * 1000 + index * 2 + 1,
          'lamport.end': sequence * 1000 + index * 2 + 2,
          'lamport.recv.node': 'gateway/0a1b2c3d',
          'lamport.recv.clock': sequence * 1000 + index,
          'http.request.method': 'GET',
          'http.route': '/orders/:id',
          'http.response.status_code': 200,
          'server.address': 'orders.internal',
        },
        resource,
        scope: { name: '@opentelemetry/instrumentation-http', version: '0.223.0' },
      });
    }
  }
  return encodeOtlpProtobufRequest(spans);
}
const requests = Array.from({ length: REQUESTS }, (_, sequence) => makeRequest(sequence));
const rate = (spans, started) =>
  `${Math.round(spans / ((performance.now() - started) / 1000)).toLocaleString('en-US')} spans/s`;

let started = performance.now();
for (const request of requests) decodeOtlpProtobuf(request);
console.log(`decode only        ${rate(REQUESTS * 1000, started)}`);

const directory = mkdtempSync(join(tmpdir(), 'tickline-profile-ingest-'));
try {
  const store = SqliteSpanStore.open(join(directory, 'bare.db'), { writerThread: false });
  started = performance.now();
  let spans = 0;
  for (const request of requests) spans += await store.insertSpans(decodeOtlpProtobuf(request).spans);
  console.log(`decode + insert    ${rate(spans, started)}`);
  await store.close();
} finally {
  rmSync(directory, { recursive: true, force: true });
}
