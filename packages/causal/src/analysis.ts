import type { SpanKind, SpanRecord } from '@tickline/otlp';
import { CausalOptionsError } from './errors.js';
import { assignRanks, buildEventGraph, type EventGraph, findSpan } from './graph.js';
import { type PhysicalClockView, physicalClockView } from './physical.js';
import { type SkewSolution, solveSkew } from './skew.js';

/** Options of {@link analyze}. */
export interface AnalyzeOptions {
  /**
   * μ, the minimum one-way latency of a message between two hosts, in milliseconds. Every message
   * a → b across clock domains then proves `θ(b) − θ(a) <= wall(b) − wall(a) − μ`. Default 0.
   */
  minLatencyMs?: number;
  /**
   * The clock domain the offsets are relative to (a `host.id`, `host.name` or node id). Default: the
   * domain with the most events. Unknown names fall back to the default and add a warning.
   */
  referenceDomain?: string;
  /** κ, the bound on the clocks' drift rate for the physical-clock view (Lamport §4). Default 1e-6 (1 ppm). */
  driftRate?: number;
}

/** An event is named by its id (`<spanId>:start`, `<spanId>:end`) or by its index in the analysis. */
export type EventRef = string | number;

/** What an event does, from its span kind (docs/design.md §4). */
export type EventKindName = 'send' | 'receive' | 'local';

/** The kinds of anomaly (docs/design.md §6). */
export type AnomalyKind =
  | 'backwards-message'
  | 'local-clock-regression'
  | 'clock-condition-violation'
  | 'inconsistent-offsets';

/** One place where wall-clock time, Lamport clocks or offsets contradict the causal order. */
export interface Anomaly {
  kind: AnomalyKind;
  /** Event id of the edge's tail (for `inconsistent-offsets`: the send of the cycle's first message). */
  from: string;
  /** Event id of the edge's head (for `inconsistent-offsets`: the receive of the cycle's first message). */
  to: string;
  /**
   * In ms: how far the receive is stamped before the send (backwards-message), how far the wall clock
   * stepped back (local-clock-regression), how negative the cycle of constraints is (inconsistent-offsets);
   * 0 for clock-condition-violation, whose size is {@link Anomaly.clockDelta}.
   */
  magnitudeMs: number;
  /** The edge type, for anomalies on one edge. */
  edge?: 'process' | 'message';
  /** clock-condition-violation: C(from) − C(to) + 1, the ticks the head's clock fell short. */
  clockDelta?: number;
  /** inconsistent-offsets: the domains of the negative cycle, in order. */
  cycle?: string[];
  /** inconsistent-offsets: the message giving the tightest constraint of each hop of the cycle. */
  messages?: { from: string; to: string }[];
}

/** One event with everything a space-time diagram needs. */
export interface CausalEvent {
  index: number;
  id: string;
  spanId: string;
  traceId: string;
  spanName: string;
  spanKind: SpanKind;
  service: string;
  node: string;
  domain: string;
  /** Lamport clock, or null for spans without Tickline attributes. */
  clock: number | null;
  kind: EventKindName;
  /** Raw wall time, nanoseconds since the epoch (never changed by the analysis). */
  wallNanos: bigint;
  /** Wall time minus the estimated offset of the event's domain. */
  correctedNanos: bigint;
  /** Position of the event in its node's process order. */
  position: number;
}

/** The offset of one clock domain: host clock = true time + θ, relative to the reference's θ. */
export interface DomainOffset {
  domain: string;
  /** The domain this offset is relative to: the analysis reference, or the reference of a separate component. */
  reference: string;
  /** Tightest proven lower bound of θ(domain) − θ(reference) in ms; null when unbounded. */
  lowMs: number | null;
  /** Tightest proven upper bound in ms; null when unbounded. */
  highMs: number | null;
  /** A jointly feasible offset (midpoint where bounded, else the bound nearest 0), in ms. */
  estimateMs: number;
  /** False for domains on a negative cycle: their bounds and estimate are a best effort. */
  consistent: boolean;
  nodes: string[];
  events: number;
}

