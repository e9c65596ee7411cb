/**
 * Pure layout of the space-time diagram (Lamport's Fig. 1, turned sideways): one horizontal lane per
 * node, grouped by service; time runs left to right.
 */
import type { ViewerEdge, ViewerEvent } from './model';

/** How events are placed along the time axis. */
export type LayoutMode = 'wall' | 'corrected' | 'lamport';

/** Names shown for each layout. */
export const LAYOUT_LABELS: Record<LayoutMode, string> = {
  wall: 'Wall clock',
  corrected: 'Corrected',
  lamport: 'Lamport',
};

/** One lane: one node (one Lamport clock). */
export interface Lane {
  node: string;
  service: string;
  domain: string;
  /** Row, top to bottom. */
  index: number;
  /** True for the first lane of its service (a group header is drawn above it). */
  firstOfService: boolean;
}

/** Where everything goes, in data units: ms since the earliest event, or Lamport ticks. */
export interface DiagramLayout {
  mode: LayoutMode;
  lanes: Lane[];
  laneOfNode: Map<string, number>;
  /** Event id → position along the time axis. */
  x: Map<string, number>;
  min: number;
  max: number;
  unit: 'ms' | 'tick';
  /** The wall (or corrected) time of position 0, ns since the epoch; 0n for the Lamport layout. */
  originNanos: bigint;
}

/**
 * Orders the lanes: services by their earliest event in corrected time (so a request reads top to bottom
 * even when a clock is off), nodes of one service together, each by its earliest event; ties by name.
 */
export function orderLanes(events: readonly ViewerEvent[]): Lane[] {
  const first = new Map<string, { service: string; domain: string; wall: bigint }>();
  const serviceFirst = new Map<string, bigint>();
  for (const event of events) {
    const known = first.get(event.node);
    const time = event.correctedNanos;
    if (known === undefined || time < known.wall) {
      first.set(event.node, { service: event.service, domain: event.domain, wall: time });
    }
    const service = serviceFirst.get(event.service);
    if (service === undefined || time < service) serviceFirst.set(event.service, time);
  }
  const compare = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
  const nodes = [...first.entries()].sort(([nodeA, a], [nodeB, b]) => {
    if (a.service !== b.service) {
      return (
        compare(serviceFirst.get(a.service)!, serviceFirst.get(b.service)!) ||
        a.service.localeCompare(b.service)
      );
    }
    return compare(a.wall, b.wall) || nodeA.localeCompare(nodeB);
  });
  return nodes.map(([node, info], index) => ({
    node,
    service: info.service,
    domain: info.domain,
    index,
    firstOfService: index === 0 || nodes[index - 1]![1].service !== info.service,
  }));
}

/**
 * A logical clock for every event: its Lamport clock where it has one, else one more than the largest
 * value among its predecessors (the smallest value that keeps the clock condition). Events on a cycle
 * (only with inconsistent data) keep what their clock says, or 0.
 */
export function logicalClocks(
  events: readonly ViewerEvent[],
  edges: readonly Pick<ViewerEdge, 'from' | 'to'>[],
): Map<string, number> {
  const known = new Set(events.map((event) => event.id));
  const incoming = new Map<string, number>();
  const successors = new Map<string, string[]>();
  for (const edge of edges) {
    if (!known.has(edge.from) || !known.has(edge.to) || edge.from === edge.to) continue;
    incoming.set(edge.to, (incoming.get(edge.to) ?? 0) + 1);
    const list = successors.get(edge.from);
    if (list === undefined) successors.set(edge.from, [edge.to]);
    else list.push(edge.to);
  }
  const floor = new Map<string, number>();
  const clocks = new Map<string, number>();
  const clockOf = new Map(events.map((event) => [event.id, event.clock]));
  const queue = events.filter((event) => !incoming.has(event.id)).map((event) => event.id);
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head]!;
    const value = clockOf.get(id) ?? floor.get(id) ?? 1;
    clocks.set(id, value);
    for (const next of successors.get(id) ?? []) {
      floor.set(next, Math.max(floor.get(next) ?? 0, value + 1));
      const remaining = incoming.get(next)! - 1;
      incoming.set(next, remaining);
      if (remaining === 0) queue.push(next);
    }
  }
  for (const event of events) if (!clocks.has(event.id)) clocks.set(event.id, event.clock ?? 0);
  return clocks;
}

