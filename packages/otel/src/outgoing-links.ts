import type { EventStamp, IncomingExchange, OutgoingExchange } from '@tickline/clock';
import { type PrivateSlot, privateSlot } from './private-slot.js';

/** What Tickline remembers about one span between its start and its end. */
export interface SpanLink {
  /** The receive a SERVER or CONSUMER span started with. */
  incoming?: IncomingExchange;
  /** The send `inject` stamped for a CLIENT or PRODUCER span (its first, if several). */
  outgoing?: OutgoingExchange;
  /** A local start stamped for a CLIENT or PRODUCER span no send was linked to. */
  localStart?: EventStamp;
}

const SPAN_LINK_KEY = Symbol.for('@tickline/otel/span-link@1');
const CLAIMED_KEY = Symbol.for('@tickline/otel/claimed-exchange@1');

/**
 * Span → what Tickline knows about it. Written by the propagator (`inject`) and the span
 * processor, read by the processor and the response hook; process-wide, so that separately
 * constructed propagators, processors and duplicate package copies agree.
 */
export function spanLinks(): PrivateSlot<SpanLink> {
  return privateSlot<SpanLink>(SPAN_LINK_KEY);
}

/** Incoming exchange → true once a SERVER or CONSUMER span took it as its start (its children inherit the context). */
export function claimedExchanges(): PrivateSlot<true> {
  return privateSlot<true>(CLAIMED_KEY);
}

/** The outgoing exchange `LamportPropagator.inject` linked to this span, if any. */
export function getOutgoingExchange(span: object): OutgoingExchange | undefined {
  return spanLinks().read(span)?.outgoing;
}
