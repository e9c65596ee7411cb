import {
  type Attributes,
  type AttributeValue,
  type Context,
  type HrTime,
  SpanKind,
} from '@opentelemetry/api';
import {
  type EventStamp,
  getProcessClock,
  type LamportClock,
  nowMicros,
  type ReceiveStamp,
  registerCarrierReader,
  type WallClock,
} from '@tickline/clock';
import {
  ATTR_LAMPORT_END,
  ATTR_LAMPORT_END_TIME_US,
  ATTR_LAMPORT_NODE,
  ATTR_LAMPORT_RECV_CLOCK,
  ATTR_LAMPORT_RECV_NODE,
  ATTR_LAMPORT_REJECTED,
  ATTR_LAMPORT_START,
  ATTR_LAMPORT_START_TIME_US,
} from './attributes.js';
import { getIncomingExchange } from './context.js';
import { claimExchange, clearSpanLink, readSpanLink, writeSpanLink } from './outgoing-links.js';

/**
 * The part of an SDK span (`Span` of @opentelemetry/sdk-trace-base) the processor uses, declared
 * here so that the package needs no dependency on a particular SDK copy.
 */
export interface StampableSpan {
  /** The span kind. */
  readonly kind: SpanKind;
  /** Start time, set before the processor's `onStart`. */
  readonly startTime: HrTime;
  /** End time, set before the processor's `onEnding`. */
  readonly endTime: HrTime;
  /** The span's attributes. */
  readonly attributes: Attributes;
  /** True once the span has ended. */
  readonly ended: boolean;
  /** Writes one attribute; ignored once the span has ended. */
  setAttribute(key: string, value: AttributeValue): unknown;
}

/** Options of {@link LamportSpanProcessor}. */
export interface LamportSpanProcessorOptions {
  /** Clock for the local events of spans. Default: the process clock (`getProcessClock()`). */
  clock?: LamportClock;
  /** Wall-time source for event times. Default: the system clock. */
  wallClock?: WallClock;
}

const hrTimeToMicros = (time: HrTime): number => time[0] * 1_000_000 + Math.round(time[1] / 1000);

/** The bookkeeping of an SDK 2.x span (`SpanImpl`) that `setAttribute` does. */
interface SpanBookkeeping {
  _attributesCount?: unknown;
  _spanLimits?: { attributeCountLimit?: number; attributeValueLengthLimit?: number };
}

/**
 * The span's attributes object, to write `added` new `lamport.*` attributes into directly, when
 * that is what `setAttribute` would do: an SDK span whose attribute count is kept in
 * `_attributesCount` (sdk-trace 2.x), not ended, with room under `attributeCountLimit` and no
 * `attributeValueLengthLimit` that could shorten a value. Its count is advanced by `added`.
 * Undefined otherwise (the caller uses `setAttribute`).
 *
 * Why: `setAttribute` stores with a key held in a variable, a megamorphic keyed store (plus a
 * `hasOwnProperty`) per attribute; the processor's own stores name the key in the source and
 * take V8's named-store path. The `lamport.*` writes were ~30% of the processor's
 * instructions per request (bench/otel/pipeline.bench.mjs --instructions).
 */
function directAttributes(span: StampableSpan, added: number): Record<string, AttributeValue> | undefined {
  const bookkeeping = span as unknown as SpanBookkeeping;
  const count = bookkeeping._attributesCount;
  const limits = bookkeeping._spanLimits;
  if (typeof count !== 'number' || limits === undefined || span.ended) return undefined;
  const countLimit = limits.attributeCountLimit;
  if (countLimit !== undefined && count + added > countLimit) return undefined;
  const lengthLimit = limits.attributeValueLengthLimit;
  if (lengthLimit !== undefined && lengthLimit !== Number.POSITIVE_INFINITY) return undefined;
  bookkeeping._attributesCount = count + added;
  return span.attributes as Record<string, AttributeValue>;
}

