import { expect, it } from 'vitest';
import {
  computeLayout,
  denseRanks,
  FIT,
  fromPixel,
  logicalClocks,
  niceTicks,
  orderLanes,
  toPixel,
  zoomAt,
} from './layout';
import type { ViewerEvent } from './model';

const BASE = 1_763_780_000_000_000_000n;

function event(
  id: string,
  node: string,
  clock: number | null,
  wallMs: number,
  correctedMs = wallMs,
): ViewerEvent {
  return {
    id,
    spanId: id.split(':')[0]!,
    traceId: 't',
    spanName: id,
    spanKind: 1,
    service: node.split('/')[0]!,
    node,
    domain: node,
    clock,
    wallNanos: BASE + BigInt(wallMs * 1e6),
    correctedNanos: BASE + BigInt(correctedMs * 1e6),
    kind: 'local',
    position: null,
  };
}

// b's clock is 40 ms behind: raw, b's events come first; corrected, a's do.
const events = [
  event('a1', 'web/1', 1, 0),
  event('b1', 'orders/1', 2, -38, 2),
  event('b2', 'orders/1', 3, -30, 10),
  event('a2', 'web/1', 4, 12),
  event('c1', 'orders/2', 1, -35, 5),
  event('x1', 'otel:web', null, 20),
];
const edges = [
  { from: 'a1', to: 'b1' },
  { from: 'b1', to: 'b2' },
  { from: 'b2', to: 'a2' },
  { from: 'a2', to: 'x1' },
];

it('groups lanes by service, ordered by the earliest corrected time', () => {
  const lanes = orderLanes(events);
  expect(lanes.map((lane) => lane.node)).toEqual(['web/1', 'orders/1', 'orders/2', 'otel:web']);
  expect(lanes.map((lane) => lane.firstOfService)).toEqual([true, true, false, true]);
});

it('places events by raw wall time, ms from the earliest', () => {
  const layout = computeLayout(events, edges, 'wall');
  expect(layout.x.get('b1')).toBe(0);
  expect(layout.x.get('a1')).toBe(38);
  expect(layout.unit).toBe('ms');
  expect(layout.originNanos).toBe(BASE - 38_000_000n);
  // The message a1 → b1 points backwards in raw time …
  expect(layout.x.get('b1')!).toBeLessThan(layout.x.get('a1')!);
  // … and forwards in corrected time.
  const corrected = computeLayout(events, edges, 'corrected');
  expect(corrected.x.get('b1')!).toBeGreaterThan(corrected.x.get('a1')!);
});

it('derives a logical clock for events without one, keeping the clock condition', () => {
  const clocks = logicalClocks(events, edges);
  expect(clocks.get('x1')).toBe(5);
  for (const edge of edges) expect(clocks.get(edge.from)!).toBeLessThan(clocks.get(edge.to)!);
});

it('the Lamport layout uses dense ranks of the clock values', () => {
  const layout = computeLayout(events, edges, 'lamport');
  expect(layout.unit).toBe('tick');
  expect(layout.x.get('a1')).toBe(0);
  expect(layout.x.get('c1')).toBe(0);
  expect(layout.x.get('x1')).toBe(4);
  expect(
    denseRanks(
      new Map([
        ['a', 10],
        ['b', 3],
        ['c', 10],
      ]),
    ),
  ).toEqual(
    new Map([
      ['a', 1],
      ['b', 0],
      ['c', 1],
    ]),
  );
});

it('a single event still gets a non-empty extent', () => {
  const layout = computeLayout([event('a1', 'web/1', 1, 0)], [], 'wall');
  expect(layout.max).toBeGreaterThan(layout.min);
});

it('zooming keeps the point under the cursor fixed, and pixels map back to positions', () => {
  const layout = { min: 0, max: 100 };
  const width = 500;
  const before = fromPixel(200, layout, width, FIT);
  const zoomed = zoomAt(FIT, 4, 200);
  expect(fromPixel(200, layout, width, zoomed)).toBeCloseTo(before, 9);
  expect(toPixel(before, layout, width, zoomed)).toBeCloseTo(200, 9);
  expect(zoomAt(FIT, 0.5, 100)).toEqual(FIT);
});

it('ticks are round numbers covering the range', () => {
  expect(niceTicks(0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100]);
  expect(niceTicks(-38, 12, 5)).toEqual([-30, -20, -10, 0, 10]);
  expect(niceTicks(0.1, 0.35, 3)).toEqual([0.1, 0.2, 0.3]);
});
