// The synthetic OTLP requests bench/ingest sends: 1,000 spans (100 traces of 10) from one of four
// services, with the lamport.* attributes and a few realistic HTTP ones, fresh ids every call.
import { randomBytes } from 'node:crypto';
import { encodeOtlpProtobufRequest } from '@tickline/otlp';

const resources = ['orders', 'payments', 'stock', 'gateway'].map((service) => ({
  'service.name': service,
  'host.id': `${service}-host`,
  'host.name': `${service}-1`,
  'process.pid': 4242,
  'telemetry.sdk.name': 'opentelemetry',
  'telemetry.sdk.language': 'nodejs',
  'telemetry.sdk.version': '2.12.1',
}));

/** One 1,000-span request: 100 traces of 10 spans from one service, realistic attributes, fresh ids. */
export function makeRequest(sequence) {
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