/** A received message whose send event is not in the input (sampled out, or not exported yet). */
export interface DanglingMessage {
  /** The receive event. */
  to: string;
  senderNode: string;
  senderClock: number;
}

/** Counts describing the input and the graph. */
export interface AnalysisSummary {
  spans: number;
  events: number;
  nodes: number;
  domains: number;
  /** Message edges (including fallback edges); dangling ones are counted apart. */
  messages: number;
  fallbackMessages: number;
  dangling: number;
  /** Input spans dropped as exact repeats (same trace id and span id). */
  duplicateSpans: number;
  /** Spans without valid Tickline attributes (their events have no clock and live on a pseudo node `otel:…`). */
  spansWithoutClock: number;
  /** False when the edges form a cycle (only possible with clock-condition violations or bad fallback edges). */
  acyclic: boolean;
}

const NANOS_PER_MS = 1e6;
const KIND_NAMES: EventKindName[] = ['local', 'send', 'receive'];
// Edge anomaly codes: 0 backwards message, 1 local regression, 2/3 clock condition on a process/message edge.
const ANOMALY_KINDS: AnomalyKind[] = [
  'backwards-message',
  'local-clock-regression',
  'clock-condition-violation',
  'clock-condition-violation',
];
const ANOMALY_EDGES: ('process' | 'message')[] = ['message', 'process', 'process', 'message'];
const ANOMALY_ORDER = [0, 1, 2, 2];

/** Anomalies on single edges, kept columnar until someone reads them. */
class EdgeAnomalies {
  kind = new Uint8Array(64);
  from = new Int32Array(64);
  to = new Int32Array(64);
  magnitude = new Float64Array(64);
  length = 0;
  push(kind: number, from: number, to: number, magnitude: number): void {
    if (this.length === this.kind.length) {
      const size = this.length * 2;
      const grow = <T extends Uint8Array | Int32Array | Float64Array>(array: T, next: T): T => {
        next.set(array);
        return next;
      };
      this.kind = grow(this.kind, new Uint8Array(size));
      this.from = grow(this.from, new Int32Array(size));
      this.to = grow(this.to, new Int32Array(size));
      this.magnitude = grow(this.magnitude, new Float64Array(size));
    }
    const i = this.length++;
    this.kind[i] = kind;
    this.from[i] = from;
    this.to[i] = to;
    this.magnitude[i] = magnitude;
  }
}

/**
 * Rebuilds the happened-before relation of the spans (docs/design.md §5), flags the anomalies of §6,
 * bounds every clock domain's offset and estimates corrected times. Pure; never throws on span data.
 * @throws {CausalOptionsError} when an option is out of range.
 */
export function analyze(spans: SpanRecord[], options: AnalyzeOptions = {}): CausalAnalysis {
  const minLatencyMs = options.minLatencyMs ?? 0;
  if (!Number.isFinite(minLatencyMs) || minLatencyMs < 0) {
    throw new CausalOptionsError(`minLatencyMs must be a finite number >= 0, got ${String(minLatencyMs)}`);
  }
  const driftRate = options.driftRate ?? 1e-6;
  if (!Number.isFinite(driftRate) || driftRate < 0 || driftRate >= 1) {
    throw new CausalOptionsError(`driftRate must be a number in [0, 1), got ${String(driftRate)}`);
  }
  const graph = buildEventGraph(spans);
  const warnings: string[] = [];
  let reference: number | undefined;
  if (options.referenceDomain !== undefined) {
    reference = graph.domainIndexByName.get(options.referenceDomain);
    if (reference === undefined) {
      warnings.push(
        `reference domain '${options.referenceDomain}' has no events; using the domain with the most events instead`,
      );
    }
  }
  const skew = solveSkew(graph, Math.round(minLatencyMs * NANOS_PER_MS), reference);
  const anomalies = detectEdgeAnomalies(graph);
  let clockConditionViolations = 0;
  for (let i = 0; i < anomalies.length; i++) if (anomalies.kind[i]! >= 2) clockConditionViolations++;
  assignRanks(graph, clockConditionViolations);
  const physical = physicalClockView(graph, skew, driftRate);
  if (!graph.acyclic) warnings.push('the edges form a cycle: happened-before is not a partial order here');
  return new CausalAnalysis(graph, skew, anomalies, physical, minLatencyMs, warnings);
}

