import { type Context, createContextKey } from '@opentelemetry/api';
import type { ClockStamp, IncomingExchange } from '@tickline/clock';

// createContextKey returns Symbol.for(description): duplicate copies of this package agree on it.
const INCOMING_EXCHANGE_KEY = createContextKey('@tickline/otel/incoming-exchange');

/** The context with the incoming exchange that {@link LamportPropagator.extract} stamped. */
export function setIncomingExchange(context: Context, exchange: IncomingExchange): Context {
  return context.setValue(INCOMING_EXCHANGE_KEY, exchange);
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
