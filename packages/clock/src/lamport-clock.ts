import { MAX_NODE_LENGTH } from './constants.js';
import { ClockExhaustedError, RemoteClockRejectedError, type RemoteRejection } from './errors.js';
import { formatClockHeader } from './header.js';
import { defaultNodeId } from './node-id.js';

/** Options of {@link LamportClock}. */
export interface LamportClockOptions {
  /** Node id stamped on every message. Default: `${name}/${8 random hex}`. */
  node?: string;
  /** Service name used for the default node id. Default: `OTEL_SERVICE_NAME`, else `'node'`. */
  name?: string;
  /** Starting value. Default 0. */
  initial?: number;
  /**
   * Largest accepted distance of a remote value ahead of the local clock. A value further ahead
   * is rejected and the clock stays as it was (the Lamport counterpart of CockroachDB's
   * max clock offset), so one peer cannot poison everyone's clock. Default: `Infinity`
   * (values on the wire have at most 15 digits, so the counter still cannot overflow).
   */
  maxForwardJump?: number;
}

/** The outcome of {@link LamportClock.tryReceive}. */
export type ReceiveOutcome =
  | { accepted: true; clock: number }
  | { accepted: false; reason: RemoteRejection; message: string };

/**
 * A Lamport logical clock (Lamport 1978, §2, implementation rules IR1 and IR2).
 * Every local event and every send ticks the clock; a receive of `T_m` sets it to
 * `max(C, T_m) + 1`. The value is always a safe integer and never decreases.
 */
export class LamportClock {
  /** This clock's node id, unique per instance. */
  readonly node: string;
  /** See {@link LamportClockOptions.maxForwardJump}. */
  readonly maxForwardJump: number;
  private value: number;
  private readonly headerSuffix: string;

  constructor(options: LamportClockOptions = {}) {
    this.node = options.node ?? defaultNodeId(options.name);
    if (this.node.length === 0 || this.node.length > MAX_NODE_LENGTH) {
      throw new RangeError(`@tickline/clock: node id must have 1 to ${MAX_NODE_LENGTH} characters`);
    }
    const initial = options.initial ?? 0;
    if (!Number.isSafeInteger(initial) || initial < 0) {
      throw new RangeError('@tickline/clock: initial must be a non-negative safe integer');
    }
    this.value = initial;
    this.maxForwardJump = options.maxForwardJump ?? Number.POSITIVE_INFINITY;
    if (!(this.maxForwardJump >= 0)) throw new RangeError('@tickline/clock: maxForwardJump must be >= 0');
    // The node parameter is the same on every message: serialise it once.
    this.headerSuffix = formatClockHeader(0, this.node).slice(1);
  }

  /** The current value, without advancing. */
  read(): number {
    return this.value;
  }

  /** A local event or a send (IR1): advances by one and returns the new value, the `T_m` of a send. */
  tick(): number {
    if (this.value >= Number.MAX_SAFE_INTEGER) throw new ClockExhaustedError();
    this.value += 1;
    return this.value;
  }

  /**
   * A receive of `remote` (IR2): sets the clock to `max(C, remote) + 1` and returns it.
   * A value that is not a non-negative safe integer, is more than `maxForwardJump` ahead, or
   * would pass `Number.MAX_SAFE_INTEGER` is rejected: the clock is untouched and `accepted` is false.
   */
  tryReceive(remote: number): ReceiveOutcome {
    if (!Number.isSafeInteger(remote) || remote < 0) {
      return {
        accepted: false,
        reason: 'invalid-value',
        message: `remote clock ${remote} is not a non-negative safe integer`,
      };
    }
    const current = this.value;
    if (remote > current && remote - current > this.maxForwardJump) {
      return {
        accepted: false,
        reason: 'forward-jump',
        message: `remote clock ${remote} is ${remote - current} ahead of ${current}, more than maxForwardJump ${this.maxForwardJump}`,
      };
    }
    const merged = remote > current ? remote : current;
    if (merged >= Number.MAX_SAFE_INTEGER) {
      return {
        accepted: false,
        reason: 'overflow',
        message: `remote clock ${remote} would pass Number.MAX_SAFE_INTEGER`,
      };
    }
    this.value = merged + 1;
    return { accepted: true, clock: this.value };
  }

  /**
   * @internal {@link tryReceive} without the outcome object: the new value, or -1 (clock
   * untouched) when `tryReceive` would refuse `remote`.
   */
  receiveIfValid(remote: number): number {
    const current = this.value;
    if (!Number.isSafeInteger(remote) || remote < 0) return -1;
    if (remote > current && remote - current > this.maxForwardJump) return -1;
    const merged = remote > current ? remote : current;
    if (merged >= Number.MAX_SAFE_INTEGER) return -1;
    this.value = merged + 1;
    return this.value;
  }

  /** Like {@link tryReceive}, but throws {@link RemoteClockRejectedError} on rejection. */
  receive(remote: number): number {
    const outcome = this.tryReceive(remote);
    if (!outcome.accepted)
      throw new RemoteClockRejectedError(outcome.reason, `@tickline/clock: ${outcome.message}`);
    return outcome.clock;
  }

  /** The `lamport-clock` header value for a send stamped `clock` by this node, e.g. `1042;node="orders/7f3c2a1b"`. */
  formatHeader(clock: number): string {
    if (!Number.isSafeInteger(clock) || clock < 0 || clock > 999_999_999_999_999)
      return formatClockHeader(clock, this.node);
    return clock + this.headerSuffix;
  }

  /** Ticks for a send and returns the header value carrying the new value. */
  send(): { clock: number; header: string } {
    const clock = this.tick();
    return { clock, header: this.formatHeader(clock) };
  }
}