function detectEdgeAnomalies(graph: EventGraph): EdgeAnomalies {
  const anomalies = new EdgeAnomalies();
  const { nodeOrder, nodeStart, nodeHasClock, wall, clock, messageFrom, spanNode, eventCount } = graph;
  for (let node = 0; node < graph.nodeNames.length; node++) {
    const withClock = nodeHasClock[node] === 1;
    for (let slot = nodeStart[node]! + 1; slot < nodeStart[node + 1]!; slot++) {
      const a = nodeOrder[slot - 1]!;
      const b = nodeOrder[slot]!;
      if (wall[b]! < wall[a]!) anomalies.push(1, a, b, (wall[a]! - wall[b]!) / NANOS_PER_MS);
      if (withClock && clock[a]! >= clock[b]!) anomalies.push(2, a, b, 0);
    }
  }
  for (let b = 0; b < eventCount; b++) {
    const a = messageFrom[b]!;
    if (a < 0) continue;
    if (spanNode[a >> 1] !== spanNode[b >> 1] && wall[b]! < wall[a]!) {
      anomalies.push(0, a, b, (wall[a]! - wall[b]!) / NANOS_PER_MS);
    }
    if (clock[a]! >= clock[b]!) anomalies.push(3, a, b, 0);
  }
  return anomalies;
}

/**
 * The result of {@link analyze}: the happened-before graph with its queries, the anomalies, the
 * clock-domain offsets and the physical-clock view. Events are numbered 0..eventCount-1 (event 2k is the
 * start and 2k+1 the end of the k-th distinct span); every query also takes the string ids.
 */
export class CausalAnalysis {
  /** Warnings about options or the graph (never about single spans: those are anomalies). */
  readonly warnings: readonly string[];
  /** μ used for the skew constraints, in ms. */
  readonly minLatencyMs: number;
  /** Lamport's physical-clock view of this analysis. */
  readonly physical: PhysicalClockView;
  /** @internal */
  readonly graph: EventGraph;
  /** @internal */
  readonly skew: SkewSolution;
  readonly #edgeAnomalies: EdgeAnomalies;
  #anomalies: Anomaly[] | undefined;
  #offsets: DomainOffset[] | undefined;
  #totalOrder: Int32Array | undefined;
  #totalOrderIndex: Int32Array | undefined;
  #scratch: SearchScratch | undefined;

  /** @internal Use {@link analyze}. */
  constructor(
    graph: EventGraph,
    skew: SkewSolution,
    edgeAnomalies: EdgeAnomalies,
    physical: PhysicalClockView,
    minLatencyMs: number,
    warnings: string[],
  ) {
    this.graph = graph;
    this.skew = skew;
    this.#edgeAnomalies = edgeAnomalies;
    this.physical = physical;
    this.minLatencyMs = minLatencyMs;
    this.warnings = warnings;
  }

  /** Number of events (twice the number of distinct spans). */
  get eventCount(): number {
    return this.graph.eventCount;
  }

  /** Node ids, indexed by node number. Pseudo nodes of spans without Tickline attributes start with `otel:`. */
  get nodes(): readonly string[] {
    return this.graph.nodeNames;
  }

  /** Clock domains (host.id, else host.name, else the node id), indexed by domain number. */
  get domains(): readonly string[] {
    return this.graph.domainNames;
  }

  /** The reference clock domain of the offsets ('' when there are no events). */
  get reference(): string {
    return this.graph.domainNames[this.skew.reference] ?? '';
  }