/**
 * A `SpanProcessor` that stamps every span with its two Lamport events (docs/design.md §4):
 * `lamport.node`, `lamport.start`, `lamport.end`, `lamport.recv.node`, `lamport.recv.clock`,
 * `lamport.rejected`, and `lamport.start.time_us` / `lamport.end.time_us` whenever an event's
 * wall time differs from the span's own start or end time.
 *
 * Events follow the span kind. SERVER: start = the receive {@link LamportPropagator.extract}
 * stamped, end = the reply a middleware (or {@link lamportResponseHook}) stamped when writing the
 * response headers. CLIENT: start = the send {@link LamportPropagator.inject} stamped, end = the
 * receive of the response merged by @tickline/node (or the response hook). PRODUCER: send, then
 * local. CONSUMER: receive, then local. INTERNAL: local, local. Where no message event exists, a
 * local tick stands in, so every event on a node has its own clock value.
 *
 * Put it before the exporting processor in `spanProcessors`. Needs `onEnding`
 * (sdk-trace-base >= 2.3), the last moment a span can be written.
 */
export class LamportSpanProcessor {
  private readonly options: LamportSpanProcessorOptions;

  constructor(options: LamportSpanProcessorOptions = {}) {
    this.options = options;
    registerCarrierReader();
  }

  /** Stamps the start of SERVER, CONSUMER and INTERNAL spans. */
  onStart(span: StampableSpan, parentContext: Context): void {
    try {
      switch (span.kind) {
        case SpanKind.SERVER:
        case SpanKind.CONSUMER: {
          const incoming = getIncomingExchange(parentContext);
          // The first SERVER or CONSUMER span started from the context takes the receive; spans
          // nested under it inherit the context and get a local start.
          if (incoming !== undefined && claimExchange(incoming)) {
            writeSpanLink(span, { incoming });
            this.writeStart(span, incoming.clock.node, incoming.receive);
            this.writeReceive(span, incoming.receive);
          } else this.writeStart(span, this.clock().node, this.localEvent());
          break;
        }
        case SpanKind.CLIENT:
        case SpanKind.PRODUCER:
          // The send is stamped by inject, right after the span starts and in the same turn.
          // A span nothing was injected for by then gets a local start instead.
          queueMicrotask(() => this.stampLocalStartIfNoSend(span));
          break;
        default:
          this.writeStart(span, this.clock().node, this.localEvent());
      }
    } catch {
      // Never break the traced code.
    }
  }

  /** Set once the SDK called {@link onEnding}: it always does, and then `onEnd` has nothing to do. */
  private sdkCallsOnEnding = false;

  /** Stamps the end event (and the start of CLIENT and PRODUCER spans): the last writable moment. */
  onEnding(span: StampableSpan): void {
    this.sdkCallsOnEnding = true;
    this.stampEnd(span, span);
  }

  /**
   * On SDKs without `onEnding` (sdk-trace-base < 2.3) the span is read-only by now, but its
   * attributes object is still the one the exporting processors (registered after this one) read:
   * the end is stamped into it directly.
   */
  onEnd(span: Omit<StampableSpan, 'setAttribute' | 'ended'>): void {
    try {
      // (With onEnding, an end attribute the span's attribute limit dropped stays dropped.)
      if (this.sdkCallsOnEnding) return;
      const attributes = span.attributes as Record<string, AttributeValue>;
      if (attributes[ATTR_LAMPORT_END] !== undefined) return;
      const writable: StampableSpan = {
        kind: span.kind,
        startTime: span.startTime,
        endTime: span.endTime,
        attributes,
        ended: true,
        setAttribute: (key, value) => {
          attributes[key] = value;
        },
      };
      this.stampEnd(writable, span);
    } catch {
      // Never break the traced code.
    }
  }

