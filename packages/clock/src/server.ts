import { CLOCK_HEADER } from './constants.js';
import {
  carrierReadersPresent,
  type IncomingExchange,
  newIncomingExchange,
  receiveRequest,
  type StampOptions,
} from './exchange.js';
import type { LamportClock } from './lamport-clock.js';

/** Options every Tickline server middleware takes; `Request` is the framework's request type. */
export interface ServerClockOptions<Request> {
  /** The clock to use. Default: the process clock (`getProcessClock()`). */
  clock?: LamportClock;
  /**
   * Accept clocks only from trusted callers: when it returns false (or throws), the request's
   * header is ignored (recorded as rejected, `untrusted sender`) and the receive is an ordinary
   * local event. Called only for requests that carry the header. Default: trust every caller.
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

/**
 * The receive of a server middleware: applies `trust`, merges the request's header (through
 * {@link receiveRequest} when another layer may share the exchange by carrier, see
 * `registerCarrierReader`; the caller calls it once per request and keeps the result) and reports a
 * rejection to `onRejected`. `headers` must be the request's node `IncomingMessage.headers`.
 * Throws only when the clock cannot tick any more.
 */
export function createRequestReceiver<Request>(
  options: ServerClockOptions<Request>,
): (request: Request, headers: Record<string, string | string[] | undefined>) => IncomingExchange {
  const { trust, onRejected } = options;
  const trusted: StampOptions = {};
  if (options.clock !== undefined) trusted.clock = options.clock;
  if (options.maxForwardJump !== undefined) trusted.maxForwardJump = options.maxForwardJump;
  const untrusted: StampOptions = { ...trusted, trusted: false };
  return function receive(request, headers) {
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
    // Shared through the carrier only when another layer may look it up there (see
    // registerCarrierReader); the middleware itself keeps it on the request, once per request.
    const exchange = carrierReadersPresent()
      ? receiveRequest(headers, header, stampOptions)
      : newIncomingExchange(header, stampOptions);
    if (exchange.receive.rejected !== undefined && onRejected !== undefined) {
      try {
        onRejected(exchange.receive.rejected, request);
      } catch {
        // Never break the request.
      }
    }
    return exchange;
  };
}
