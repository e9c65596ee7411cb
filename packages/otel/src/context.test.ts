import {
  type Context,
  createContextKey,
  defaultTextMapGetter,
  propagation,
  ROOT_CONTEXT,
  trace,
} from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { LamportClock } from '@tickline/clock';
import { describe, expect, it } from 'vitest';
import { getIncomingExchange } from './context.js';
import { LamportPropagator } from './propagator.js';

const EXCHANGE_KEY = createContextKey('@tickline/otel/incoming-exchange');
const keys = [
  createContextKey('test/a'),
  createContextKey('test/b'),
  createContextKey('test/c'),
  EXCHANGE_KEY,
];

/** A Context that is not the api's own class (another implementation, e.g. a test double of a user). */
class MapContext implements Context {
  constructor(private readonly values: ReadonlyMap<symbol, unknown> = new Map()) {}
  getValue(key: symbol): unknown {
    return this.values.get(key);
  }
  setValue(key: symbol, value: unknown): Context {
    return new MapContext(new Map(this.values).set(key, value));
  }
  deleteValue(key: symbol): Context {
    const values = new Map(this.values);
    values.delete(key);
    return new MapContext(values);
  }
}

/** A small deterministic generator, so a failure is reproducible. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

function extractInto(parent: Context): Context {
  const propagator = new LamportPropagator({ clock: new LamportClock({ node: 'billing/1' }) });
  return propagator.extract(parent, { 'lamport-clock': '7;node="orders/1"' }, defaultTextMapGetter);
}

describe('the context extract returns', () => {
  for (const [name, makeRoot] of [
    ['the api context', () => ROOT_CONTEXT],
    ['another Context implementation', () => new MapContext()],
  ] as const) {
    it(`behaves as setValue would, over random derivations (${name})`, () => {
      const next = random(20_261_122);
      for (let trial = 0; trial < 200; trial++) {
        // The parent holds some values, the exchange key among them sometimes (shadowed by extract).
        let parent: Context = makeRoot();
        for (const key of keys) if (next() < 0.5) parent = parent.setValue(key, `parent ${key.description}`);
        const extracted = extractInto(parent);
        const exchange = getIncomingExchange(extracted);
        expect(exchange?.receive.remote).toEqual({ clock: 7, node: 'orders/1' });
        // The reference: what context.setValue gives.
        let expected: Context = parent.setValue(EXCHANGE_KEY, exchange);
        let actual = extracted;
        for (let step = 0; step < 6; step++) {
          for (const key of keys) expect(actual.getValue(key)).toBe(expected.getValue(key));
          const key = keys[Math.floor(next() * keys.length)] as symbol;
          if (next() < 0.7) {
            const value = { step };
            expected = expected.setValue(key, value);
            actual = actual.setValue(key, value);
          } else {
            expected = expected.deleteValue(key);
            actual = actual.deleteValue(key);
          }
        }
        for (const key of keys) expect(actual.getValue(key)).toBe(expected.getValue(key));
        // Deriving never changes the context derived from.
        expect(getIncomingExchange(extracted)).toBe(exchange);
        for (const key of keys)
          if (key !== EXCHANGE_KEY) expect(extracted.getValue(key)).toBe(parent.getValue(key));
      }
    });
  }

  it('derives correctly from a context extracted twice (one extract on the result of another)', () => {
    const key = keys[0] as symbol;
    const first = extractInto(ROOT_CONTEXT.setValue(key, 'kept'));
    const second = new LamportPropagator({ clock: new LamportClock({ node: 'billing/2' }) }).extract(
      first,
      { 'lamport-clock': '9;node="orders/2"' },
      defaultTextMapGetter,
    );
    const derived = second.setValue(keys[1] as symbol, 'added');
    expect(getIncomingExchange(derived)?.receive.remote).toEqual({ clock: 9, node: 'orders/2' });
    expect(derived.getValue(key)).toBe('kept');
    expect(derived.getValue(keys[1] as symbol)).toBe('added');
    expect(getIncomingExchange(derived.deleteValue(EXCHANGE_KEY))).toBeUndefined();
    expect(getIncomingExchange(first)?.receive.remote).toEqual({ clock: 7, node: 'orders/1' });
  });

  it('keeps what the other propagators of a composite put in the context', () => {
    const propagator = new CompositePropagator({
      propagators: [
        new W3CTraceContextPropagator(),
        new LamportPropagator({ clock: new LamportClock({ node: 'billing/1' }) }),
        new W3CBaggagePropagator(),
      ],
    });
    const extracted = propagator.extract(
      ROOT_CONTEXT,
      {
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        baggage: 'tenant=acme',
        'lamport-clock': '7;node="orders/1"',
      },
      defaultTextMapGetter,
    );
    expect(trace.getSpanContext(extracted)?.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(propagation.getBaggage(extracted)?.getEntry('tenant')?.value).toBe('acme');
    expect(getIncomingExchange(extracted)?.receive.clock).toBe(8);
    // A SERVER span's context, as instrumentation-http makes it, still has all three.
    const span = trace.wrapSpanContext({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: '00f067aa0ba902b7',
      traceFlags: 1,
    });
    const serverContext = trace.setSpan(extracted, span);
    expect(trace.getSpan(serverContext)).toBe(span);
    expect(propagation.getBaggage(serverContext)?.getEntry('tenant')?.value).toBe('acme');
    expect(getIncomingExchange(serverContext)).toBe(getIncomingExchange(extracted));
    expect(trace.getSpan(extracted)?.spanContext().spanId).toBe('b7ad6b7169203331');
  });
});