  /** Writes the end attributes to `span`; `key` is the span object its links were stored on. */
  private stampEnd(span: StampableSpan, key: object): void {
    try {
      switch (span.kind) {
        case SpanKind.SERVER:
        case SpanKind.CONSUMER: {
          const incoming = readSpanLink(key)?.incoming;
          const reply = span.kind === SpanKind.SERVER ? incoming?.reply : undefined;
          this.writeEnd(span, reply ?? this.localEvent());
          break;
        }
        case SpanKind.CLIENT:
        case SpanKind.PRODUCER: {
          const link = readSpanLink(key);
          const outgoing = link?.outgoing;
          if (outgoing !== undefined) {
            this.writeStart(span, outgoing.clock.node, outgoing.send);
            const response = span.kind === SpanKind.CLIENT ? outgoing.response : undefined;
            if (response !== undefined) {
              this.writeEnd(span, response);
              this.writeReceive(span, response);
            } else this.writeEnd(span, this.localEvent());
          } else {
            const start = link?.localStart ?? this.localEvent();
            this.writeStart(span, this.clock().node, start);
            this.writeEnd(span, this.localEvent());
          }
          break;
        }
        default:
          this.writeEnd(span, this.localEvent());
          return;
      }
      // The span is written: what it linked to (exchanges, stamps) must not live on with it while
      // it waits for export (bench/otel/pipeline.bench.mjs: ~300 bytes less retained per span).
      clearSpanLink(key);
    } catch {
      // Never break the traced code.
    }
  }

  /** Nothing is buffered. */
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  /** Nothing to release. */
  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  private clock(): LamportClock {
    return this.options.clock ?? getProcessClock();
  }

  private localEvent(): EventStamp {
    const clock = this.clock().tick();
    return { clock, timeUs: nowMicros(this.options.wallClock) };
  }

  private stampLocalStartIfNoSend(span: StampableSpan): void {
    try {
      if (span.ended) return;
      const link = readSpanLink(span);
      if (link === undefined) writeSpanLink(span, { localStart: this.localEvent() });
      else if (link.outgoing === undefined) link.localStart = this.localEvent();
    } catch {
      // Never break the traced code.
    }
  }

  private writeStart(span: StampableSpan, node: string, event: EventStamp): void {
    const timeUs = event.timeUs !== hrTimeToMicros(span.startTime) ? event.timeUs : undefined;
    const attributes = directAttributes(span, timeUs === undefined ? 2 : 3);
    if (attributes !== undefined) {
      attributes['lamport.node'] = node;
      attributes['lamport.start'] = event.clock;
      if (timeUs !== undefined) attributes['lamport.start.time_us'] = timeUs;
      return;
    }
    span.setAttribute(ATTR_LAMPORT_NODE, node);
    span.setAttribute(ATTR_LAMPORT_START, event.clock);
    if (timeUs !== undefined) span.setAttribute(ATTR_LAMPORT_START_TIME_US, timeUs);
  }

  private writeEnd(span: StampableSpan, event: EventStamp): void {
    const timeUs = event.timeUs !== hrTimeToMicros(span.endTime) ? event.timeUs : undefined;
    const attributes = directAttributes(span, timeUs === undefined ? 1 : 2);
    if (attributes !== undefined) {
      attributes['lamport.end'] = event.clock;
      if (timeUs !== undefined) attributes['lamport.end.time_us'] = timeUs;
      return;
    }
    span.setAttribute(ATTR_LAMPORT_END, event.clock);
    if (timeUs !== undefined) span.setAttribute(ATTR_LAMPORT_END_TIME_US, timeUs);
  }

  private writeReceive(span: StampableSpan, receive: ReceiveStamp): void {
    const remote = receive.remote;
    const rejected = receive.rejected;
    const count =
      (remote === undefined ? 0 : remote.node === undefined ? 1 : 2) + (rejected === undefined ? 0 : 1);
    if (count === 0) return;
    const attributes = directAttributes(span, count);
    if (attributes !== undefined) {
      if (remote !== undefined) {
        if (remote.node !== undefined) attributes['lamport.recv.node'] = remote.node;
        attributes['lamport.recv.clock'] = remote.clock;
      }
      if (rejected !== undefined) attributes['lamport.rejected'] = rejected;
      return;
    }
    if (remote !== undefined) {
      if (remote.node !== undefined) span.setAttribute(ATTR_LAMPORT_RECV_NODE, remote.node);
      span.setAttribute(ATTR_LAMPORT_RECV_CLOCK, remote.clock);
    }
    if (rejected !== undefined) span.setAttribute(ATTR_LAMPORT_REJECTED, rejected);
  }
}
