/** Why a remote clock value was not merged. */
export type RemoteRejection = 'invalid-value' | 'forward-jump' | 'overflow' | 'untrusted';

/** Thrown by `receive` when a remote clock value is rejected; the local clock is left untouched. */
export class RemoteClockRejectedError extends Error {
  override readonly name = 'RemoteClockRejectedError';
  constructor(
    readonly reason: RemoteRejection,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Thrown when a clock would pass `Number.MAX_SAFE_INTEGER`. It cannot happen through the
 * header (15 digits at most, so at least 8·10^15 events of headroom), only through direct API use.
 */
export class ClockExhaustedError extends Error {
  override readonly name = 'ClockExhaustedError';
  constructor() {
    super(
      '@tickline/clock: the clock reached Number.MAX_SAFE_INTEGER and cannot advance; restart the process with a new node id',
    );
  }
}
