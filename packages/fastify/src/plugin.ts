import {
  CLOCK_HEADER,
  createRequestReceiver,
  type IncomingExchange,
  type ServerClockOptions,
  stampReply,
} from '@tickline/clock';
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
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

const ticklinePlugin: FastifyPluginCallback<TicklineOptions> = (fastify, options, done) => {
  const respond = options.respond ?? 'if-carried';
  const receiveFor = createRequestReceiver(options);

  function receive(request: FastifyRequest): void {
    request.lamport = receiveFor(request, request.raw.headers);
  }

  fastify.decorateRequest('lamport', null);

  // The receive: onRequest runs first for every request, before the body is read.
  fastify.addHook('onRequest', (request, _reply, next) => {
    try {
      receive(request);
    } catch {
      // Never break the request (a clock at Number.MAX_SAFE_INTEGER cannot tick).
    }
    next();
  });

  // The reply's send: onSend is the last moment before the headers are written.
  if (respond !== 'never') {
    fastify.addHook('onSend', (request: FastifyRequest, reply: FastifyReply, payload: unknown, next) => {
      const exchange = request.lamport;
      if (exchange !== null && (respond === 'always' || exchange.receive.carried) && !reply.raw.headersSent) {
        try {
          reply.header(CLOCK_HEADER, stampReply(exchange));
        } catch {
          // Never break the response.
        }
      }
      next(null, payload);
    });
  }
  done();
};

/**
 * Fastify 5 plugin that carries the Lamport clock through the service (docs/design.md §3, §4):
 * `onRequest` merges the request's `lamport-clock` header (the receive event) and sets
 * `request.lamport`; `onSend` stamps the reply (the send: a tick, then `lamport-clock` on the
 * response). Registered with fastify-plugin, so it applies to routes in every encapsulated
 * context. Bad headers never break a request: they are ignored, reported to `onRejected`, and the
 * receive is an ordinary tick.
 *
 * @example
 * await app.register(tickline, { maxForwardJump: 1_000_000 });
 */
export const tickline = fp(ticklinePlugin, { fastify: '5.x', name: '@tickline/fastify' });
