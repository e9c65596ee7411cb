import type { ClockStamp } from './header.js';
import { parseClockHeader, parseCommonClockStamp } from './header.js';
import type { LamportClock } from './lamport-clock.js';
import { getProcessClock, sharedState } from './process-clock.js';
import { nowMicros, systemWallClock, type WallClock } from './wall-clock.js';

/**
 * Exchanges tie the layers of one process together: the express or fastify middleware, the
 * outgoing-request hooks and the OpenTelemetry propagator may all see the same message, and the
 * clock must be merged or ticked for it exactly once (docs/design.md §4). Whichever layer sees
 * the message first stamps it; the others read the same stamp.
 */

/** One event: the clock value taken and the wall time it was taken at. */
export interface EventStamp {
  /** The Lamport clock value of the event. */
  clock: number;
  /** Wall time when the value was taken, in whole microseconds since the epoch. */
  timeUs: number;
}

/** A receive event: what a message's `lamport-clock` header did to the clock. */
export interface ReceiveStamp extends EventStamp {
  /** The sender's stamp, when the header was accepted and merged. */
  remote: ClockStamp | undefined;
  /** Why the header was ignored, when it was present but not merged (recorded as `lamport.rejected`). */
  rejected: string | undefined;
  /** True when the message carried a `lamport-clock` header at all. */
  carried: boolean;
}

/** An incoming request as seen by this process: its receive and, once sent, its reply. */
export interface IncomingExchange {
  /** The clock that stamped this exchange. */
  readonly clock: LamportClock;
  /** The receive event of the request. */
  readonly receive: ReceiveStamp;
  /** The send event of the response, once some layer stamped it. */
  reply: EventStamp | undefined;
}

/** An outgoing request: its send and, once read, the receive of its response. */
export interface OutgoingExchange {
  readonly clock: LamportClock;
  /** The send event; its clock is the `T_m` on the wire. */
  readonly send: EventStamp;
  /** The header value sent. */
  readonly header: string;
  /** The receive event of the response, once some layer read it. */
  response: ReceiveStamp | undefined;
  /** The layer that began it, when that layer named itself (see {@link beginOutgoing}). */
  readonly layer?: string;
}

/** Options for stamping a message. */
export interface StampOptions {
  /** Clock to use. Default: the process clock ({@link getProcessClock}). */
  clock?: LamportClock;
  /** Wall-time source. Default: the system clock. */
  wallClock?: WallClock;
  /** False when the caller's `trust(request)` hook refused the sender: the header is ignored. Default true. */
  trusted?: boolean;
  /** Overrides the clock's `maxForwardJump` for this message. */
  maxForwardJump?: number;
}

function receiveEvent(header: string | readonly string[] | undefined, options: StampOptions): ReceiveStamp {
  const clock = options.clock ?? getProcessClock();
  const wallClock = options.wallClock ?? systemWallClock;
  // The common form gives the sender's stamp as an object of its own, kept as `remote` below.
  let sent = typeof header === 'string' ? parseCommonClockStamp(header) : undefined;
  let carried = true;
  let rejected: string | undefined;
  if (sent === undefined) {
    const parsed = parseClockHeader(header);
    if (parsed.ok)
      sent = parsed.node === undefined ? { clock: parsed.clock } : { clock: parsed.clock, node: parsed.node };
    else if (parsed.reason === 'missing') carried = false;
    else rejected = parsed.message;
  }
  let remote: ClockStamp | undefined;
  let value: number | undefined;
  if (sent !== undefined) {
    const limit = options.maxForwardJump ?? clock.maxForwardJump;
    const ahead = sent.clock - clock.read();
    if (options.trusted === false) rejected = 'untrusted sender';
    else if (ahead > limit) {
      rejected = `forward jump of ${ahead} exceeds maxForwardJump ${limit}`;
    } else {
      // The common case without tryReceive's outcome object; tryReceive explains a refusal.
      const merged = clock.receiveIfValid(sent.clock);
      if (merged >= 0) {
        value = merged;
        remote = sent;
      } else {
        const outcome = clock.tryReceive(sent.clock);
        rejected = outcome.accepted ? undefined : outcome.message;
      }
    }
  }
  // A rejected or absent header still leaves a receive event: a plain local tick.
  value ??= clock.tick();
  return { clock: value, timeUs: nowMicros(wallClock), remote, rejected, carried };
}

/** Reads and writes the exchange remembered for a carrier. */
interface IncomingSlot {
  read(carrier: object): IncomingExchange | undefined;
  write(carrier: object, exchange: IncomingExchange): void;
}

const SLOT_KEY = Symbol.for('@tickline/clock/incoming-slot@1');

/**
 * Where an incoming exchange is remembered: a private field added to the carrier object. A
 * WeakMap entry per request cost ~0.4-0.9 µs here (ephemeron bookkeeping and GC), about as much
 * as all the rest of a request's clock work; a private field costs ~30 ns and, unlike a symbol
 * property, is invisible to `Reflect.ownKeys`, spread and `new Headers(request.headers)`
 * (which throws on symbol keys). The accessors live on `globalThis` so that every copy of this
 * package shares one field; the shared-state WeakMap is the fallback for carriers that refuse a
 * new field, and is read only once something was stored in it.
 */
