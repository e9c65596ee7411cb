/**
 * Simulates a host whose wall clock is off by `skewMs`: `Date.now()` (which OpenTelemetry
 * anchors span times to) and `performance.timeOrigin` (which Tickline's event times use) both
 * read `skewMs` ahead. Only for the demo, which runs every "host" on one machine.
 */
export function skewProcessClock(skewMs: number): void {
  if (skewMs === 0) return;
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + skewMs;
  const origin = performance.timeOrigin + skewMs;
  Object.defineProperty(performance, 'timeOrigin', { value: origin, configurable: true });
}
