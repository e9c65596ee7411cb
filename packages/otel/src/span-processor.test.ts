import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  trace,
} from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { LamportClock, receiveResponse, stampReply } from '@tickline/clock';
import { expect, it } from 'vitest';
import { getIncomingExchange } from './context.js';
import { getOutgoingExchange } from './outgoing-links.js';
import { LamportPropagator } from './propagator.js';
import { LamportSpanProcessor } from './span-processor.js';

function setup(node: string) {
  const clock = new LamportClock({ node });
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new LamportSpanProcessor({ clock }), new SimpleSpanProcessor(exporter)],
  });
  return {
    clock,
    exporter,
    tracer: provider.getTracer('test'),
    propagator: new LamportPropagator({ clock }),
  };
}

const attributes = (span: ReadableSpan) => span.attributes;
const micros = (time: [number, number]) => time[0] * 1_000_000 + Math.round(time[1] / 1000);

it('stamps an INTERNAL span with two local events', () => {
  const { clock, exporter, tracer } = setup('orders/1');
  tracer.startSpan('work').end();
  const [span] = exporter.getFinishedSpans();
  expect(attributes(span!)).toMatchObject({
    'lamport.node': 'orders/1',
    'lamport.start': 1,
    'lamport.end': 2,
  });
  expect(clock.read()).toBe(2);
});

it('a SERVER span starts with the extracted receive and ends with the reply the middleware stamped', async () => {
  const { clock, exporter, tracer, propagator } = setup('billing/1');
  const headers = { 'lamport-clock': '10;node="orders/1"' };
  const extracted = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  const span = tracer.startSpan('GET /', { kind: SpanKind.SERVER }, extracted);
  // A child INTERNAL span inherits the context but is not the receive.
  tracer.startSpan('handler', {}, trace.setSpan(extracted, span)).end();
  const exchange = getIncomingExchange(extracted)!;
  const replyHeader = stampReply(exchange);
  await new Promise((resolve) => setTimeout(resolve, 20));
  span.end();
  const server = exporter.getFinishedSpans().find((finished) => finished.kind === SpanKind.SERVER)!;
  expect(attributes(server)).toMatchObject({
    'lamport.node': 'billing/1',
    'lamport.start': 11,
    'lamport.recv.node': 'orders/1',
    'lamport.recv.clock': 10,
    'lamport.end': 14,
    'lamport.start.time_us': exchange.receive.timeUs,
    'lamport.end.time_us': exchange.reply!.timeUs,
  });
  expect(replyHeader).toBe('14;node="billing/1"');
  // The reply went out 20 ms before the span ended: its time is recorded.
  expect(micros(server.endTime) - exchange.reply!.timeUs).toBeGreaterThanOrEqual(10_000);
  const child = exporter.getFinishedSpans().find((finished) => finished.name === 'handler')!;
  expect(attributes(child)).toMatchObject({ 'lamport.start': 12, 'lamport.end': 13 });
  expect(attributes(child)['lamport.recv.clock']).toBeUndefined();
  expect(clock.read()).toBe(14);
});

it('a SERVER span without a reply stamp ends with a local event and keeps lamport.rejected', () => {
  const { exporter, tracer, propagator } = setup('billing/1');
  const extracted = propagator.extract(ROOT_CONTEXT, { 'lamport-clock': '1;node=bad' }, defaultTextMapGetter);
  tracer.startSpan('GET /', { kind: SpanKind.SERVER }, extracted).end();
  const [server] = exporter.getFinishedSpans();
  expect(attributes(server!)).toMatchObject({ 'lamport.start': 1, 'lamport.end': 2 });
  expect(attributes(server!)['lamport.rejected']).toMatch(/./);
  expect(attributes(server!)['lamport.recv.clock']).toBeUndefined();
});

it('a CLIENT span starts with the injected send and ends with the merged response', () => {
  const { clock, exporter, tracer, propagator } = setup('orders/1');
  const span = tracer.startSpan('GET', { kind: SpanKind.CLIENT });
  const headers: Record<string, string> = {};
  propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, defaultTextMapSetter);
  receiveResponse(getOutgoingExchange(span)!, '40;node="billing/1"');
  span.end();
  const [client] = exporter.getFinishedSpans();
  expect(headers['lamport-clock']).toBe('1;node="orders/1"');
  expect(attributes(client!)).toMatchObject({
    'lamport.node': 'orders/1',
    'lamport.start': 1,
    'lamport.end': 41,
    'lamport.recv.node': 'billing/1',
    'lamport.recv.clock': 40,
  });
  expect(clock.read()).toBe(41);
  // Once written, the span no longer holds its exchanges (they would wait for export with it).
  expect(getOutgoingExchange(span)).toBeUndefined();
  expect(Object.getOwnPropertySymbols(span).map((key) => (span as never)[key])).not.toContainEqual(
    expect.anything(),
  );
});

it('a CLIENT span nothing was injected for gets local events, stamped in order', async () => {
  const { exporter, tracer } = setup('orders/1');
  const span = tracer.startSpan('GET', { kind: SpanKind.CLIENT });
  await Promise.resolve();
  tracer.startSpan('meanwhile').end();
  span.end();
  const client = exporter.getFinishedSpans().find((finished) => finished.kind === SpanKind.CLIENT)!;
  expect(attributes(client)).toMatchObject({ 'lamport.start': 1, 'lamport.end': 4 });
});

