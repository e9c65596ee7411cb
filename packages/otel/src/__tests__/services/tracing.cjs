// OpenTelemetry + Tickline set-up shared by the three test services. Loaded first, before
// express/fastify/http, so that instrumentation-http's require hook patches them.
'use strict';
const { CompositePropagator, W3CTraceContextPropagator } = require('@opentelemetry/core');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { BatchSpanProcessor, NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { LamportPropagator, LamportSpanProcessor, lamportResponseHook } = require('@tickline/otel');
const { instrumentOutgoing } = require('@tickline/node');

const service = process.env.OTEL_SERVICE_NAME;
const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ 'service.name': service }),
  spanProcessors: [
    new LamportSpanProcessor(),
    new BatchSpanProcessor(new OTLPTraceExporter({ url: process.env.TEST_OTLP_URL }), {
      scheduledDelayMillis: 200,
    }),
  ],
});
// register() installs the propagator; a later propagation.setGlobalPropagator() would be refused.
provider.register({
  propagator: new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new LamportPropagator()],
  }),
});
const responseHook = process.env.TEST_RESPONSE_HOOK === '1' ? lamportResponseHook() : undefined;
registerInstrumentations({
  instrumentations: [new HttpInstrumentation({ responseHook }), new UndiciInstrumentation({ responseHook })],
});
instrumentOutgoing();

/** Reports the port to the test, and flushes spans before exiting when the test says so. */
function serve(server) {
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', async (message) => {
    if (message !== 'shutdown') return;
    await provider.shutdown();
    process.send({ flushed: true }, () => process.exit(0));
  });
}

module.exports = { serve };