function findOrCreateIncomingSlot(): IncomingSlot {
  const holder = globalThis as { [SLOT_KEY]?: IncomingSlot };
  let slot = holder[SLOT_KEY];
  if (slot === undefined) {
    const fallback = sharedState().incoming as WeakMap<object, IncomingExchange>;
    let fallbackUsed = false;
    class ReturnsCarrier {
      constructor(carrier: object) {
        // biome-ignore lint/correctness/noConstructorReturn: the standard way to add a private field to an existing object.
        return carrier;
      }
    }
    class CarrierField extends ReturnsCarrier {
      #exchange: IncomingExchange | undefined;
      static read(carrier: object): IncomingExchange | undefined {
        if (#exchange in carrier) return (carrier as CarrierField).#exchange;
        return fallbackUsed ? fallback.get(carrier) : undefined;
      }
      static write(carrier: object, exchange: IncomingExchange): void {
        try {
          if (!(#exchange in carrier)) new CarrierField(carrier);
          (carrier as CarrierField).#exchange = exchange;
        } catch {
          fallbackUsed = true;
          fallback.set(carrier, exchange);
        }
      }
    }
    slot = { read: CarrierField.read, write: CarrierField.write };
    holder[SLOT_KEY] = slot;
  }
  return slot;
}

/** Found or made once, when this module loads (a symbol lookup on `globalThis` per request is not free). */
const INCOMING_SLOT: IncomingSlot = findOrCreateIncomingSlot();

/**
 * The receive of an incoming request. `carrier` identifies the request: pass the request's
 * `headers` object (node's `IncomingMessage.headers`, which express, fastify and OpenTelemetry's
 * http instrumentation all share). The first call merges the header; later calls for the same
 * carrier return the same exchange without touching the clock.
 */
export function receiveRequest(
  carrier: object,
  header: string | readonly string[] | undefined,
  options: StampOptions = {},
): IncomingExchange {
  const existing = INCOMING_SLOT.read(carrier);
  if (existing !== undefined) return existing;
  const exchange = newIncomingExchange(header, options);
  INCOMING_SLOT.write(carrier, exchange);
  return exchange;
}

/** @internal The receive of an incoming request, remembered nowhere (the caller keeps it). */
export function newIncomingExchange(
  header: string | readonly string[] | undefined,
  options: StampOptions,
): IncomingExchange {
  return {
    clock: options.clock ?? getProcessClock(),
    receive: receiveEvent(header, options),
    reply: undefined,
  };
}

/**
 * Declares that a layer of this process looks incoming exchanges up by carrier
 * ({@link findIncoming}, or {@link receiveRequest} on the same carrier before the middleware), as
 * the OpenTelemetry propagator, span processor and response hook of @tickline/otel do. From then
 * on the express and fastify middlewares remember each exchange on its carrier, so those layers
 * share it; without such a layer they skip that step (a property added to every request's
 * `headers` object was ~0.6% of a fastify request's CPU).
 */
export function registerCarrierReader(): void {
  sharedState().carrierReaders = true;
}

/** @internal Whether {@link registerCarrierReader} was called in this process. */
export function carrierReadersPresent(): boolean {
  return sharedState().carrierReaders === true;
}

/** The exchange an earlier {@link receiveRequest} made for this carrier, if any. */
export function findIncoming(carrier: object): IncomingExchange | undefined {
  return INCOMING_SLOT.read(carrier);
}

/**
 * The send of the response (a tick); stamped once per exchange, later calls return the same
 * stamp. Returns the header value to write.
 */
export function stampReply(exchange: IncomingExchange, options: { wallClock?: WallClock } = {}): string {
  exchange.reply ??= { clock: exchange.clock.tick(), timeUs: nowMicros(options.wallClock) };
  return exchange.clock.formatHeader(exchange.reply.clock);
}

/**
 * The send of an outgoing message: ticks and returns the exchange with the header value to
 * write. Until the current synchronous turn ends, a second layer handling the same message
 * (e.g. the OpenTelemetry propagator after the fetch hook) can take it over with
 * {@link claimPendingOutgoing} instead of ticking again.
 */
export function beginOutgoing(
  options: { clock?: LamportClock; wallClock?: WallClock; layer?: string } = {},
): OutgoingExchange {
  const clock = options.clock ?? getProcessClock();
  const sent = clock.tick();
  const exchange: OutgoingExchange = {
    clock,
    send: { clock: sent, timeUs: nowMicros(options.wallClock) },
    header: clock.formatHeader(sent),
    response: undefined,
    layer: options.layer,
  };
  const state = sharedState();
  state.pendingOutgoing = exchange;
  queueMicrotask(() => {
    if (state.pendingOutgoing === exchange) state.pendingOutgoing = undefined;
  });
  return exchange;
}

/**
 * Takes the outgoing exchange another layer began in this synchronous turn, if one is still
 * unclaimed. A layer that finds one must not tick or add the header again.
 *
 * `skipLayer`: leave (and do not take) an exchange that this same layer began, e.g. the
 * OpenTelemetry propagator must not adopt its own send for a previous request in the same turn
 * (two requests started together, with no outgoing hook installed to claim the first).
 */
export function claimPendingOutgoing(options: { skipLayer?: string } = {}): OutgoingExchange | undefined {
  const state = sharedState();
  const pending = state.pendingOutgoing as OutgoingExchange | undefined;
  if (pending !== undefined && options.skipLayer !== undefined && pending.layer === options.skipLayer) {
    return undefined;
  }
  state.pendingOutgoing = undefined;
  return pending;
}

/**
 * The receive of the response to an outgoing message: merges its `lamport-clock` header (a
 * plain tick when absent or rejected). Stamped once per exchange.
 */
export function receiveResponse(
  exchange: OutgoingExchange,
  header: string | readonly string[] | undefined,
  options: Omit<StampOptions, 'clock'> = {},
): ReceiveStamp {
  exchange.response ??= receiveEvent(header, { ...options, clock: exchange.clock });
  return exchange.response;
}
