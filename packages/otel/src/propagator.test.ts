import {
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
  trace,
} from '@opentelemetry/api';
import {
  CompositePropagator,
  suppressTracing,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { beginOutgoing, LamportClock } from '@tickline/clock';
import { expect, it } from 'vitest';
import { getIncomingExchange, getReceivedClock } from './context.js';
import { getOutgoingExchange } from './outgoing-links.js';
import { LamportPropagator } from './propagator.js';

it('inject ticks once per message and writes the lamport-clock header', () => {
  const clock = new LamportClock({ node: 'orders/1' });
  const propagator = new LamportPropagator({ clock });
  const carrier: Record<string, string> = {};
  propagator.inject(ROOT_CONTEXT, carrier, defaultTextMapSetter);
  expect(carrier['lamport-clock']).toBe('1;node="orders/1"');
  expect(clock.read()).toBe(1);
});

it('extract merges the header once per carrier and puts the sender in the context', () => {
  const clock = new LamportClock({ node: 'billing/1', initial: 3 });
  const propagator = new LamportPropagator({ clock });
  const headers = { 'lamport-clock': '41;node="orders/1"' };
  const extracted = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  expect(clock.read()).toBe(42);
  expect(getReceivedClock(extracted)).toEqual({ clock: 41, node: 'orders/1' });
  expect(getIncomingExchange(extracted)?.receive.clock).toBe(42);
  // The same carrier again (another layer seeing the same request) is the same receive.
  const again = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  expect(clock.read()).toBe(42);
  expect(getIncomingExchange(again)).toBe(getIncomingExchange(extracted));
});

it('extract records a bad or refused header as rejected and still stamps a receive', () => {
  const clock = new LamportClock({ node: 'billing/1', maxForwardJump: 100 });
  const propagator = new LamportPropagator({ clock, trust: (carrier) => !('x-outside' in carrier) });
  const malformed = propagator.extract(ROOT_CONTEXT, { 'lamport-clock': 'twelve' }, defaultTextMapGetter);
  expect(getReceivedClock(malformed)).toBeUndefined();
  expect(getIncomingExchange(malformed)?.receive.rejected).toMatch(/./);
  const tooFar = propagator.extract(ROOT_CONTEXT, { 'lamport-clock': '999999' }, defaultTextMapGetter);
  expect(getIncomingExchange(tooFar)?.receive.rejected).toMatch(/maxForwardJump/);
  const outside = propagator.extract(
    ROOT_CONTEXT,
    { 'lamport-clock': '5', 'x-outside': '1' },
    defaultTextMapGetter,
  );
  expect(getIncomingExchange(outside)?.receive.rejected).toBe('untrusted sender');
  expect(clock.read()).toBe(3);
});

it('never throws, whatever the carrier, getter, setter or trust hook do', () => {
  const propagator = new LamportPropagator({
    clock: new LamportClock({ node: 'n' }),
    trust: () => {
      throw new Error('boom');
    },
  });
  const throwingGetter = {
    keys: () => [],
    get: () => {
      throw new Error('boom');
    },
  };
  const throwingSetter = {
    set: () => {
      throw new Error('boom');
    },
  };
  for (const carrier of [undefined, null, 'text', 42, {}, Object.freeze({})]) {
    expect(propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter)).toBeDefined();
    expect(propagator.extract(ROOT_CONTEXT, carrier, throwingGetter)).toBe(ROOT_CONTEXT);
    expect(() => propagator.inject(ROOT_CONTEXT, carrier, defaultTextMapSetter)).not.toThrow();
    expect(() => propagator.inject(ROOT_CONTEXT, carrier, throwingSetter)).not.toThrow();
  }
  const refused = propagator.extract(ROOT_CONTEXT, { 'lamport-clock': '5' }, defaultTextMapGetter);
  expect(getIncomingExchange(refused)?.receive.rejected).toBe('untrusted sender');
});

