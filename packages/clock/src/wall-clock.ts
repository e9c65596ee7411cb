/** A source of wall-clock time, injected so that tests control time (as OpenTelemetry's `Clock`). */
export interface WallClock {
  /** Milliseconds since the Unix epoch; may be fractional. */
  now(): number;
}

/**
 * The platform's wall clock, read the way OpenTelemetry reads span times
 * (`performance.timeOrigin + performance.now()`), so event times and span times agree.
 */
export const systemWallClock: WallClock = createSystemWallClock();

function createSystemWallClock(): WallClock {
  // The time origin is fixed for the life of the process; its getter costs ~100 ns a read here.
  // `performance` is a lazy global getter in Node: looking it up per call was ~7% of a request's
  // clock work (instruction counts), so the bound method is taken once.
  const origin = performance.timeOrigin;
  const performanceNow = performance.now.bind(performance);
  return { now: () => origin + performanceNow() };
}

/** Whole microseconds since the Unix epoch from a wall clock (a safe integer until the year 2255). */
export function nowMicros(wallClock: WallClock = systemWallClock): number {
  return Math.round(wallClock.now() * 1000);
}
