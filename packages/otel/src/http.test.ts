import { once } from 'node:events';
import type * as Http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { LamportClock, setProcessClock } from '@tickline/clock';
import { afterAll, expect, it } from 'vitest';
import { type ContractSpan, clientServerPairs, contractViolations } from './__tests__/contract.js';
import { LamportPropagator } from './propagator.js';
import { lamportResponseHook } from './response-hook.js';
import { LamportSpanProcessor } from './span-processor.js';

// OpenTelemetry only: propagator + processor + response hook, no Tickline middleware or hooks.
setProcessClock(new LamportClock({ node: 'solo/1' }));
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({
  spanProcessors: [new LamportSpanProcessor(), new SimpleSpanProcessor(exporter)],
});
provider.register({
  propagator: new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new LamportPropagator()],
  }),
});
const responseHook = lamportResponseHook();
const unregister = registerInstrumentations({
  instrumentations: [new HttpInstrumentation({ responseHook }), new UndiciInstrumentation({ responseHook })],
});
// Required after the instrumentation is registered, so that its require hook patches node:http.
const http = createRequire(import.meta.url)('node:http') as typeof Http;

afterAll(async () => {
  unregister();
  await provider.shutdown();
});

async function listen(handler: Http.RequestListener): Promise<{ url: string; server: Http.Server }> {
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function get(url: string): Promise<{ headers: Http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => resolve({ headers: response.headers, body }));
      })
      .on('error', reject);
  });
}

const toContract = (span: ReadableSpan): ContractSpan => ({
  traceId: span.spanContext().traceId,
  spanId: span.spanContext().spanId,
  parentSpanId: span.parentSpanContext?.spanId,
  kind: span.kind,
  name: span.name,
  service: 'solo',
  startUs: span.startTime[0] * 1_000_000 + Math.round(span.startTime[1] / 1000),
  endUs: span.endTime[0] * 1_000_000 + Math.round(span.endTime[1] / 1000),
  attributes: span.attributes as ContractSpan['attributes'],
});

it('node:http and fetch with only the OpenTelemetry instrumentation carry the clock both ways', async () => {
  const backend = await listen((request, response) => {
    if (request.url === '/stream') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('first ');
      setTimeout(() => response.end('last'), 60);
    } else response.end('plain');
  });
  const front = await listen(async (_request, response) => {
    const [plain, streamed] = await Promise.all([
      get(`${backend.url}/plain`),
      fetch(`${backend.url}/stream`).then((reply) => reply.text()),
    ]);
    response.end(`${plain.body}+${streamed}`);
  });
  try {
    const reply = await get(front.url);
    expect(reply.body).toBe('plain+first last');
    const wire = reply.headers['lamport-clock'];
    expect(wire).toMatch(/^\d+;node="solo\/1"$/);

    // SERVER spans end on the response's 'close': give them a moment to be exported.
    await expect.poll(() => exporter.getFinishedSpans().length, { timeout: 10_000 }).toBe(6);
    const spans = exporter.getFinishedSpans();
    const contract = spans.map(toContract);
    expect(contractViolations(contract)).toEqual([]);
    expect(clientServerPairs(contract)).toBe(3);

    const frontServer = spans.find(
      (span) =>
        span.kind === 1 &&
        span.parentSpanContext?.spanId ===
          spans.find((s) => s.kind === 2 && !s.parentSpanContext)?.spanContext().spanId,
    )!;
    expect(`${frontServer.attributes['lamport.end']};node="solo/1"`).toBe(wire);

    const streamServer = spans.find(
      (span) => span.kind === 1 && String(span.attributes['url.path']) === '/stream',
    )!;
    const endUs = toContract(streamServer).endUs;
    expect(endUs - Number(streamServer.attributes['lamport.end.time_us'])).toBeGreaterThan(40_000);
  } finally {
    front.server.close();
    backend.server.close();
  }
});
