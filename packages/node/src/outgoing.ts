import {
  beginOutgoing,
  claimPendingOutgoing,
  getProcessClock,
  nowMicros,
  type OutgoingExchange,
  receiveResponse,
  type StampOptions,
} from '@tickline/clock';
import type { OutgoingOptions, OutgoingTarget } from './options.js';

/** How this package names its outgoing exchanges (`OutgoingExchange.layer`). */
const LAYER = '@tickline/node';

/**
 * The per-installation logic shared by the fetch/undici and node:http hooks: start the exchange of
 * a request (or adopt the one another layer started, docs/design.md §4) and merge its response.
 */
export class OutgoingStamper {
  /** Every request this stamper has seen → its exchange; a request seen twice is handled once. */
  private readonly exchanges = new WeakMap<object, OutgoingExchange>();
  private readonly options: OutgoingOptions;

  constructor(options: OutgoingOptions = {}) {
    this.options = options;
  }

  /** True when this request was already handled (by another hook of the same installation). */
  has(request: object): boolean {
    return this.exchanges.has(request);
  }

  /** The exchange of a request seen earlier. */
  get(request: object): OutgoingExchange | undefined {
    return this.exchanges.get(request);
  }

  /**
   * Stamps a request about to be sent. `existingHeader` is the `lamport-clock` value already on the
   * request, if any. Returns the header value to add, or undefined when nothing must be added.
   */
  begin(request: object, existingHeader: string | undefined): string | undefined {
    if (this.exchanges.has(request)) return undefined;
    const clock = this.options.clock;
    if (existingHeader === undefined) {
      const exchange = beginOutgoing(clock === undefined ? { layer: LAYER } : { clock, layer: LAYER });
      this.exchanges.set(request, exchange);
      return exchange.header;
    }
    // Another layer (the OpenTelemetry propagator) stamped it in this turn: adopt its exchange.
    const pending = claimPendingOutgoing({ skipLayer: LAYER });
    if (pending !== undefined && pending.header === existingHeader) {
      this.exchanges.set(request, pending);
      return undefined;
    }
    // The caller set the header by hand: no send event of ours, but the response is still merged.
    const owner = clock ?? getProcessClock();
    const current = owner.read();
    this.exchanges.set(request, {
      clock: owner,
      send: { clock: current, timeUs: nowMicros() },
      header: existingHeader,
      response: undefined,
    });
    return undefined;
  }

  /** Merges the response's `lamport-clock` header (values: every line of it; none → a local tick). */
  respond(
    request: object,
    values: string | readonly string[] | undefined,
    target: () => OutgoingTarget,
  ): void {
    const exchange = this.exchanges.get(request);
    if (exchange === undefined || exchange.response !== undefined) return;
    const { trust, maxForwardJump, onRejected, onResponse } = this.options;
    let stampOptions: Omit<StampOptions, 'clock'> = {};
    let resolvedTarget: OutgoingTarget | undefined;
    if (trust !== undefined && values !== undefined) {
      resolvedTarget = target();
      stampOptions = { trusted: safeTrust(trust, resolvedTarget) };
    }
    if (maxForwardJump !== undefined) stampOptions = { ...stampOptions, maxForwardJump };
    const stamp = receiveResponse(exchange, values, stampOptions);
    if (stamp.rejected !== undefined && onRejected !== undefined) {
      try {
        resolvedTarget ??= target();
        onRejected(stamp.rejected, resolvedTarget);
      } catch {
        // A failing hook must not break the response.
      }
    }
    if (onResponse !== undefined) {
      try {
        onResponse(exchange, resolvedTarget ?? target());
      } catch {
        // A failing hook must not break the response.
      }
    }
  }
}

function safeTrust(trust: (target: OutgoingTarget) => boolean, target: OutgoingTarget): boolean {
  try {
    return trust(target) === true;
  } catch {
    return false;
  }
}
