import {
  CLOCK_HEADER,
  createRequestReceiver,
  type IncomingExchange,
  type ServerClockOptions,
  stampReply,
} from '@tickline/clock';
import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/** The Lamport clock of one request, as `request.lamport`: the exchange of `@tickline/clock`. */
export type RequestLamport = IncomingExchange;

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The request's Lamport exchange, set by the `tickline` plugin in `onRequest`: `receive.clock`
     * is the clock value of the receive, `receive.remote` the caller's stamp (when merged),
     * `receive.rejected` why the header was ignored, `clock.node` this process's node id,
     * `clock.read()` the clock now. `null` only before `onRequest` ran.
     */
    lamport: RequestLamport | null;
  }
}

/** Options of the plugin: `clock`, `trust`, `maxForwardJump`, `respond`, `onRejected` (see `ServerClockOptions` of `@tickline/clock`). */
export interface TicklineOptions extends ServerClockOptions<FastifyRequest> {}

/**
 * The value of the reply's `lamport-clock` header: converting it to a string is the reply's send
 * event (a tick, once per exchange; later conversions give the same stamp). Node converts header
 * values when it validates and writes them, so the tick happens as the headers are written — with
 * no `onSend` hook, whose runner was a measurable part of a fastify request. `reply.getHeader`
 * returns this object; `String(value)` gives the header text.
 */
class ReplyStamp {
  readonly exchange: IncomingExchange;
  /** The header text, once stamped (node converts a value twice: to validate it and to write it). */
  private text: string | undefined = undefined;

  constructor(exchange: IncomingExchange) {
    this.exchange = exchange;
  }

  toString(): string {
    if (this.text !== undefined) return this.text;
    try {
      this.text = stampReply(this.exchange);
    } catch {
      // A clock at Number.MAX_SAFE_INTEGER cannot tick: send an empty (ignored) header rather
      // than break the response.
      this.text = '';
    }
    return this.text;
  }

  [Symbol.toPrimitive](): string {
    return this.toString();
  }

  toJSON(): string {
    return this.toString();
  }
}

const ticklinePlugin: FastifyPluginCallback<TicklineOptions> = (fastify, options, done) => {
  const respond = options.respond ?? 'if-carried';
  const receiveFor = createRequestReceiver(options);

  fastify.decorateRequest('lamport', null);

  // The receive: onRequest runs first for every request, before the body is read. The reply's
  // send is armed here too (see ReplyStamp): it happens when the headers are written.
  fastify.addHook('onRequest', (request, reply, next) => {
    if (request.lamport === null) {
      try {
        const exchange = receiveFor(request, request.raw.headers);
        request.lamport = exchange;
        if (respond === 'always' || (respond === 'if-carried' && exchange.receive.carried)) {
          reply.header(CLOCK_HEADER, new ReplyStamp(exchange));
        }
      } catch {
        // Never break the request (a clock at Number.MAX_SAFE_INTEGER cannot tick).
      }
    }
    next();
  });
  done();
};

/**
 * Fastify 5 plugin that carries the Lamport clock through the service (docs/design.md §3, §4):
 * `onRequest` merges the request's `lamport-clock` header (the receive event), sets
 * `request.lamport` and puts a `lamport-clock` header on the reply whose value is stamped (the
 * send: a tick) when node writes the response headers. Registered with fastify-plugin, so it applies to routes in every encapsulated
 * context. Bad headers never break a request: they are ignored, reported to `onRejected`, and the
 * receive is an ordinary tick.
 *
 * @example
 * await app.register(tickline, { maxForwardJump: 1_000_000 });
 */
export const tickline = fp(ticklinePlugin, { fastify: '5.x', name: '@tickline/fastify' });
