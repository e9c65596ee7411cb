import { LamportClock } from './lamport-clock.js';

/**
 * The one piece of per-process state Tickline keeps, shared by every copy of every Tickline
 * package in the process through a `Symbol.for` key (as `@opentelemetry/api` shares its globals).
 */
interface SharedState {
  clock: LamportClock | undefined;
  /** Incoming request carrier (the `headers` object) → what its receive did. */
  readonly incoming: WeakMap<object, unknown>;
  /** An outgoing send stamped in the current synchronous turn, not yet claimed by a second layer. */
  pendingOutgoing: unknown;
  /**
   * True once a layer that looks incoming exchanges up by carrier (the OpenTelemetry propagator,
   * span processor or response hook) exists: only then do the server middlewares remember their
   * exchanges on the carrier. Absent in states made by older copies (read as false).
   */
  carrierReaders?: boolean;
}

const STATE_KEY = Symbol.for('@tickline/clock/state@1');

function findOrCreateState(): SharedState {
  const holder = globalThis as { [STATE_KEY]?: SharedState };
  let state = holder[STATE_KEY];
  if (state === undefined) {
    state = { clock: undefined, incoming: new WeakMap(), pendingOutgoing: undefined, carrierReaders: false };
    holder[STATE_KEY] = state;
  }
  return state;
}

/**
 * The state object, found or made once when this module loads: it is never replaced, and a symbol
 * lookup on `globalThis` (a large dictionary) per call was ~0.2% of a fastify request's CPU.
 */
const STATE: SharedState = findOrCreateState();

/** @internal The process-wide state object. */
export function sharedState(): SharedState {
  return STATE;
}

/**
 * The process clock that all Tickline packages use unless given another: created on first use
 * with a node id `${OTEL_SERVICE_NAME ?? 'node'}/${8 random hex}`.
 */
export function getProcessClock(): LamportClock {
  const state = sharedState();
  state.clock ??= new LamportClock();
  return state.clock;
}

/**
 * Replaces the process clock, e.g. to name the node after the service. Call it at start-up,
 * before any request: values already sent came from the old clock, so the new one must start at
 * or above them (it is advanced to the old clock's value if it is behind).
 */
export function setProcessClock(clock: LamportClock): void {
  const state = sharedState();
  const previous = state.clock;
  if (previous !== undefined && previous !== clock && clock.read() < previous.read()) {
    clock.tryReceive(previous.read());
  }
  state.clock = clock;
}