  /** Counts of spans, events, nodes, domains, messages. */
  get summary(): AnalysisSummary {
    const graph = this.graph;
    let fallbackMessages = 0;
    for (let event = 0; event < graph.eventCount; event++) fallbackMessages += graph.messageFallback[event]!;
    return {
      spans: graph.spanCount,
      events: graph.eventCount,
      nodes: graph.nodeNames.length,
      domains: graph.domainNames.length,
      messages: graph.messageCount,
      fallbackMessages,
      dangling: graph.dangling.length,
      duplicateSpans: graph.duplicateSpans,
      spansWithoutClock: graph.spansWithoutClock,
      acyclic: graph.acyclic,
    };
  }

  /**
   * True when the timestamps have a causal explanation: the offset constraints are feasible, no edge breaks
   * the clock condition and the edges are acyclic. Backwards messages alone do not make it false (offsets explain them).
   */
  get consistent(): boolean {
    return (
      this.skew.cycles.length === 0 &&
      this.anomalyCounts['clock-condition-violation'] === 0 &&
      this.graph.acyclic
    );
  }

  /** How many anomalies of each kind. */
  get anomalyCounts(): Record<AnomalyKind, number> {
    const counts: Record<AnomalyKind, number> = {
      'backwards-message': 0,
      'local-clock-regression': 0,
      'clock-condition-violation': 0,
      'inconsistent-offsets': this.skew.cycles.length,
    };
    const edges = this.#edgeAnomalies;
    for (let i = 0; i < edges.length; i++) counts[ANOMALY_KINDS[edges.kind[i]!]!]++;
    return counts;
  }

