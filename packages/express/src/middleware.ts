import { IncomingMessage, ServerResponse } from 'node:http';

const IncomingMessagePrototype = IncomingMessage.prototype;

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
const EXCHANGE = Symbol.for('@tickline/express/exchange');
const RESPOND = Symbol.for('@tickline/express/respond');
const PREVIOUS_WRITE_HEAD = Symbol.for('@tickline/express/writeHead');
const OWN_WRITE_HEAD = Symbol('tickline.ownWriteHead');
const LAMPORT_GETTER = Symbol.for('@tickline/express/lamport-getter');

/**
 * Where a request's exchange is kept: `res.locals` (express makes it per response, a
 * null-prototype object). Adding a property to express's `req` itself was the most expensive
 * line of the middleware in profiles (~1.3% of a request: those objects take many dynamic
 * properties, so new ones go through the runtime), reading a missing one on it ~0.5%; a
 * `res.locals` entry costs a tenth of that. `request.lamport` reads it through a getter installed
 * once per app on `app.request` (see {@link exposeOnPrototype}).
 */
interface RequestState {
  [EXCHANGE]?: IncomingExchange;
  [RESPOND]?: 'always' | 'never';
}

interface StampedRequest {
  lamport?: IncomingExchange;
  res?: { locals?: RequestState };
}

interface StampingResponse {
  locals?: RequestState;
  req: StampedRequest | undefined;
  setHeader(name: string, value: string): unknown;
  writeHead: WriteHead;
  [OWN_WRITE_HEAD]?: WriteHead;
}

type ResponsePrototype = { writeHead: WriteHead; [PREVIOUS_WRITE_HEAD]?: WriteHead };

function stampIfDue(response: StampingResponse): void {
  try {
    const state = response.locals;
    const exchange = state?.[EXCHANGE] ?? response.req?.lamport;
    // (A second writeHead after the headers went out makes setHeader throw: caught below.)
    if (exchange === undefined) return;
    const respond = state?.[RESPOND];
    if (respond === 'never' || (respond === undefined && !exchange.receive.carried)) return;
    response.setHeader(CLOCK_HEADER, stampReply(exchange));
  } catch {
    // Never break the response.
  }
}

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

function ownWriteHead(
  this: StampingResponse,
  statusCode: unknown,
  reason: unknown,
  headers: unknown,
): ServerResponse {
  stampIfDue(this);
  return (this[OWN_WRITE_HEAD] as WriteHead).call(this, statusCode, reason, headers);
}

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

function readLamport(this: StampedRequest): IncomingExchange | undefined {
  return this.res?.locals?.[EXCHANGE];
}

function writeLamport(this: StampedRequest, value: IncomingExchange | undefined): void {
  Object.defineProperty(this, 'lamport', { value, writable: true, enumerable: true, configurable: true });
}

/**
 * Makes `request.lamport` read the exchange from `res.locals`, with a getter on the app's request
 * prototype (`app.request`, inherited by mounted sub-apps): once per app. Called only when
 * `res.locals` exists. False when the request has no such prototype (not from an express app):
 * the caller then sets `request.lamport` itself.
 */
function exposeOnPrototype(request: StampedRequest): boolean {
  const prototype = Object.getPrototypeOf(request) as (object & { [LAMPORT_GETTER]?: true }) | null;
  if (prototype === null || prototype === (IncomingMessagePrototype as object)) return false;
  if (prototype[LAMPORT_GETTER] !== true) {
    if (Object.hasOwn(prototype, 'lamport')) return false;
    Object.defineProperty(prototype, 'lamport', {
      get: readLamport,
      set: writeLamport,
      enumerable: false,
      configurable: true,
    });
    Object.defineProperty(prototype, LAMPORT_GETTER, { value: true });
  }
  return true;
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
    const state = (response as unknown as StampingResponse).locals;
    // A second lamportClock() on the same request (e.g. in a mounted sub-app) does nothing.
    if (state !== undefined ? state[EXCHANGE] !== undefined : stamped.lamport !== undefined) return;
    const exchange = receiveFor(request, (request as IncomingMessage).headers);
    if (state !== undefined) state[EXCHANGE] = exchange;
    if (state !== undefined && exposeOnPrototype(stamped)) {
      if (respond !== 'if-carried') state[RESPOND] = respond;
    } else {
      stamped.lamport = exchange;
      if (respond !== 'if-carried') {
        // Keep the choice where stampIfDue finds it (outside an express app: a locals of our own).
        if (state !== undefined) state[RESPOND] = respond;
        else (response as unknown as StampingResponse).locals = { [RESPOND]: respond };
      }
    }
    const due = respond === 'always' || (respond === 'if-carried' && exchange.receive.carried);
    if (due) armReply(response as unknown as StampingResponse);
  }
}
