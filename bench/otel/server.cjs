// One server of the otel benchmark: node server.cjs <variant>. CommonJS so that
// instrumentation-http's require hook patches node:http before fastify loads it.
// Variants:
//   bare             fastify alone (to show what OpenTelemetry itself costs)
//   otel             fastify + OpenTelemetry SDK + instrumentation-http, W3C trace context
//   lamport          otel + LamportPropagator (in the composite) + LamportSpanProcessor
//   lamport-hook     lamport + lamportResponseHook (reply headers without the middleware)
//   lamport-fastify  lamport + the @tickline/fastify plugin (reply headers from the plugin)
//   propagator-only  otel + LamportPropagator;  processor-only  otel + LamportSpanProcessor
//   toggle           otel, with LamportPropagator + LamportSpanProcessor switched on and off by the
//                    runner ('on' / 'off' messages): A and B in one process, same heap and JIT state
// Talks to the runner over IPC: sends { ready: port }, answers 'cpu' with process.cpuUsage().
'use strict';
const variant = process.argv[2];

if (variant !== 'bare') {
  const { CompositePropagator, W3CTraceContextPropagator } = require('@opentelemetry/core');
  const { registerInstrumentations } = require('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
  const { BatchSpanProcessor, NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
  const lamport = variant.startsWith('lamport');
  const toggle = variant === 'toggle';
  const withPropagator = lamport || variant === 'propagator-only';
  const withProcessor = lamport || variant === 'processor-only';
  const otel = withPropagator || withProcessor || toggle ? require('@tickline/otel') : undefined;
  // Exports nothing: the benchmark measures the in-process cost, not an exporter's network.
  const discard = { export: (_spans, done) => done({ code: 0 }), shutdown: () => Promise.resolve() };
  const exporting = new BatchSpanProcessor(discard, { maxQueueSize: 65_536, maxExportBatchSize: 2048 });
  let processors = withProcessor ? [new otel.LamportSpanProcessor(), exporting] : [exporting];
  const propagators = [new W3CTraceContextPropagator()];
  if (withPropagator) propagators.push(new otel.LamportPropagator());
  let propagator = new CompositePropagator({ propagators });
  if (toggle) {
    const on = { value: false };
    process.on('message', (message) => {
      if (message === 'on' || message === 'off') on.value = message === 'on';
    });
    const plain = propagator;
    const withLamport = new CompositePropagator({
      propagators: [...propagators, new otel.LamportPropagator()],
    });
    propagator = {
      inject: (context, carrier, setter) => (on.value ? withLamport : plain).inject(context, carrier, setter),
      extract: (context, carrier, getter) =>
        (on.value ? withLamport : plain).extract(context, carrier, getter),
      fields: () => withLamport.fields(),
    };
    const lamportProcessor = new otel.LamportSpanProcessor();
    const switched = {
      onStart: (span, context) => on.value && lamportProcessor.onStart(span, context),
      onEnding: (span) => on.value && lamportProcessor.onEnding(span),
      onEnd: () => {},
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    };
    processors = [switched, exporting];
  }
  const provider = new NodeTracerProvider({ spanProcessors: processors });
  provider.register({ propagator });
  const responseHook = variant === 'lamport-hook' ? otel.lamportResponseHook() : undefined;
  registerInstrumentations({ instrumentations: [new HttpInstrumentation({ responseHook })] });
}

const fastify = require('fastify');
const app = fastify();
if (variant === 'lamport-fastify') app.register(require('@tickline/fastify').default);
app.get('/', async () => ({ hello: 'world' }));
app.listen({ port: 0, host: '127.0.0.1' }).then(() => process.send({ ready: app.server.address().port }));
process.on('message', (message) => {
  if (message === 'cpu') process.send({ cpu: process.cpuUsage() });
  if (message === 'exit') app.close().then(() => process.exit(0));
});
