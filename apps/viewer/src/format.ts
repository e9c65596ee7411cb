/** Small formatting helpers shared by the panels and the diagram. */

/** A duration in ms with a sensible number of digits: `0.25 ms`, `39 ms`, `1.2 s`. */
export function formatMs(value: number | null, options: { signed?: boolean } = {}): string {
  if (value === null || !Number.isFinite(value)) return '∞';
  const sign = value < 0 ? '−' : options.signed && value > 0 ? '+' : '';
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return `${sign}${trim(magnitude / 1000, 2)} s`;
  if (magnitude >= 1 || magnitude === 0) return `${sign}${trim(magnitude, magnitude >= 100 ? 0 : 1)} ms`;
  if (magnitude >= 0.001) return `${sign}${trim(magnitude * 1000, 1)} µs`;
  return `${sign}${trim(magnitude * 1e6, 0)} ns`;
}

function trim(value: number, digits: number): string {
  return String(Number(value.toFixed(digits)));
}

/** An interval `[low, high]` in ms; open ends print as ∞. */
export function formatInterval(lowMs: number | null, highMs: number | null): string {
  const low = lowMs === null ? '−∞' : formatMs(lowMs, { signed: true });
  const high = highMs === null ? '+∞' : formatMs(highMs, { signed: true });
  return `[${low}, ${high}]`;
}

/** Wall time in ns since the epoch as ISO 8601 with microseconds (UTC). */
export function formatNanos(nanos: bigint): string {
  const millis = nanos / 1_000_000n;
  const micros = ((nanos % 1_000_000n) + 1_000_000n) % 1_000_000n;
  const date = new Date(Number(millis));
  if (Number.isNaN(date.getTime())) return `${nanos} ns`;
  const iso = date.toISOString();
  return `${iso.slice(0, 23)}${String(micros / 1000n).padStart(3, '0')}Z`;
}

/** Unix ms as `YYYY-MM-DD HH:MM:SS` (UTC). */
export function formatClockTime(millis: number): string {
  const date = new Date(millis);
  if (Number.isNaN(date.getTime())) return '';
  return date.toISOString().replace('T', ' ').slice(0, 19);
}

/** The OTLP span kind name. */
export function spanKindName(kind: number | null): string {
  return ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'][kind ?? 0] ?? 'unspecified';
}

/** Human names of the anomaly kinds (docs/design.md §6). */
export function anomalyLabel(kind: string): string {
  switch (kind) {
    case 'backwards-message':
      return 'Backwards message';
    case 'local-clock-regression':
      return 'Wall clock stepped back';
    case 'clock-condition-violation':
      return 'Clock condition violated';
    case 'inconsistent-offsets':
      return 'Inconsistent offsets';
    default:
      return kind;
  }
}
