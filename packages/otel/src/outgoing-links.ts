import type { OutgoingExchange } from '@tickline/clock';

const LINKS_KEY = Symbol.for('@tickline/otel/outgoing-links@1');

/**
 * CLIENT or PRODUCER span → the outgoing exchange its send was stamped with. The propagator
 * writes it during `inject`, the span processor and the response hook read it. Process-wide
 * (through a `Symbol.for` key, like the clock's own exchange state) so that separately
 * constructed propagators, processors and duplicate package copies agree.
 */
export function outgoingLinks(): WeakMap<object, OutgoingExchange> {
  const holder = globalThis as { [LINKS_KEY]?: WeakMap<object, OutgoingExchange> };
  let links = holder[LINKS_KEY];
  if (links === undefined) {
    links = new WeakMap();
    holder[LINKS_KEY] = links;
  }
  return links;
}

/** The outgoing exchange linked to this span by `LamportPropagator.inject`, if any. */
export function getOutgoingExchange(span: object): OutgoingExchange | undefined {
  return outgoingLinks().get(span);
}
