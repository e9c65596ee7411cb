/**
 * The viewer's own view of an analysis: AnalysisJson from @tickline/causal (the collector's API or an
 * analysis run in the browser), read defensively so that missing or extra fields never break the page.
 */

/** What an event does (docs/design.md §4). */
export type EventKindName = 'send' | 'receive' | 'local';

/** One event: a dot in the space-time diagram. */
export interface ViewerEvent {
  id: string;
  spanId: string;
  traceId: string;
  spanName: string;
  /** OTLP span kind number, or null when absent. */
  spanKind: number | null;
  service: string;
  node: string;
  domain: string;
  /** Lamport clock value, or null for spans without Tickline attributes. */
  clock: number | null;
  /** Raw wall time, ns since the epoch. */
  wallNanos: bigint;
  /** Wall time minus the domain's estimated offset, ns since the epoch. */
  correctedNanos: bigint;
  kind: EventKindName;
  /** Position in the node's process order, when the analysis gave it. */
  position: number | null;
}

/** One edge of the happened-before graph. */
export interface ViewerEdge {
  from: string;
  to: string;
  type: 'process' | 'message';
  backwards: boolean;
  fallback: boolean;
  dangling: boolean;
  /** Raw wall(to) − wall(from) in ms, when known. */
  delayMs: number | null;
  correctedDelayMs: number | null;
}

/** One anomaly (docs/design.md §6). */
export interface ViewerAnomaly {
  kind: string;
  from: string;
  to: string;
  magnitudeMs: number;
  clockDelta: number | null;
  cycle: string[];
}

/** The offset interval of one clock domain, relative to `reference`, in ms; null bounds are unbounded. */
export interface ViewerOffset {
  domain: string;
  reference: string;
  lowMs: number | null;
  highMs: number | null;
  estimateMs: number;
  consistent: boolean;
  nodes: string[];
}

/** One node (one Lamport clock): a lane of the diagram. */
export interface ViewerNode {
  node: string;
  service: string;
  domain: string;
}

/** A received message whose send was not exported. */
export interface ViewerDangling {
  to: string;
  senderNode: string;
  senderClock: number | null;
}

/** Everything the viewer draws. */
export interface ViewerAnalysis {
  events: ViewerEvent[];
  eventsById: Map<string, ViewerEvent>;
  edges: ViewerEdge[];
  anomalies: ViewerAnomaly[];
  offsets: ViewerOffset[];
  nodes: ViewerNode[];
  dangling: ViewerDangling[];
  consistent: boolean;
  reference: string;
  warnings: string[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown, fallback = ''): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return fallback;
}

function finiteNumber(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return null;
}

function nanos(value: unknown): bigint | null {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'string' && /^-?\d{1,30}$/.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.round(value));
  return null;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function eventKind(value: unknown): EventKindName {
  return value === 'send' || value === 'receive' ? value : 'local';
}

/** Thrown when a response or file is not an analysis at all. */
export class AnalysisFormatError extends Error {
  override name = 'AnalysisFormatError';
}

/**
 * Reads an AnalysisJson (the output of `toAnalysisJson`) into the viewer's model. Unknown fields are
 * ignored; events without an id or a wall time are dropped; edges to unknown events are kept only as
 * dangling message edges.
 */