/** Dense ranks: the smallest value gets 0, equal values share a rank. */
export function denseRanks(values: Map<string, number>): Map<string, number> {
  const distinct = [...new Set(values.values())].sort((a, b) => a - b);
  const rank = new Map(distinct.map((value, index) => [value, index]));
  return new Map([...values].map(([id, value]) => [id, rank.get(value)!]));
}

/** Computes lanes and positions for one layout mode. */
export function computeLayout(
  events: readonly ViewerEvent[],
  edges: readonly Pick<ViewerEdge, 'from' | 'to'>[],
  mode: LayoutMode,
): DiagramLayout {
  const lanes = orderLanes(events);
  const laneOfNode = new Map(lanes.map((lane) => [lane.node, lane.index]));
  const x = new Map<string, number>();
  let originNanos = 0n;
  if (mode === 'lamport') {
    for (const [id, rank] of denseRanks(logicalClocks(events, edges))) x.set(id, rank);
  } else {
    const time = (event: ViewerEvent): bigint => (mode === 'wall' ? event.wallNanos : event.correctedNanos);
    if (events.length > 0) {
      originNanos = time(events[0]!);
      for (const event of events) if (time(event) < originNanos) originNanos = time(event);
    }
    for (const event of events) x.set(event.id, Number(time(event) - originNanos) / 1e6);
  }
  let min = 0;
  let max = 0;
  for (const value of x.values()) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  if (max === min) max = min + 1;
  return { mode, lanes, laneOfNode, x, min, max, unit: mode === 'lamport' ? 'tick' : 'ms', originNanos };
}

/** Pan and zoom of the time axis: pixel = plotLeft + ((x − min) / (max − min)) · width · zoom + pan. */
export interface ViewTransform {
  zoom: number;
  pan: number;
}

/** The identity transform: the whole layout fits the plot. */
export const FIT: ViewTransform = { zoom: 1, pan: 0 };

/** Maps a position to a pixel offset within the plot. */
export function toPixel(
  value: number,
  layout: Pick<DiagramLayout, 'min' | 'max'>,
  width: number,
  view: ViewTransform,
) {
  return ((value - layout.min) / (layout.max - layout.min)) * width * view.zoom + view.pan;
}

/** Maps a pixel offset within the plot back to a position. */
export function fromPixel(
  pixel: number,
  layout: Pick<DiagramLayout, 'min' | 'max'>,
  width: number,
  view: ViewTransform,
): number {
  return layout.min + ((pixel - view.pan) / (width * view.zoom)) * (layout.max - layout.min);
}

/** Zooms by `factor` keeping the point at `pixel` fixed; zoom stays within [1, 10⁶]. */
export function zoomAt(view: ViewTransform, factor: number, pixel: number): ViewTransform {
  const zoom = Math.min(1e6, Math.max(1, view.zoom * factor));
  const applied = zoom / view.zoom;
  return { zoom, pan: pixel - (pixel - view.pan) * applied };
}

/** Round-number tick values covering [min, max], about `count` of them. */
export function niceTicks(min: number, max: number, count: number): number[] {
  if (!(max > min) || count < 1) return [min];
  const rough = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((multiple) => multiple * power).find((candidate) => candidate >= rough)!;
  const ticks: number[] = [];
  for (let value = Math.ceil(min / step) * step; value <= max + step * 1e-9; value += step) {
    ticks.push(Math.abs(value) < step * 1e-9 ? 0 : Number(value.toPrecision(12)));
  }
  return ticks;
}
