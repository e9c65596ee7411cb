import type { LamportClock, OutgoingExchange } from '@tickline/clock';

/** Where an outgoing request goes, as given to {@link OutgoingOptions.trust}. */
export interface OutgoingTarget {
  /** Origin, e.g. `http://127.0.0.1:8080`. */
  origin: string;
  /** Path with query, e.g. `/orders?id=7`. */
  path: string;
  /** Request method, upper case. */
  method: string;
}

/** Options of {@link instrumentOutgoing} and {@link TicklineAgent}. */
export interface OutgoingOptions {
  /** Clock that stamps outgoing requests. Default: the process clock (`getProcessClock()`), read on every request. */
  clock?: LamportClock;
  /**
   * Whether to merge the `lamport-clock` header of the response from this target. Return false
   * for services outside your control: their header is then ignored (recorded as rejected,
   * `untrusted sender`) and the response is an ordinary local event. Default: trust every response.
   */
  trust?: (target: OutgoingTarget) => boolean;
  /** Largest accepted jump of a response's clock ahead of the local clock. Default: the clock's own `maxForwardJump`. */
  maxForwardJump?: number;
  /**
   * Called when a response carried a `lamport-clock` header that was not merged (malformed,
   * too far ahead, untrusted), with the reason. Must not throw. Default: none.
   */
  onRejected?: (reason: string, target: OutgoingTarget) => void;
  /**
   * Called once the response's clock was merged (or, without a usable header, its receive ticked),
   * before the caller sees the response: `exchange.send` is the request's send event and
   * `exchange.response` the response's receive. For logging or your own spans. Must not throw. Default: none.
   */
  onResponse?: (exchange: OutgoingExchange, target: OutgoingTarget) => void;
}
