import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  CLOCK_HEADER,
  type IncomingExchange,
  type LamportClock,
  receiveRequest,
  type StampOptions,
  stampReply,
} from '@tickline/clock';
import type { NextFunction, Request, Response } from 'express';

/** The Lamport clock of one request, as `request.lamport`: the exchange of `@tickline/clock`. */
export type RequestLamport = IncomingExchange;

declare global {
  namespace Express {
    interface Request {
      /**
       * The request's Lamport exchange, set by `lamportClock()`: `receive.clock` is the clock value of
       * the receive, `receive.remote` the caller's stamp (when merged), `receive.rejected` why the
       * header was ignored, `clock.node` this process's node id, `clock.read()` the clock now.
       */
      lamport?: RequestLamport;
    }
  }
}

/** Options of {@link lamportClock}. */
export interface LamportClockOptions {
  /** The clock to use. Default: the process clock (`getProcessClock()` of `@tickline/clock`). */
  clock?: LamportClock;
  /**
   * Accept clocks only from trusted callers: when it returns false, the request's header is ignored
   * (recorded as rejected, `untrusted sender`) and the receive is an ordinary local event.
   * Called only for requests that carry the header. Default: trust every caller.
   */
  trust?: (request: Request) => boolean;
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
  onRejected?: (reason: string, request: Request) => void;
}

type WriteHead = (statusCode: unknown, reason: unknown, headers: unknown) => ServerResponse;

const EXCHANGE = Symbol('tickline.exchange');
const WRITE_HEAD = Symbol('tickline.writeHead');

interface StampedResponse {
  headersSent: boolean;
  setHeader(name: string, value: string): unknown;
  writeHead: WriteHead;
  [EXCHANGE]: IncomingExchange;
  [WRITE_HEAD]: WriteHead;
}

/**
 * Replaces `writeHead` on responses that must carry the clock: node calls `writeHead` (also
 * implicitly, from `write`/`end`) just before the headers go out, the moment of the reply's send.
 * One shared function instead of a closure per response keeps the hot path allocation-free.
 */
function stampingWriteHead(
  this: StampedResponse,
  statusCode: unknown,
  reason: unknown,
  headers: unknown,
): ServerResponse {
  if (!this.headersSent) {
    try {
      this.setHeader(CLOCK_HEADER, stampReply(this[EXCHANGE]));
    } catch {
      // Never break the response.
    }
  }
  return this[WRITE_HEAD](statusCode, reason, headers);
}

/**
 * Express middleware (express 4.17+ and 5) that carries the Lamport clock through the service
 * (docs/design.md §3, §4): merges the request's `lamport-clock` header (the receive event), exposes
 * the exchange as `request.lamport`, and stamps the response when its headers are written (the
 * reply's send: a tick, then `lamport-clock` on the response). Bad headers never break a request:
 * they are ignored, reported to `onRejected`, and the receive is an ordinary tick.
 *
 * Shares the exchange with `@tickline/otel`: whichever layer reads the request first merges it.
 */
export function lamportClock(
  options: LamportClockOptions = {},
): (request: Request, response: Response, next: NextFunction) => void {
  const { trust, onRejected } = options;
  const respond = options.respond ?? 'if-carried';
  const trusted: StampOptions = {};
  if (options.clock !== undefined) trusted.clock = options.clock;
  if (options.maxForwardJump !== undefined) trusted.maxForwardJump = options.maxForwardJump;
  const untrusted: StampOptions = { ...trusted, trusted: false };

  return function lamportClockMiddleware(request, response, next) {
    const headers = (request as IncomingMessage).headers;
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
    if (respond === 'always' || (respond === 'if-carried' && exchange.receive.carried)) {
      const stamped = response as unknown as StampedResponse;
      stamped[EXCHANGE] = exchange;
      stamped[WRITE_HEAD] = stamped.writeHead;
      stamped.writeHead = stampingWriteHead as unknown as WriteHead;
    }
    next();
  };
}