  /** All anomalies, grouped by kind (order of {@link AnomalyKind}), the largest magnitude first within a kind. */
  get anomalies(): readonly Anomaly[] {
    if (this.#anomalies !== undefined) return this.#anomalies;
    const edges = this.#edgeAnomalies;
    const order = Array.from({ length: edges.length }, (_, i) => i);
    order.sort(
      (a, b) =>
        ANOMALY_ORDER[edges.kind[a]!]! - ANOMALY_ORDER[edges.kind[b]!]! ||
        edges.magnitude[b]! - edges.magnitude[a]! ||
        a - b,
    );
    const result: Anomaly[] = [];
    const graph = this.graph;
    for (const i of order) {
      const from = edges.from[i]!;
      const to = edges.to[i]!;
      const kind = ANOMALY_KINDS[edges.kind[i]!]!;
      const anomaly: Anomaly = {
        kind,
        from: this.eventId(from),
        to: this.eventId(to),
        magnitudeMs: edges.magnitude[i]!,
        edge: ANOMALY_EDGES[edges.kind[i]!]!,
      };
      if (kind === 'clock-condition-violation')
        anomaly.clockDelta = graph.clock[from]! - graph.clock[to]! + 1;
      result.push(anomaly);
    }
    const cycles = [...this.skew.cycles].sort((a, b) => a.weight - b.weight);
    for (const cycle of cycles) {
      const first = cycle.messages[0]!;
      result.push({
        kind: 'inconsistent-offsets',
        from: this.eventId(first.send),
        to: this.eventId(first.receive),
        magnitudeMs: -cycle.weight / NANOS_PER_MS,
        cycle: cycle.domains.map((domain) => graph.domainNames[domain]!),
        messages: cycle.messages.map((message) => ({
          from: this.eventId(message.send),
          to: this.eventId(message.receive),
        })),
      });
    }
    this.#anomalies = result;
    return result;
  }

  /** Offset bounds and estimate of every clock domain, the reference first, then by name. */
  get offsets(): readonly DomainOffset[] {
    if (this.#offsets !== undefined) return this.#offsets;
    const graph = this.graph;
    const skew = this.skew;
    const nodesOf: string[][] = graph.domainNames.map(() => []);
    graph.nodeNames.forEach((node, index) => {
      nodesOf[graph.nodeDomain[index]!]!.push(node);
    });
    const ms = (value: number): number | null => (Number.isFinite(value) ? value / NANOS_PER_MS : null);
    const result = graph.domainNames.map(
      (domain, index): DomainOffset => ({
        domain,
        reference: graph.domainNames[skew.domainReference[index]!]!,
        lowMs: ms(skew.low[index]!),
        highMs: ms(skew.high[index]!),
        estimateMs: skew.estimate[index]! / NANOS_PER_MS,
        consistent: skew.inconsistent[index] === 0,
        nodes: nodesOf[index]!,
        events: skew.domainEvents[index]!,
      }),
    );
    const main = this.reference;
    const collator = new Intl.Collator('en', { numeric: true });
    result.sort(
      (a, b) =>
        Number(b.domain === main) - Number(a.domain === main) ||
        Number(b.reference === main) - Number(a.reference === main) ||
        collator.compare(a.domain, b.domain),
    );
    this.#offsets = result;
    return result;
  }

  /**
   * The tightest proven interval of θ(to) − θ(from) between two clock domains, in ms (null bounds are
   * unbounded). A message a → b is stamped backwards by at most what this interval allows.
   */
  offsetBetween(from: string, to: string): { lowMs: number | null; highMs: number | null } | undefined {
    const p = this.graph.domainIndexByName.get(from);
    const q = this.graph.domainIndexByName.get(to);
    if (p === undefined || q === undefined) return undefined;
    return this.#offsetBetween(p, q);
  }

  #offsetBetween(p: number, q: number): { lowMs: number | null; highMs: number | null } {
    const count = this.skew.domainCount;
    const high = p === q ? 0 : this.skew.distance[p * count + q]!;
    const low = p === q ? 0 : 0 - this.skew.distance[q * count + p]!;
    return {
      lowMs: Number.isFinite(low) ? low / NANOS_PER_MS : null,
      highMs: Number.isFinite(high) ? high / NANOS_PER_MS : null,
    };
  }

  /** For a message edge between two domains: the proven interval of θ(receiver) − θ(sender), in ms. */
  messageOffsetBounds(send: EventRef, receive: EventRef): { lowMs: number | null; highMs: number | null } {
    return this.#offsetBetween(this.domainIndexOf(send), this.domainIndexOf(receive));
  }

  /** Messages whose sender event is not in the input. */
  get danglingMessages(): DanglingMessage[] {
    return this.graph.dangling.map((message) => ({
      to: this.eventId(message.event),
      senderNode: message.senderNode,
      senderClock: message.senderClock,
    }));
  }

  /** The index of an event id (`<spanId>:start` / `<spanId>:end`), or undefined. */
  eventIndex(id: string): number | undefined {
    const colon = id.lastIndexOf(':');
    if (colon < 0) return undefined;
    const which = id.slice(colon + 1);
    if (which !== 'start' && which !== 'end') return undefined;
    const label = id.slice(0, colon);
    const graph = this.graph;
    const tilde = label.indexOf('~');
    let span: number;
    if (tilde < 0) {
      span = findSpan(graph.spans, graph.spanSource, graph.spanTable, label, undefined);
    } else {
      // A span id reused in another trace: the n-th kept span with that id.
      const base = findSpan(graph.spans, graph.spanSource, graph.spanTable, label.slice(0, tilde), undefined);
      span = -1;
      if (base >= 0) {
        for (const [candidate, override] of graph.spanLabelOverride) if (override === label) span = candidate;
      }
    }
    return span < 0 ? undefined : 2 * span + (which === 'end' ? 1 : 0);
  }

  /** The id of an event: `<spanId>:start` or `<spanId>:end` (`<spanId>~2:…` for a span id reused in another trace). */
  eventId(index: number): string {
    const span = index >> 1;
    const label = this.graph.spanLabelOverride.get(span) ?? this.spanOf(index).spanId;
    return `${label}:${index & 1 ? 'end' : 'start'}`;
  }

  /** The span record an event belongs to. */
  spanOf(event: EventRef): SpanRecord {
    const index = this.#resolve(event);
    return this.graph.spans[this.graph.spanSource[index >> 1]!]!;
  }

  /** Everything about one event. */
  event(event: EventRef): CausalEvent {
    const index = this.#resolve(event);
    const graph = this.graph;
    const span = this.spanOf(index);
    const node = graph.spanNode[index >> 1]!;
    const clock = graph.clock[index]!;
    const service = span.resource['service.name'];
    return {
      index,
      id: this.eventId(index),
      spanId: span.spanId,
      traceId: span.traceId,
      spanName: span.name,
      spanKind: span.kind,
      service: typeof service === 'string' ? service : graph.nodeService[node]!,
      node: graph.nodeNames[node]!,
      domain: graph.domainNames[graph.nodeDomain[node]!]!,
      clock: Number.isNaN(clock) ? null : clock,
      kind: KIND_NAMES[graph.kind[index]!]!,
      wallNanos: this.wallNanos(index),
      correctedNanos: this.correctedNanos(index),
      position: graph.position[index]!,
    };
  }

  /** Raw wall time of an event in ns since the epoch: `lamport.*.time_us` when present, else the span's start or end. */
  wallNanos(event: EventRef): bigint {
    const index = this.#resolve(event);
    const graph = this.graph;
    if (graph.wallFromAttribute[index] === 0) {
      const span = this.spanOf(index);
      return index & 1 ? span.endTimeUnixNano : span.startTimeUnixNano;
    }
    return graph.baseNanos + BigInt(graph.wall[index]!);
  }

  /** Wall time minus the estimated offset of the event's clock domain, in ns since the epoch. */
  correctedNanos(event: EventRef): bigint {
    const index = this.#resolve(event);
    const offset = this.skew.estimate[this.domainIndexOf(index)]!;
    return this.wallNanos(index) - BigInt(offset);
  }

  /** Wall time in ms relative to the analysis' base time (float; for layouts and arithmetic). */
  wallMs(event: EventRef): number {
    return this.graph.wall[this.#resolve(event)]! / NANOS_PER_MS;
  }

  /** Corrected time in ms relative to the analysis' base time. */
  correctedMs(event: EventRef): number {
    const index = this.#resolve(event);
    return (this.graph.wall[index]! - this.skew.estimate[this.domainIndexOf(index)]!) / NANOS_PER_MS;
  }

  /** Domain number of an event. */
  domainIndexOf(event: EventRef): number {
    const index = this.#resolve(event);
    return this.graph.nodeDomain[this.graph.spanNode[index >> 1]!]!;
  }

  /**
   * Lamport's a → b (§2): a path of process-order and message edges leads from a to b. Bounded search:
   * backwards from b over per-node prefixes, pruned by topological level.
   */
  happenedBefore(a: EventRef, b: EventRef): boolean {
    const from = this.#resolve(a);
    const to = this.#resolve(b);
    if (from === to) return false;
    const graph = this.graph;
    const sameNode = graph.spanNode[from >> 1] === graph.spanNode[to >> 1];
    if (graph.acyclic) {
      if (graph.rank[from]! >= graph.rank[to]!) return false;
      if (sameNode) return graph.position[from]! < graph.position[to]!;
    } else if (sameNode && graph.position[from]! < graph.position[to]!) {
      return true;
    }
    return this.#searchPast(to, from);
  }

  /** Neither a → b nor b → a (and a ≠ b). */
  concurrent(a: EventRef, b: EventRef): boolean {
    const from = this.#resolve(a);
    const to = this.#resolve(b);
    return from !== to && !this.happenedBefore(from, to) && !this.happenedBefore(to, from);
  }

  /** Indices of all events e with e → event, per node in process order. */
  causalPast(event: EventRef): number[] {
    const index = this.#resolve(event);
    this.#searchPast(index, -1);
    const scratch = this.#scratch!;
    const graph = this.graph;
    const result: number[] = [];
    for (let i = 0; i < scratch.touchedCount; i++) {
      const node = scratch.touched[i]!;
      const start = graph.nodeStart[node]!;
      for (let position = 0; position <= scratch.reach[node]!; position++) {
        const other = graph.nodeOrder[start + position]!;
        if (other !== index) result.push(other);
      }
    }
    return result;
  }

  /** Indices of all events e with event → e, per node in process order. */
  causalFuture(event: EventRef): number[] {
    const index = this.#resolve(event);
    const graph = this.graph;
    const scratch = this.#scratchFor();
    const generation = ++scratch.generation;
    scratch.touchedCount = 0;
    const visit = (node: number, position: number): void => {
      if (scratch.stamp[node] !== generation) {
        scratch.stamp[node] = generation;
        scratch.reach[node] = position;
        scratch.scanned[node] = graph.nodeStart[node + 1]! - graph.nodeStart[node]!;
        scratch.touched[scratch.touchedCount++] = node;
        scratch.stack.push(node);
      } else if (position < scratch.reach[node]!) {
        scratch.reach[node] = position;
        scratch.stack.push(node);
      }
    };
    visit(graph.spanNode[index >> 1]!, graph.position[index]!);
    while (scratch.stack.length > 0) {
      const node = scratch.stack.pop()!;
      const start = graph.nodeStart[node]!;
      const reach = scratch.reach[node]!;
      for (let position = reach; position < scratch.scanned[node]!; position++) {
        const event = graph.nodeOrder[start + position]!;
        for (let edge = graph.messageOutStart[event]!; edge < graph.messageOutStart[event + 1]!; edge++) {
          const target = graph.messageTargets[edge]!;
          visit(graph.spanNode[target >> 1]!, graph.position[target]!);
        }
      }
      if (reach < scratch.scanned[node]!) scratch.scanned[node] = reach;
    }
    const result: number[] = [];
    for (let i = 0; i < scratch.touchedCount; i++) {
      const node = scratch.touched[i]!;
      const start = graph.nodeStart[node]!;
      const end = graph.nodeStart[node + 1]!;
      for (let slot = start + scratch.reach[node]!; slot < end; slot++) {
        const other = graph.nodeOrder[slot]!;
        if (other !== index) result.push(other);
      }
    }
    return result;
  }

  /**
   * The vector timestamp of an event (Fidge/Mattern): for every node with events in its causal past
   * (itself included), how many of that node's events are in it. Computed on demand, sparse.
   */
  vectorTimestamp(event: EventRef): Record<string, number> {
    const index = this.#resolve(event);
    this.#searchPast(index, -1);
    const scratch = this.#scratch!;
    const result: Record<string, number> = {};
    for (let i = 0; i < scratch.touchedCount; i++) {
      const node = scratch.touched[i]!;
      result[this.graph.nodeNames[node]!] = scratch.reach[node]! + 1;
    }
    return result;
  }

  /**
   * Whether a cut (per node id: how many of its first events are inside) is consistent: every message
   * received inside the cut was sent inside it. Nodes left out count as 0.
   */
  isConsistentCut(cut: Record<string, number>): boolean {
    const graph = this.graph;
    const size = new Float64Array(graph.nodeNames.length);
    graph.nodeNames.forEach((name, node) => {
      size[node] = Math.max(0, Math.min(cut[name] ?? 0, graph.nodeStart[node + 1]! - graph.nodeStart[node]!));
    });
    for (let node = 0; node < graph.nodeNames.length; node++) {
      const start = graph.nodeStart[node]!;
      for (let position = 0; position < size[node]!; position++) {
        const sender = graph.messageFrom[graph.nodeOrder[start + position]!]!;
        if (sender >= 0 && graph.position[sender]! >= size[graph.spanNode[sender >> 1]!]!) return false;
      }
    }
    return true;
  }

  /**
   * Lamport's total order ⇒ (§3): events with a clock sorted by clock, ties by node id, then by index.
   * Events without a clock are not in it. It extends → wherever the clock condition holds.
   */
  totalOrder(): Int32Array {
    if (this.#totalOrder !== undefined) return this.#totalOrder;
    const graph = this.graph;
    const names = graph.nodeNames;
    const nodeRank = new Int32Array(names.length);
    Array.from({ length: names.length }, (_, i) => i)
      .sort((a, b) => (names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : a - b))
      .forEach((node, rank) => {
        nodeRank[node] = rank;
      });
    let count = 0;
    for (let event = 0; event < graph.eventCount; event++) if (!Number.isNaN(graph.clock[event]!)) count++;
    const order = new Int32Array(count);
    let next = 0;
    for (let event = 0; event < graph.eventCount; event++)
      if (!Number.isNaN(graph.clock[event]!)) order[next++] = event;
    const clock = graph.clock;
    const spanNode = graph.spanNode;
    order.sort(
      (a, b) => clock[a]! - clock[b]! || nodeRank[spanNode[a >> 1]!]! - nodeRank[spanNode[b >> 1]!]! || a - b,
    );
    this.#totalOrder = order;
    return order;
  }

  /** Position of an event in {@link totalOrder}, or -1 for events without a clock. */
  totalOrderIndex(event: EventRef): number {
    if (this.#totalOrderIndex === undefined) {
      const order = this.totalOrder();
      const index = new Int32Array(this.graph.eventCount).fill(-1);
      for (let i = 0; i < order.length; i++) index[order[i]!] = i;
      this.#totalOrderIndex = index;
    }
    return this.#totalOrderIndex[this.#resolve(event)]!;
  }

  #resolve(event: EventRef): number {
    if (typeof event === 'number') {
      if (Number.isInteger(event) && event >= 0 && event < this.graph.eventCount) return event;
      throw new RangeError(
        `@tickline/causal: no event number ${event}; events are 0..${this.graph.eventCount - 1}`,
      );
    }
    const index = this.eventIndex(event);
    if (index === undefined) {
      throw new RangeError(
        `@tickline/causal: no event '${event}'; ids look like '<spanId>:start' or '<spanId>:end'`,
      );
    }
    return index;
  }

  #scratchFor(): SearchScratch {
    if (this.#scratch === undefined) {
      const nodes = this.graph.nodeNames.length;
      this.#scratch = {
        generation: 0,
        stamp: new Int32Array(nodes),
        reach: new Int32Array(nodes),
        scanned: new Int32Array(nodes),
        touched: new Int32Array(nodes),
        touchedCount: 0,
        stack: [],
      };
    }
    return this.#scratch;
  }

