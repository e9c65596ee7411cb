// One server of the otel benchmark: node server.cjs <variant>. CommonJS so that
// instrumentation-http's require hook patches node:http before fastify loads it.
// Variants:
//   bare             fastify alone (to show what OpenTelemetry itself costs)
//   otel             fastify + OpenTelemetry SDK + instrumentation-http, W3C trace context
//   lamport          otel + LamportPropagator (in the composite) + LamportSpanProcessor
//   lamport-hook     lamport + lamportResponseHook (reply headers without the middleware)
//   lamport-fastify  lamport + the @tickline/fastify plugin (reply headers from the plugin)
// Talks to the runner over IPC: sends { ready: port }, answers 'cpu' with process.cpuUsage().
'use strict';
const variant = process.argv[2];

if (variant !== 'bare') {
  const { CompositePropagator, W3CTraceContextPropagator } = require('@opentelemetry/core');
  const { registerInstrumentations } = require('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
  const { BatchSpanProcessor, NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
  const lamport = variant.startsWith('lamport');
  const otel = lamport ? require('@tickline/otel') : undefined;
  // Exports nothing: the benchmark measures the in-process cost, not an exporter's network.
  const discard = { export: (_spans, done) => done({ code: 0 }), shutdown: () => Promise.resolve() };
  const exporting = new BatchSpanProcessor(discard, { maxQueueSize: 65_536, maxExportBatchSize: 2048 });
  const provider = new NodeTracerProvider({
    spanProcessors: lamport ? [new otel.LamportSpanProcessor(), exporting] : [exporting],
  });
  const propagators = [new W3CTraceContextPropagator()];
  if (lamport) propagators.push(new otel.LamportPropagator());
  provider.register({ propagator: new CompositePropagator({ propagators }) });
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
