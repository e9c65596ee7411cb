import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { LamportClock, setProcessClock } from '@tickline/clock';
import { instrumentOutgoing } from '@tickline/node';
import { LamportPropagator, LamportSpanProcessor } from '@tickline/otel';

/** Options of {@link startTelemetry}. */
export interface TelemetryOptions {
  service: string;
  /** `host.name` of the resource: the clock domain of the analysis. */
  host: string;
  /** OTLP/HTTP traces endpoint, e.g. `http://127.0.0.1:4318/v1/traces`. */
  tracesUrl: string;
}

/**
 * OpenTelemetry with Tickline, as a user would set it up: the Lamport span processor before the
 * exporter, the Lamport propagator next to W3C trace context, http and undici instrumentation,
 * and the outgoing hooks for response clocks. Call it before loading express or fastify.
 */
export function startTelemetry(options: TelemetryOptions): { shutdown(): Promise<void> } {
  setProcessClock(new LamportClock({ name: options.service }));
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.service, 'host.name': options.host }),
    spanProcessors: [
      new LamportSpanProcessor(),
      new BatchSpanProcessor(new OTLPTraceExporter({ url: options.tracesUrl }), {
        scheduledDelayMillis: 500,
      }),
    ],
  });
  // register() installs the propagator globally; a later propagation.setGlobalPropagator() would be
  // refused by @opentelemetry/api as a duplicate registration.
  provider.register({
    propagator: new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new LamportPropagator()],
    }),
  });
  registerInstrumentations({ instrumentations: [new HttpInstrumentation(), new UndiciInstrumentation()] });
  const undoOutgoing = instrumentOutgoing();
  return {
    async shutdown() {
      undoOutgoing();
      await provider.shutdown();
    },
  };
}
