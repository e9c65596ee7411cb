import { type IncomingMessage, ServerResponse } from 'node:http';
import {
  CLOCK_HEADER,
  createRequestReceiver,
  type IncomingExchange,
  type ServerClockOptions,
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

/** Options of {@link lamportClock}: `clock`, `trust`, `maxForwardJump`, `respond`, `onRejected` (see `ServerClockOptions` of `@tickline/clock`). */
export interface LamportClockOptions extends ServerClockOptions<Request> {}

type WriteHead = (statusCode: unknown, reason: unknown, headers: unknown) => ServerResponse;

/**
 * On a request, only when its middleware's `respond` is not the default `'if-carried'`: that mode.
 * Not setting it in the default case keeps requests one property lighter.
 */
const RESPOND = Symbol.for('@tickline/express/respond');
/** On a response prototype: the `writeHead` it had before ours (present once installed). */
const PREVIOUS_WRITE_HEAD = Symbol.for('@tickline/express/writeHead');
/** On a response object (fallback without an app prototype): its own previous `writeHead`. */
const OWN_WRITE_HEAD = Symbol('tickline.ownWriteHead');

interface StampedRequest {
  lamport?: IncomingExchange;
  [RESPOND]?: 'always' | 'never';
}

interface StampingResponse {
  req: StampedRequest | undefined;
  headersSent: boolean;
  setHeader(name: string, value: string): unknown;
  writeHead: WriteHead;
  [OWN_WRITE_HEAD]?: WriteHead;
}

type ResponsePrototype = { writeHead: WriteHead; [PREVIOUS_WRITE_HEAD]?: WriteHead };

function stampIfDue(response: StampingResponse): void {
  try {
    const request = response.req;
    if (request === undefined || response.headersSent) return;
    const exchange = request.lamport;
    if (exchange === undefined) return;
    const respond = request[RESPOND];
    if (respond === 'never' || (respond === undefined && !exchange.receive.carried)) return;
    response.setHeader(CLOCK_HEADER, stampReply(exchange));
  } catch {
    // Never break the response.
  }
}

/**
 * `writeHead` of the app's response prototype: node calls it (also implicitly, from
 * `write`/`end`) just before the headers go out, the moment of the reply's send. Installed once
 * per express app on `app.response` (express's own extension point), so that no response object
 * is modified per request: a per-response wrapper (own property on each response, as on-headers
 * does) cost several µs per request in bench/middleware.
 */
function prototypeWriteHead(
  this: StampingResponse,
  statusCode: unknown,
  reason: unknown,
  headers: unknown,
): ServerResponse {
  stampIfDue(this);
  const previous =
    (Object.getPrototypeOf(this) as ResponsePrototype)[PREVIOUS_WRITE_HEAD] ??
    ServerResponse.prototype.writeHead;
  return (previous as WriteHead).call(this, statusCode, reason, headers);
}

/** The per-response wrapper, for responses whose prototype is node's own (no express app). */
function ownWriteHead(
  this: StampingResponse,
  statusCode: unknown,
  reason: unknown,
  headers: unknown,
): ServerResponse {
  stampIfDue(this);
  return (this[OWN_WRITE_HEAD] as WriteHead).call(this, statusCode, reason, headers);
}

/** Makes sure the response's reply will be stamped when its headers are written. */
function armReply(response: StampingResponse): void {
  const prototype = Object.getPrototypeOf(response) as ResponsePrototype | null;
  if (prototype !== null && prototype !== ServerResponse.prototype) {
    // Installed once per app: here, on a parent app's prototype this one inherits from (mounted
    // sub-apps), or by another copy of this package.
    if (PREVIOUS_WRITE_HEAD in prototype) return;
    prototype[PREVIOUS_WRITE_HEAD] = prototype.writeHead;
    prototype.writeHead = prototypeWriteHead as unknown as WriteHead;
    return;
  }
  if (response.writeHead === (ownWriteHead as unknown as WriteHead)) return;
  response[OWN_WRITE_HEAD] = response.writeHead;
  response.writeHead = ownWriteHead as unknown as WriteHead;
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
  const respond = options.respond ?? 'if-carried';
  const receiveFor = createRequestReceiver(options);

  return function lamportClockMiddleware(request, response, next) {
    try {
      receive(request, response);
    } catch {
      // Never break the request (a clock at Number.MAX_SAFE_INTEGER cannot tick).
    }
    next();
  };

  function receive(request: Request, response: Response): void {
    const stamped = request as unknown as StampedRequest;
    if (stamped.lamport !== undefined) return; // a second lamportClock() on the same request
    const exchange = receiveFor(request, (request as IncomingMessage).headers);
    stamped.lamport = exchange;
    if (respond !== 'if-carried') stamped[RESPOND] = respond;
    const due = respond === 'always' || (respond === 'if-carried' && exchange.receive.carried);
    if (due) armReply(response as unknown as StampingResponse);
  }
}