export function readAnalysis(input: unknown): ViewerAnalysis {
  if (!isObject(input) || !Array.isArray(input.events)) {
    throw new AnalysisFormatError('viewer: the response is not an analysis (no "events" array)');
  }
  const events: ViewerEvent[] = [];
  const eventsById = new Map<string, ViewerEvent>();
  for (const raw of input.events) {
    if (!isObject(raw)) continue;
    const id = text(raw.id);
    const wall = nanos(raw.wallNanos);
    if (id === '' || wall === null || eventsById.has(id)) continue;
    const node = text(raw.node, 'unknown');
    const event: ViewerEvent = {
      id,
      spanId: text(raw.spanId, id.split(':')[0] ?? id),
      traceId: text(raw.traceId),
      spanName: text(raw.spanName, text(raw.name)),
      spanKind: finiteNumber(raw.spanKind),
      service: text(raw.service, node.split('/')[0] ?? node),
      node,
      domain: text(raw.domain, node),
      clock: finiteNumber(raw.clock),
      wallNanos: wall,
      correctedNanos: nanos(raw.correctedNanos) ?? wall,
      kind: eventKind(raw.kind),
      position: finiteNumber(raw.position),
    };
    events.push(event);
    eventsById.set(id, event);
  }
  const edges: ViewerEdge[] = [];
  for (const raw of list(input.edges)) {
    if (!isObject(raw)) continue;
    const from = text(raw.from);
    const to = text(raw.to);
    const type = raw.type === 'process' ? 'process' : 'message';
    const known = eventsById.has(from) && eventsById.has(to);
    if (type === 'process' && !known) continue;
    edges.push({
      from,
      to,
      type,
      backwards: raw.backwards === true,
      fallback: raw.fallback === true,
      dangling: raw.dangling === true || !known,
      delayMs: finiteNumber(raw.delayMs),
      correctedDelayMs: finiteNumber(raw.correctedDelayMs),
    });
  }
  const anomalies: ViewerAnomaly[] = [];
  for (const raw of list(input.anomalies)) {
    if (!isObject(raw)) continue;
    anomalies.push({
      kind: text(raw.kind, 'anomaly'),
      from: text(raw.from),
      to: text(raw.to),
      magnitudeMs: finiteNumber(raw.magnitudeMs) ?? 0,
      clockDelta: finiteNumber(raw.clockDelta),
      cycle: list(raw.cycle).map((domain) => text(domain)),
    });
  }
  const offsets = readOffsets(input.offsets);
  const nodes: ViewerNode[] = [];
  const seenNodes = new Set<string>();
  for (const raw of list(input.nodes)) {
    if (!isObject(raw)) continue;
    const node = text(raw.node);
    if (node === '' || seenNodes.has(node)) continue;
    seenNodes.add(node);
    nodes.push({ node, service: text(raw.service, node), domain: text(raw.domain, node) });
  }
  for (const event of events) {
    if (seenNodes.has(event.node)) continue;
    seenNodes.add(event.node);
    nodes.push({ node: event.node, service: event.service, domain: event.domain });
  }
  const dangling: ViewerDangling[] = [];
  for (const raw of list(input.danglingMessages)) {
    if (!isObject(raw) || !eventsById.has(text(raw.to))) continue;
    dangling.push({
      to: text(raw.to),
      senderNode: text(raw.senderNode, '?'),
      senderClock: finiteNumber(raw.senderClock),
    });
  }
  return {
    events,
    eventsById,
    edges,
    anomalies,
    offsets,
    nodes: nodes.filter((node) => events.some((event) => event.node === node.node)),
    dangling,
    consistent: input.consistent !== false,
    reference: text(input.reference),
    warnings: list(input.warnings).map((warning) => text(warning)),
  };
}

/** Reads the `offsets` array of an analysis or of `GET /api/offsets`. */
export function readOffsets(input: unknown): ViewerOffset[] {
  const offsets: ViewerOffset[] = [];
  for (const raw of list(input)) {
    if (!isObject(raw)) continue;
    offsets.push({
      domain: text(raw.domain),
      reference: text(raw.reference),
      lowMs: finiteNumber(raw.lowMs),
      highMs: finiteNumber(raw.highMs),
      estimateMs: finiteNumber(raw.estimateMs) ?? 0,
      consistent: raw.consistent !== false,
      nodes: list(raw.nodes).map((node) => text(node)),
    });
  }
  return offsets;
}

/**
 * The proven interval of θ(to) − θ(from) in ms for two clock domains (docs/design.md §6), from their
 * offsets relative to a common reference; null when unknown or unbounded on both sides.
 */
export function skewBetween(
  offsets: ViewerOffset[],
  fromDomain: string,
  toDomain: string,
): { lowMs: number | null; highMs: number | null } | null {
  if (fromDomain === toDomain) return { lowMs: 0, highMs: 0 };
  const from = offsets.find((offset) => offset.domain === fromDomain);
  const to = offsets.find((offset) => offset.domain === toDomain);
  if (from === undefined || to === undefined || from.reference !== to.reference) return null;
  const lowMs = to.lowMs === null || from.highMs === null ? null : to.lowMs - from.highMs;
  const highMs = to.highMs === null || from.lowMs === null ? null : to.highMs - from.lowMs;
  if (lowMs === null && highMs === null) return null;
  return { lowMs, highMs };
}
