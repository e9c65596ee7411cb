import type { EventStamp, IncomingExchange, OutgoingExchange } from '@tickline/clock';
import { type SlotFallback, slotFallback, storeInFallback } from './private-slot.js';

/** What Tickline remembers about one span between its start and its end. */
export interface SpanLink {
  /** The receive a SERVER or CONSUMER span started with. */
  incoming?: IncomingExchange;
  /** The send `inject` stamped for a CLIENT or PRODUCER span (its first, if several). */
  outgoing?: OutgoingExchange;
  /** A local start stamped for a CLIENT or PRODUCER span no send was linked to. */
  localStart?: EventStamp;
}

// Span → what Tickline knows about it, written by the propagator (`inject`) and the span
// processor, read by the processor and the response hook; under Symbol.for keys, so that separately
// constructed propagators, processors and duplicate package copies agree (see private-slot.ts).
const SPAN_LINK_KEY = Symbol.for('@tickline/otel/span-link@1');
const linkFallback: SlotFallback<SpanLink> = slotFallback(Symbol.for('@tickline/otel/span-link@1/fallback'));

// Incoming exchange → true once a SERVER or CONSUMER span took it as its start (its children
// inherit the context and must not take it again).
const CLAIMED_KEY = Symbol.for('@tickline/otel/claimed-exchange@1');
const claimFallback: SlotFallback<true> = slotFallback(
  Symbol.for('@tickline/otel/claimed-exchange@1/fallback'),
);

type Slots<T> = { [key: symbol]: T | undefined };

/** What Tickline remembers about `span`, if anything. */
export function readSpanLink(span: object): SpanLink | undefined {
  const link = (span as Slots<SpanLink>)[SPAN_LINK_KEY];
  return link !== undefined || !linkFallback.used ? link : linkFallback.values.get(span);
}

/** Remembers `link` for `span`; `undefined` forgets it (what it referenced can then be collected). */
export function writeSpanLink(span: object, link: SpanLink | undefined): void {
  try {
    (span as Slots<SpanLink>)[SPAN_LINK_KEY] = link;
  } catch {
    // Frozen or non-extensible (modules are strict mode, so the store throws).
    storeInFallback(linkFallback, span, link);
  }
}

/** Forgets what Tickline remembered about `span`. */
export function clearSpanLink(span: object): void {
  if ((span as Slots<SpanLink>)[SPAN_LINK_KEY] !== undefined) writeSpanLink(span, undefined);
  else if (linkFallback.used) linkFallback.values.delete(span);
}

/** Marks `exchange` as the start of a SERVER or CONSUMER span; false if a span took it already. */
export function claimExchange(exchange: object): boolean {
  const claimed = (exchange as Slots<true>)[CLAIMED_KEY];
  if (claimed === true || (claimFallback.used && claimFallback.values.has(exchange))) return false;
  try {
    (exchange as Slots<true>)[CLAIMED_KEY] = true;
  } catch {
    storeInFallback(claimFallback, exchange, true);
  }
  return true;
}

/** The outgoing exchange `LamportPropagator.inject` linked to this span, if any. */
export function getOutgoingExchange(span: object): OutgoingExchange | undefined {
  return readSpanLink(span)?.outgoing;
}
