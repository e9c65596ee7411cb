import type { SpanRecord } from './model.js';

/** A small set of spans exercising every attribute type, for round-trip tests. */
export function sampleSpans(): SpanRecord[] {
  const resource = { 'service.name': 'orders', 'host.id': 'host-a', 'process.pid': 4242 };
  const other = { 'service.name': 'billing', 'host.name': 'b' };
  return [
    {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      parentSpanId: undefined,
      name: 'GET /orders',
      kind: 2,
      startTimeUnixNano: 1_763_780_000_123_456_789n,
      endTimeUnixNano: 1_763_780_000_223_456_789n,
      attributes: {
        'lamport.node': 'orders/7f3c2a1b',
        'lamport.start': 1042,
        'lamport.end': 1045,
        ratio: 0.25,
        ok: true,
        zero: 0,
        empty: '',
        no: false,
        big: '9007199254740993',
        negative: -17,
        list: ['a', 1, false, null],
        nested: { inner: { deeper: [1.5, 'x'] } },
      },
      resource,
      scope: { name: '@tickline/otel', version: '0.1.0' },
      status: { code: 2, message: 'boom' },
    },
    {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: '00f067aa0ba902b7',
      parentSpanId: 'b7ad6b7169203331',
      name: 'SELECT',
      kind: 3,
      startTimeUnixNano: 1_763_780_000_130_000_000n,
      endTimeUnixNano: 1_763_780_000_140_000_000n,
      attributes: {},
      resource,
      scope: { name: '@tickline/otel', version: '0.1.0' },
    },
    {
      traceId: 'ffffffffffffffffffffffffffffffff',
      spanId: 'ffffffffffffffff',
      parentSpanId: undefined,
      name: '',
      kind: 0,
      startTimeUnixNano: 18_446_744_073_709_551_614n,
      endTimeUnixNano: 18_446_744_073_709_551_615n,
      attributes: { 'lamport.recv.clock': 7 },
      resource: other,
    },
  ];
}
