import {
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import {
  beginOutgoing,
  CLOCK_HEADER,
  claimPendingOutgoing,
  type LamportClock,
  receiveRequest,
  registerCarrierReader,
  type WallClock,
} from '@tickline/clock';
import { setIncomingExchange } from './context.js';
import { readSpanLink, writeSpanLink } from './outgoing-links.js';

const PROPAGATOR_LAYER = '@tickline/otel';

/** Options of {@link LamportPropagator}. */
export interface LamportPropagatorOptions {
  /** Clock to stamp messages with. Default: the process clock (`getProcessClock()` of @tickline/clock). */
  clock?: LamportClock;
  /**
   * Decides per incoming carrier whether its sender's clock may be merged. A refused header is
   * ignored (a plain receive tick) and recorded as `lamport.rejected`. Default: trust every sender.
   */
  trust?: (carrier: object) => boolean;
  /** Overrides the clock's `maxForwardJump` for incoming headers. Default: the clock's own. */
  maxForwardJump?: number;
  /** Wall-time source for event times. Default: the system clock. */
  wallClock?: WallClock;
}

/**
 * An OpenTelemetry `TextMapPropagator` that carries the Lamport clock in the `lamport-clock`
 * header (docs/design.md §3). `inject` is a send: it ticks the clock once per message and writes
 * the header. `extract` is a receive: it merges the header (Lamport 1978, IR2) and puts the
 * exchange in the returned context, where {@link LamportSpanProcessor} finds it.
 *
 * It coordinates with @tickline/express, @tickline/fastify and @tickline/node through the
 * exchange state of @tickline/clock, so a message is ticked or merged once whichever layer sees
 * it first. It never throws: on any failure the context or carrier is left as it was.
 */
export class LamportPropagator implements TextMapPropagator {
  private readonly options: LamportPropagatorOptions;

  /** The receive options for a trusted sender, made once (extract runs for every request). */
  private readonly trustedReceive: {
    clock: LamportClock | undefined;
    wallClock: WallClock | undefined;
    trusted: boolean;
    maxForwardJump: number | undefined;
  };

  constructor(options: LamportPropagatorOptions = {}) {
    this.options = options;
    // extract remembers each receive on its carrier for the middlewares that run after it.
    registerCarrierReader();
    this.trustedReceive = {
      clock: options.clock,
      wallClock: options.wallClock,
      trusted: true,
      maxForwardJump: options.maxForwardJump,
    };
  }

  /**
   * Stamps the send of an outgoing message. When an outgoing hook of @tickline/node already
   * stamped this message in the current synchronous turn, the header is on the request already:
   * nothing is written and the span in `context` is linked to that send.
   */
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    try {
      if (carrier === null || typeof carrier !== 'object' || isTracingSuppressed(context)) return;
      const span = trace.getSpan(context);
      // Adopt a send an outgoing hook stamped for this request, never our own for an earlier one.
      let exchange = claimPendingOutgoing({ skipLayer: PROPAGATOR_LAYER });
      if (exchange === undefined) {
        exchange = beginOutgoing({
          clock: this.options.clock,
          wallClock: this.options.wallClock,
          layer: PROPAGATOR_LAYER,
        });
        setter.set(carrier, CLOCK_HEADER, exchange.header);
      }
      if (span !== undefined) {
        // A span's start is its first send; a retry through the same span is a later send.
        const link = readSpanLink(span);
        if (link === undefined) writeSpanLink(span, { outgoing: exchange });
        else link.outgoing ??= exchange;
      }
    } catch {
      // A propagator must never break the request (docs/design.md §7).
    }
  }

  /**
   * Stamps the receive of an incoming message and returns `context` with the exchange set. The
   * carrier object identifies the message: for HTTP it is node's `request.headers`, the same
   * object the express and fastify middleware use, so they find this receive instead of merging
   * again. A missing or rejected header still is a receive event (a plain tick).
   */
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    try {
      if (carrier === null || typeof carrier !== 'object') return context;
      const options =
        this.options.trust === undefined || this.trusts(carrier)
          ? this.trustedReceive
          : { ...this.trustedReceive, trusted: false };
      const exchange = receiveRequest(carrier, getter.get(carrier, CLOCK_HEADER), options);
      return setIncomingExchange(context, exchange);
    } catch {
      return context;
    }
  }

  private trusts(carrier: object): boolean {
    const { trust } = this.options;
    if (trust === undefined) return true;
    try {
      return trust(carrier) === true;
    } catch {
      return false;
    }
  }

  /** The one header this propagator reads and writes: `lamport-clock`. */
  fields(): string[] {
    return [CLOCK_HEADER];
  }
}
