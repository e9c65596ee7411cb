import { type Context, createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import type { ClockStamp, IncomingExchange } from '@tickline/clock';

// createContextKey returns Symbol.for(description): duplicate copies of this package agree on it.
const INCOMING_EXCHANGE_KEY = createContextKey('@tickline/otel/incoming-exchange');

/** What @opentelemetry/api's own `Context` class (`BaseContext`, not exported) is contextClass of. */
interface BaseContextLike extends Context {
  _currentContext: Map<symbol, unknown>;
}

/**
 * The api's `BaseContext` class, reached through `ROOT_CONTEXT`: its constructor copies the Map it
 * is given. Undefined when the api's context is not built that way (then contexts derive through
 * `setValue`, which is always correct, only slower).
 */
const BaseContext: (new (parent: Map<symbol, unknown>) => BaseContextLike) | undefined = (() => {
  const root = ROOT_CONTEXT as Partial<BaseContextLike>;
  const contextClass = root.constructor as
    | (new (
        parent: Map<symbol, unknown>,
      ) => BaseContextLike)
    | undefined;
  if (!(root._currentContext instanceof Map) || typeof contextClass !== 'function') return undefined;
  try {
    const probe = new contextClass(new Map([[INCOMING_EXCHANGE_KEY, true]]));
    return probe._currentContext instanceof Map && probe.getValue(INCOMING_EXCHANGE_KEY) === true
      ? contextClass
      : undefined;
  } catch {
    return undefined;
  }
})();

/**
 * The context `extract` returns: `parent` with the incoming exchange set. `context.setValue`
 * would copy the parent's Map and make three closures (~600 bytes, ~1.5k instructions a request
 * here); this holds the two references instead and answers `getValue` itself. Contexts derived
 * from it (`setValue`, `deleteValue`, e.g. the SERVER span's context that instrumentation-http
 * makes at once) are the api's own contexts again, contextClass with one copy of the parent's Map, as
 * deriving from a context `setValue` returned costs: nothing after it behaves differently, and
 * no chain of contexts builds up.
 */
class IncomingContext implements Context {
  private readonly parent: Context;
  private readonly exchange: IncomingExchange;

  constructor(parent: Context, exchange: IncomingExchange) {
    this.parent = parent;
    this.exchange = exchange;
  }

  getValue(key: symbol): unknown {
    return key === INCOMING_EXCHANGE_KEY ? this.exchange : this.parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    const derived = this.derive();
    if (derived === undefined)
      return this.parent.setValue(INCOMING_EXCHANGE_KEY, this.exchange).setValue(key, value);
    derived._currentContext.set(key, value);
    return derived;
  }

  deleteValue(key: symbol): Context {
    const derived = this.derive();
    if (derived === undefined)
      return this.parent.setValue(INCOMING_EXCHANGE_KEY, this.exchange).deleteValue(key);
    derived._currentContext.delete(key);
    return derived;
  }

  /** A new api context with the parent's values and the exchange, when the parent is an api context. */
  private derive(): BaseContextLike | undefined {
    const values = (this.parent as Partial<BaseContextLike>)._currentContext;
    if (BaseContext === undefined || !(values instanceof Map)) return undefined;
    const derived = new BaseContext(values);
    derived._currentContext.set(INCOMING_EXCHANGE_KEY, this.exchange);
    return derived;
  }
}

/** The context with the incoming exchange that {@link LamportPropagator.extract} stamped. */
export function setIncomingExchange(context: Context, exchange: IncomingExchange): Context {
  return new IncomingContext(context, exchange);
}

/**
 * The incoming exchange (receive event, and reply once stamped) that `LamportPropagator.extract`
 * put in this context, if any.
 */
export function getIncomingExchange(context: Context): IncomingExchange | undefined {
  return context.getValue(INCOMING_EXCHANGE_KEY) as IncomingExchange | undefined;
}

/**
 * The sender's clock and node from the `lamport-clock` header of the message this context was
 * extracted from, when the header was accepted; `undefined` when it was absent or rejected.
 */
export function getReceivedClock(context: Context): ClockStamp | undefined {
  return getIncomingExchange(context)?.receive.remote;
}