it('PRODUCER and CONSUMER spans: send then local, receive then local', () => {
  const producer = setup('queue-writer/1');
  const message: Record<string, string> = {};
  const send = producer.tracer.startSpan('publish', { kind: SpanKind.PRODUCER });
  producer.propagator.inject(trace.setSpan(ROOT_CONTEXT, send), message, defaultTextMapSetter);
  send.end();
  expect(attributes(producer.exporter.getFinishedSpans()[0]!)).toMatchObject({
    'lamport.start': 1,
    'lamport.end': 2,
  });
  expect(message['lamport-clock']).toBe('1;node="queue-writer/1"');

  const consumer = setup('queue-reader/1');
  const extracted = consumer.propagator.extract(ROOT_CONTEXT, message, defaultTextMapGetter);
  consumer.tracer.startSpan('process', { kind: SpanKind.CONSUMER }, extracted).end();
  expect(attributes(consumer.exporter.getFinishedSpans()[0]!)).toMatchObject({
    'lamport.node': 'queue-reader/1',
    'lamport.start': 2,
    'lamport.recv.node': 'queue-writer/1',
    'lamport.recv.clock': 1,
    'lamport.end': 3,
  });
});

it('stamps the end in onEnd on SDKs without onEnding (sdk-trace-base < 2.3)', () => {
  const clock = new LamportClock({ node: 'old-sdk/1' });
  const lamport = new LamportSpanProcessor({ clock });
  const exporter = new InMemorySpanExporter();
  // What an SDK before 2.3 calls: onStart and onEnd only.
  const withoutOnEnding = {
    onStart: lamport.onStart.bind(lamport) as SpanProcessor['onStart'],
    onEnd: lamport.onEnd.bind(lamport) as SpanProcessor['onEnd'],
    forceFlush: () => lamport.forceFlush(),
    shutdown: () => lamport.shutdown(),
  };
  const tracer = new BasicTracerProvider({
    spanProcessors: [withoutOnEnding, new SimpleSpanProcessor(exporter)],
  }).getTracer('test');
  tracer.startSpan('work').end();
  expect(attributes(exporter.getFinishedSpans()[0]!)).toMatchObject({ 'lamport.start': 1, 'lamport.end': 2 });
});

it('a SERVER span started inside another SERVER span does not take its receive again', () => {
  const { exporter, tracer, propagator } = setup('billing/1');
  const extracted = propagator.extract(
    ROOT_CONTEXT,
    { 'lamport-clock': '3;node="orders/1"' },
    defaultTextMapGetter,
  );
  const outer = tracer.startSpan('outer', { kind: SpanKind.SERVER }, extracted);
  tracer.startSpan('inner', { kind: SpanKind.SERVER }, trace.setSpan(extracted, outer)).end();
  outer.end();
  const [inner, outerSpan] = exporter.getFinishedSpans();
  expect(attributes(outerSpan!)).toMatchObject({
    'lamport.start': 4,
    'lamport.recv.clock': 3,
    'lamport.end': 7,
  });
  expect(attributes(inner!)).toMatchObject({ 'lamport.start': 5, 'lamport.end': 6 });
  expect(attributes(inner!)['lamport.recv.clock']).toBeUndefined();
});

it('keeps the SDK attribute limits: count, dropped attributes and value length', () => {
  const clock = new LamportClock({ node: 'orders/with-a-long-node-id' });
  const exporter = new InMemorySpanExporter();
  // Events at the spans' own start and end times: no lamport.*.time_us attributes.
  const at = 1_700_000_000_000;
  const tracerWith = (spanLimits: { attributeCountLimit?: number; attributeValueLengthLimit?: number }) =>
    new BasicTracerProvider({
      spanLimits,
      spanProcessors: [
        new LamportSpanProcessor({ clock, wallClock: { now: () => at } }),
        new SimpleSpanProcessor(exporter),
      ],
    }).getTracer('test');

  // Room for ours: written, and counted, so that the limit still holds for what comes after.
  const roomy = tracerWith({ attributeCountLimit: 5 }).startSpan('a', {
    attributes: { one: 1, two: 2 },
    startTime: at,
  });
  roomy.setAttribute('three', 3); // 5 with lamport.node and lamport.start
  roomy.setAttribute('four', 4); // over the limit: dropped
  roomy.end(at); // lamport.end: over the limit, dropped as setAttribute drops it
  // No room: setAttribute's own rules apply (dropped and counted as dropped).
  tracerWith({ attributeCountLimit: 1 })
    .startSpan('b', { attributes: { one: 1 }, startTime: at })
    .end(at);
  // A value length limit: the values go through setAttribute, which shortens them.
  tracerWith({ attributeValueLengthLimit: 6 }).startSpan('c', { startTime: at }).end(at);

  const [a, b, c] = exporter.getFinishedSpans();
  expect(Object.keys(a!.attributes)).toEqual(['one', 'two', 'lamport.node', 'lamport.start', 'three']);
  expect(a!.droppedAttributesCount).toBe(2);
  expect(Object.keys(b!.attributes)).toEqual(['one']);
  expect(b!.droppedAttributesCount).toBe(3);
  expect(c!.attributes['lamport.node']).toBe('orders');
  expect(c!.attributes['lamport.start']).toBeTypeOf('number');
});
