// bench/otel/pipeline: the in-process cost per SERVER request of @tickline/otel, without HTTP:
// what instrumentation-http does per request (extract, start a SERVER span with its attributes,
// derive the span's context, write the response head, end the span), with OpenTelemetry only (A)
// and with LamportPropagator + LamportSpanProcessor (B) and + lamportResponseHook (C). Interleaved
// rounds in one process, medians of ns/request; much less sensitive to a loaded machine than the
// HTTP benchmark.
// Run: node bench/otel/pipeline.bench.mjs [--rounds 9] [--requests 100000]
//   [--instructions: instructions per request of each variant instead, counted by `perf stat`
//    over two runs of that variant alone (N and 7N requests; the difference / 6N), which the
//    machine's load does not move. N defaults to 200000 here: over shorter runs the collections
//    of the old generation, which what spans keep alive brings on, fall in or out by chance
//    (runs of 100k and 300k put the cost of the same code at +6.8k and +11k a request).]
//   (--only NAME runs one variant: what --instructions spawns)

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultTextMapGetter, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { LamportPropagator, LamportSpanProcessor, lamportResponseHook } from '@tickline/otel';
import { countRunInstructions } from '../perf-counter.mjs';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '9' },
    requests: { type: 'string' },
    instructions: { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});
const rounds = Number(args.rounds);
const requests = Number(args.requests ?? (args.instructions ? 200_000 : 100_000));
// Stands in for the exporting processor: like a BatchSpanProcessor, it holds ended spans until a
// batch of 2048 is full and then lets them go (an export), so what a span keeps alive costs what
// it costs in a real server (promotion out of the young generation), but no export is done.
let batch = [];
const dropping = {
  onStart() {},
  onEnd(span) {
    batch.push(span);
    if (batch.length >= 2048) batch = [];
  },
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

function variant(name, { lamport, hook, propagatorOnly = false, processorOnly = false }) {
  const tracer = new BasicTracerProvider({
    spanProcessors:
      (lamport || processorOnly) && !propagatorOnly ? [new LamportSpanProcessor(), dropping] : [dropping],
  }).getTracer('bench');
  const propagator = new CompositePropagator({
    propagators:
      (lamport || propagatorOnly) && !processorOnly
        ? [new W3CTraceContextPropagator(), new LamportPropagator()]
        : [new W3CTraceContextPropagator()],
  });
  const responseHook = hook ? lamportResponseHook() : undefined;
  return {
    name,
    request() {
      const headers = {
        host: '127.0.0.1:3000',
        'user-agent': 'autocannon',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        'lamport-clock': '5;node="bench/0000"',
      };
      const context = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
      const span = tracer.startSpan(
        'GET',
        {
          kind: SpanKind.SERVER,
          attributes: {
            'http.request.method': 'GET',
            'url.path': '/',
            'url.scheme': 'http',
            'server.address': '127.0.0.1',
            'server.port': 3000,
            'client.address': '127.0.0.1',
            'user_agent.original': 'autocannon',
            'network.protocol.version': '1.1',
          },
        },
        context,
      );
      // The context the request is handled in, as instrumentation-http derives it.
      const spanContext = trace.setSpan(context, span);
      if (trace.getSpan(spanContext) !== span) throw new Error('the span is not in its context');
      const response = new FakeResponse(headers);
      responseHook?.(span, response);
      response.writeHead(200);
      span.setAttributes({ 'http.response.status_code': 200, 'http.route': '/' });
      span.end();
    },
  };
}

/** Just enough of node's ServerResponse for the response hook. */
class FakeResponse {
  constructor(headers) {
    this.req = { headers };
    this.headersSent = false;
    this.headers = {};
  }
  setHeader(name, value) {
    this.headers[name] = value;
  }
  writeHead() {
    this.headersSent = true;
    return this;
  }
}

const variants = [
  variant('otel', { lamport: false, hook: false }),
  variant('lamport', { lamport: true, hook: false }),
  variant('lamport+hook', { lamport: true, hook: true }),
];
// Parts, for --instructions (--only): the propagator alone, the processor alone.
const parts = [
  variant('propagator', { lamport: false, hook: false, propagatorOnly: true }),
  variant('processor', { lamport: false, hook: false, processorOnly: true }),
];

if (args.only !== undefined) {
  const only = [...variants, ...parts].find((v) => v.name === args.only);
  for (let i = 0; i < requests; i++) only.request();
  process.exit(0);
}
if (args.instructions) {
  const count = (name, n) =>
    countRunInstructions(fileURLToPath(import.meta.url), ['--only', name, '--requests', String(n)]);
  const perRequest = {};
  for (const v of [...variants, ...parts]) {
    const counts = [];
    for (let round = 0; round < Math.max(1, Math.floor(rounds / 3)); round++)
      counts.push((count(v.name, 7 * requests) - count(v.name, requests)) / (6 * requests));
    perRequest[v.name] = Math.min(...counts);
  }
  console.log('variant         user instructions/request   extra vs otel');
  for (const v of [...variants, ...parts])
    console.log(
      `${v.name.padEnd(14)} ${perRequest[v.name].toFixed(0).padStart(26)}   ${(perRequest[v.name] - perRequest.otel).toFixed(0).padStart(13)}`,
    );
  process.exit(0);
}
const samples = new Map(variants.map((v) => [v.name, []]));
for (const v of variants) for (let i = 0; i < requests; i++) v.request(); // warm-up (JIT)
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? variants : [...variants].reverse();
  for (const v of order) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < requests; i++) v.request();
    samples.get(v.name).push(Number(process.hrtime.bigint() - started) / requests);
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const base = median(samples.get('otel'));
console.log(`medians over ${rounds} interleaved rounds of ${requests} requests`);
console.log('variant         ns/request   extra ns vs otel');
for (const [name, list] of samples) {
  const value = median(list);
  console.log(
    `${name.padEnd(14)} ${value.toFixed(0).padStart(10)}   ${(value - base).toFixed(0).padStart(15)}`,
  );
}
