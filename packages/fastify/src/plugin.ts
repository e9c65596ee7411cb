import {
  CLOCK_HEADER,
  type IncomingExchange,
  type LamportClock,
  receiveRequest,
  type StampOptions,
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

/** Options of the {@link tickline} plugin. */
export interface TicklineOptions {
  /** The clock to use. Default: the process clock (`getProcessClock()` of `@tickline/clock`). */
  clock?: LamportClock;
  /**
   * Accept clocks only from trusted callers: when it returns false, the request's header is ignored
   * (recorded as rejected, `untrusted sender`) and the receive is an ordinary local event.
   * Called only for requests that carry the header. Default: trust every caller.
   */
  trust?: (request: FastifyRequest) => boolean;
  /** Reject a remote clock more than this far ahead of the local one (docs/design.md §7). Default: the clock's own. */
  maxForwardJump?: number;
  /**
   * When the response carries `lamport-clock`: `'if-carried'` only when the request carried it
   * (docs/design.md §3, so public clients learn nothing), `'always'`, or `'never'`. Default `'if-carried'`.
   */
  respond?: 'if-carried' | 'always' | 'never';
  /**
   * Called when a request carried a header that was not merged (malformed, oversized, too far
   * ahead, untrusted), with the reason; for counting or logging. Must not throw. Default: none.
   */
  onRejected?: (reason: string, request: FastifyRequest) => void;
}

const ticklinePlugin: FastifyPluginCallback<TicklineOptions> = (fastify, options, done) => {
  const { trust, onRejected } = options;
  const respond = options.respond ?? 'if-carried';
  const trusted: StampOptions = {};
  if (options.clock !== undefined) trusted.clock = options.clock;
  if (options.maxForwardJump !== undefined) trusted.maxForwardJump = options.maxForwardJump;
  const untrusted: StampOptions = { ...trusted, trusted: false };

  function receive(request: FastifyRequest): void {
    const headers = request.raw.headers;
    const header = headers[CLOCK_HEADER];
    let stampOptions = trusted;
    if (trust !== undefined && header !== undefined) {
      let accepted = false;
      try {
        accepted = trust(request) === true;
      } catch {
        // A failing trust hook distrusts.
      }
      if (!accepted) stampOptions = untrusted;
    }
    const exchange = receiveRequest(headers, header, stampOptions);
    request.lamport = exchange;
    if (exchange.receive.rejected !== undefined && onRejected !== undefined) {
      try {
        onRejected(exchange.receive.rejected, request);
      } catch {
        // Never break the request.
      }
    }
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