it('works inside a CompositePropagator next to W3C trace context and baggage', () => {
  const clock = new LamportClock({ node: 'orders/1' });
  const composite = new CompositePropagator({
    propagators: [
      new W3CTraceContextPropagator(),
      new LamportPropagator({ clock }),
      new W3CBaggagePropagator(),
    ],
  });
  expect(composite.fields()).toEqual(expect.arrayContaining(['traceparent', 'lamport-clock', 'baggage']));
  const span = new BasicTracerProvider().getTracer('test').startSpan('call');
  const carrier: Record<string, string> = {};
  const withBaggage = propagation.setBaggage(
    trace.setSpan(ROOT_CONTEXT, span),
    propagation.createBaggage({ tenant: { value: 'acme' } }),
  );
  composite.inject(withBaggage, carrier, defaultTextMapSetter);
  expect(carrier.traceparent).toMatch(/^00-/);
  expect(carrier.baggage).toBe('tenant=acme');
  expect(carrier['lamport-clock']).toBe('1;node="orders/1"');
  expect(getOutgoingExchange(span)?.send.clock).toBe(1);

  const serverClock = new LamportClock({ node: 'billing/1' });
  const serverSide = new CompositePropagator({
    propagators: [
      new W3CTraceContextPropagator(),
      new LamportPropagator({ clock: serverClock }),
      new W3CBaggagePropagator(),
    ],
  });
  const extracted = serverSide.extract(ROOT_CONTEXT, { ...carrier }, defaultTextMapGetter);
  expect(trace.getSpanContext(extracted)?.traceId).toBe(span.spanContext().traceId);
  expect(propagation.getBaggage(extracted)?.getEntry('tenant')?.value).toBe('acme');
  expect(getReceivedClock(extracted)).toEqual({ clock: 1, node: 'orders/1' });
  expect(serverClock.read()).toBe(2);
});

it('adopts a send another layer stamped in the same turn instead of ticking again', () => {
  const clock = new LamportClock({ node: 'orders/1' });
  const propagator = new LamportPropagator({ clock });
  const hookSend = beginOutgoing({ clock });
  const span = new BasicTracerProvider().getTracer('test').startSpan('call');
  const carrier: Record<string, string> = {};
  propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
  expect(carrier).toEqual({});
  expect(clock.read()).toBe(1);
  expect(getOutgoingExchange(span)).toBe(hookSend);
});

it('does not stamp requests made with tracing suppressed (e.g. the exporter)', () => {
  const clock = new LamportClock({ node: 'orders/1' });
  const carrier: Record<string, string> = {};
  new LamportPropagator({ clock }).inject(suppressTracing(ROOT_CONTEXT), carrier, defaultTextMapSetter);
  expect(carrier).toEqual({});
  expect(clock.read()).toBe(0);
});

it('is found through the global propagation API', () => {
  const clock = new LamportClock({ node: 'orders/1' });
  propagation.setGlobalPropagator(new LamportPropagator({ clock }));
  try {
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    expect(carrier['lamport-clock']).toBe('1;node="orders/1"');
  } finally {
    propagation.disable();
  }
});

it('two requests injected in the same turn get a send each', () => {
  const clock = new LamportClock({ node: 'orders/1' });
  const propagator = new LamportPropagator({ clock });
  const tracer = new BasicTracerProvider().getTracer('test');
  const first = tracer.startSpan('first');
  const second = tracer.startSpan('second');
  const firstCarrier: Record<string, string> = {};
  const secondCarrier: Record<string, string> = {};
  propagator.inject(trace.setSpan(ROOT_CONTEXT, first), firstCarrier, defaultTextMapSetter);
  propagator.inject(trace.setSpan(ROOT_CONTEXT, second), secondCarrier, defaultTextMapSetter);
  expect(firstCarrier['lamport-clock']).toBe('1;node="orders/1"');
  expect(secondCarrier['lamport-clock']).toBe('2;node="orders/1"');
  expect(getOutgoingExchange(second)?.send.clock).toBe(2);
});
