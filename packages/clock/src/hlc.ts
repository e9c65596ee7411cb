import { HLC_HEADER, MAX_NODE_LENGTH } from './constants.js';
import { type HeaderRejection, parseMembers, serializeString } from './header.js';
import { defaultNodeId } from './node-id.js';
import { systemWallClock, type WallClock } from './wall-clock.js';

/** A hybrid logical clock timestamp: wall milliseconds plus a logical counter. */
export interface HlcTimestamp {
  /** Integer milliseconds since the Unix epoch: the largest physical time seen. */
  wallMs: number;
  /** Counter that orders events within one `wallMs`. */
  logical: number;
}

/** Options of {@link HybridLogicalClock}. */
export interface HybridLogicalClockOptions {
  /** Node id. Default `${name}/${8 random hex}`. */
  node?: string;
  /** Service name for the default node id. Default `OTEL_SERVICE_NAME`, else `'node'`. */
  name?: string;
  /** Physical time source. Default: the system clock. */
  wallClock?: WallClock;
  /**
   * A remote timestamp more than this many milliseconds ahead of the local physical clock is
   * rejected and the clock stays as it was (CockroachDB's `maxOffset`). Default 500.
   */
  maxOffset?: number;
}

/** The outcome of {@link HybridLogicalClock.tryReceive}. */
export type HlcReceiveOutcome =
  | { accepted: true; timestamp: HlcTimestamp }
  | { accepted: false; reason: 'invalid-value' | 'max-offset'; message: string };

/** Largest logical counter; a burst past it waits for the next millisecond of physical time. */
const MAX_LOGICAL = 0x7fffffff;

/** Orders two HLC timestamps: negative, zero or positive. */
export function compareHlc(a: HlcTimestamp, b: HlcTimestamp): number {
  return a.wallMs !== b.wallMs ? a.wallMs - b.wallMs : a.logical - b.logical;
}

/**
 * A hybrid logical clock (Kulkarni, Demirbas et al., "Logical Physical Clocks", 2014).
 * Its timestamps respect happened-before like a Lamport clock and stay within `maxOffset` of
 * physical time, so they read as wall time.
 */
export class HybridLogicalClock {
  readonly node: string;
  readonly maxOffset: number;
  private readonly wallClock: WallClock;
  private wallMs = 0;
  private logical = 0;

  constructor(options: HybridLogicalClockOptions = {}) {
    this.node = options.node ?? defaultNodeId(options.name);
    if (this.node.length === 0 || this.node.length > MAX_NODE_LENGTH) {
      throw new RangeError(`@tickline/clock: node id must have 1 to ${MAX_NODE_LENGTH} characters`);
    }
    this.wallClock = options.wallClock ?? systemWallClock;
    this.maxOffset = options.maxOffset ?? 500;
    if (!(this.maxOffset >= 0)) throw new RangeError('@tickline/clock: maxOffset must be >= 0');
  }

  private physical(): number {
    return Math.floor(this.wallClock.now());
  }

  /** The latest timestamp, without advancing. */
  read(): HlcTimestamp {
    return { wallMs: this.wallMs, logical: this.logical };
  }

  /** A local event or a send: returns the new timestamp. */
  now(): HlcTimestamp {
    const physical = this.physical();
    if (physical > this.wallMs) {
      this.wallMs = physical;
      this.logical = 0;
    } else if (this.logical >= MAX_LOGICAL) {
      this.wallMs += 1;
      this.logical = 0;
    } else {
      this.logical += 1;
    }
    return { wallMs: this.wallMs, logical: this.logical };
  }

  /**
   * A receive of `remote`: the new timestamp exceeds both the local one and `remote`.
   * A remote wall time more than `maxOffset` ahead of local physical time is rejected and
   * the clock is left untouched.
   */
  tryReceive(remote: HlcTimestamp): HlcReceiveOutcome {
    if (
      !Number.isSafeInteger(remote.wallMs) ||
      remote.wallMs < 0 ||
      !Number.isSafeInteger(remote.logical) ||
      remote.logical < 0 ||
      remote.logical > MAX_LOGICAL
    ) {
      return {
        accepted: false,
        reason: 'invalid-value',
        message: 'remote HLC timestamp is not two non-negative safe integers',
      };
    }
    const physical = this.physical();
    if (remote.wallMs - physical > this.maxOffset) {
      return {
        accepted: false,
        reason: 'max-offset',
        message: `remote HLC wall time is ${remote.wallMs - physical} ms ahead, more than maxOffset ${this.maxOffset} ms`,
      };
    }
    const previous = this.wallMs;
    const wallMs = Math.max(previous, remote.wallMs, physical);
    let logical: number;
    if (wallMs === previous && wallMs === remote.wallMs) logical = Math.max(this.logical, remote.logical) + 1;
    else if (wallMs === previous) logical = this.logical + 1;
    else if (wallMs === remote.wallMs) logical = remote.logical + 1;
    else logical = 0;
    if (logical > MAX_LOGICAL) {
      this.wallMs = wallMs + 1;
      this.logical = 0;
    } else {
      this.wallMs = wallMs;
      this.logical = logical;
    }
    return { accepted: true, timestamp: { wallMs: this.wallMs, logical: this.logical } };
  }

  /** Formats the `hlc-clock` header for a timestamp of this node. */
  formatHeader(timestamp: HlcTimestamp): string {
    return formatHlcHeader(timestamp, this.node);
  }
}

/** The result of {@link parseHlcHeader}. */
export type ParsedHlcHeader =
  | { ok: true; timestamp: HlcTimestamp; node?: string }
  | { ok: false; reason: HeaderRejection; message: string };

/**
 * Formats an `hlc-clock` header value: the wall milliseconds as an RFC 8941 Integer with
 * parameters `c` (the logical counter, omitted when 0) and `node`, e.g.
 * `1732233600123;c=5;node="orders/7f3c2a1b"`.
 */
export function formatHlcHeader(timestamp: HlcTimestamp, node?: string): string {
  const { wallMs, logical } = timestamp;
  if (!Number.isSafeInteger(wallMs) || wallMs < 0 || wallMs > 999_999_999_999_999) {
    throw new RangeError('@tickline/clock: HLC wall time must be an integer from 0 to 999999999999999');
  }
  if (!Number.isSafeInteger(logical) || logical < 0 || logical > MAX_LOGICAL) {
    throw new RangeError('@tickline/clock: HLC counter must be an integer from 0 to 2147483647');
  }
  let out = String(wallMs);
  if (logical !== 0) out += `;c=${logical}`;
  if (node !== undefined) out += `;node=${serializeString(node)}`;
  return out;
}

/** Parses an `hlc-clock` header value (same grammar and limits as `lamport-clock`); the largest member wins. Never throws. */
export function parseHlcHeader(value: string | readonly string[] | undefined | null): ParsedHlcHeader {
  const parsed = parseMembers(value, HLC_HEADER);
  if (!parsed.ok) return parsed;
  let best: ParsedHlcHeader & { ok: true } = { ok: false } as never;
  for (const member of parsed.members) {
    const timestamp = { wallMs: member.clock, logical: member.logical ?? 0 };
    if (timestamp.logical < 0 || timestamp.logical > MAX_LOGICAL) continue;
    if (!best.ok || compareHlc(timestamp, best.timestamp) > 0) {
      best = member.node === undefined ? { ok: true, timestamp } : { ok: true, timestamp, node: member.node };
    }
  }
  if (!best.ok)
    return { ok: false, reason: 'malformed', message: `malformed ${HLC_HEADER}: counter out of range` };
  return best;
}