  /**
   * Walks the causal past of `event` as one prefix per node. With a target, stops as soon as the target is
   * inside the past and prunes events whose level is not above the target's (a DAG cannot reach them).
   */
  #searchPast(event: number, target: number): boolean {
    const graph = this.graph;
    const scratch = this.#scratchFor();
    const generation = ++scratch.generation;
    scratch.touchedCount = 0;
    scratch.stack.length = 0;
    const targetNode = target >= 0 ? graph.spanNode[target >> 1]! : -1;
    const targetPosition = target >= 0 ? graph.position[target]! : 0;
    const minimumRank = target >= 0 && graph.acyclic ? graph.rank[target]! : -1;
    const visit = (node: number, position: number): boolean => {
      if (scratch.stamp[node] !== generation) {
        scratch.stamp[node] = generation;
        scratch.reach[node] = position;
        scratch.scanned[node] = -1;
        scratch.touched[scratch.touchedCount++] = node;
        scratch.stack.push(node);
      } else if (position > scratch.reach[node]!) {
        scratch.reach[node] = position;
        scratch.stack.push(node);
      } else {
        return false;
      }
      return node === targetNode && position >= targetPosition;
    };
    if (visit(graph.spanNode[event >> 1]!, graph.position[event]!) && event !== target) return true;
    while (scratch.stack.length > 0) {
      const node = scratch.stack.pop()!;
      const start = graph.nodeStart[node]!;
      const reach = scratch.reach[node]!;
      for (let position = reach; position > scratch.scanned[node]!; position--) {
        const current = graph.nodeOrder[start + position]!;
        if (graph.rank[current]! <= minimumRank) break;
        const sender = graph.messageFrom[current]!;
        if (sender >= 0 && visit(graph.spanNode[sender >> 1]!, graph.position[sender]!)) {
          scratch.stack.length = 0;
          return true;
        }
      }
      if (reach > scratch.scanned[node]!) scratch.scanned[node] = reach;
    }
    return false;
  }
}

interface SearchScratch {
  generation: number;
  stamp: Int32Array;
  reach: Int32Array;
  scanned: Int32Array;
  touched: Int32Array;
  touchedCount: number;
  stack: number[];
}
