import type { SpanKind } from '@tickline/otlp';
import type {
  AnalysisSummary,
  Anomaly,
  AnomalyKind,
  CausalAnalysis,
  DanglingMessage,
  DomainOffset,
  EventKindName,
} from './analysis.js';
import type { PhysicalClockView } from './physical.js';

/** One event of {@link AnalysisJson}: what a space-time diagram draws as a dot. */
export interface AnalysisJsonEvent {
  /** `<spanId>:start` or `<spanId>:end`. */
  id: string;
  spanId: string;
  traceId: string;
  spanName: string;
  spanKind: SpanKind;
  service: string;
  node: string;
  /** The clock domain (host) of the node. */
  domain: string;
  /** Lamport clock, or null for spans without Tickline attributes. */
  clock: number | null;
  /** Raw wall time, ns since the epoch, as a decimal string. */
  wallNanos: string;
  /** Wall time minus the domain's estimated offset, ns since the epoch, as a decimal string. */
  correctedNanos: string;
  kind: EventKindName;
  /** Position in the node's process order. */
  position: number;
  /** Position in Lamport's total order ⇒, or null without a clock. */
  lamportTotalOrderIndex: number | null;
}

/** One edge of {@link AnalysisJson}. */
export interface AnalysisJsonEdge {
  from: string;
  to: string;
  type: 'process' | 'message';
  /** Message edges: inferred from CLIENT → SERVER parenthood instead of `lamport.recv.*`. */
  fallback?: boolean;
  /** Message edges across nodes: the receive is stamped before the send. */
  backwards?: boolean;
  /** Message edges: raw wall(to) − wall(from) in ms (negative when backwards). */
  delayMs?: number;
  /** Message edges: corrected(to) − corrected(from) in ms. */
  correctedDelayMs?: number;
  /**
   * Backwards message edges between two clock domains: the proven interval of θ(to's domain) − θ(from's
   * domain) in ms (the receiver's clock is behind by at least −offsetHighMs); null bounds are unbounded.
   */
  offsetLowMs?: number | null;
  offsetHighMs?: number | null;
}

/** One domain of {@link AnalysisJson}: offset bounds relative to `reference`, ms; null bounds are unbounded. */
export type AnalysisJsonOffset = DomainOffset;

/** The machine-readable analysis (`tickline analyze --json`, the collector's API, the viewer's input). */
export interface AnalysisJson {
  events: AnalysisJsonEvent[];
  edges: AnalysisJsonEdge[];
  anomalies: Anomaly[];
  offsets: AnalysisJsonOffset[];
  /** No negative cycle, no clock-condition violation, acyclic graph. */
  consistent: boolean;
  reference: string;
  minLatencyMs: number;
  summary: AnalysisSummary;
  anomalyCounts: Record<AnomalyKind, number>;
  danglingMessages: DanglingMessage[];
  physical: PhysicalClockView;
  nodes: { node: string; service: string; domain: string; events: number; hasClock: boolean }[];
  warnings: string[];
}

/** Options of {@link toAnalysisJson}. */
export interface AnalysisJsonOptions {
  /** Include `events` and `edges` (the bulk of the output). Default true. */
  graph?: boolean;
}

/** The JSON form of an analysis (docs/design.md §8 `tickline analyze --json`). */
export function toAnalysisJson(analysis: CausalAnalysis, options: AnalysisJsonOptions = {}): AnalysisJson {
  const graph = analysis.graph;
  const events: AnalysisJsonEvent[] = [];
  const edges: AnalysisJsonEdge[] = [];
  if (options.graph ?? true) {
    const ids: string[] = new Array(graph.eventCount);
    for (let index = 0; index < graph.eventCount; index++) ids[index] = analysis.eventId(index);
    for (let index = 0; index < graph.eventCount; index++) {
      const event = analysis.event(index);
      const order = analysis.totalOrderIndex(index);
      events.push({
        id: event.id,
        spanId: event.spanId,
        traceId: event.traceId,
        spanName: event.spanName,
        spanKind: event.spanKind,
        service: event.service,
        node: event.node,
        domain: event.domain,
        clock: event.clock,
        wallNanos: event.wallNanos.toString(),
        correctedNanos: event.correctedNanos.toString(),
        kind: event.kind,
        position: event.position,
        lamportTotalOrderIndex: order < 0 ? null : order,
      });
    }
    for (let node = 0; node < graph.nodeNames.length; node++) {
      for (let slot = graph.nodeStart[node]! + 1; slot < graph.nodeStart[node + 1]!; slot++) {
        edges.push({
          from: ids[graph.nodeOrder[slot - 1]!]!,
          to: ids[graph.nodeOrder[slot]!]!,
          type: 'process',
        });
      }
    }
    for (let to = 0; to < graph.eventCount; to++) {
      const from = graph.messageFrom[to]!;
      if (from < 0) continue;
      const delay = graph.wall[to]! - graph.wall[from]!;
      const edge: AnalysisJsonEdge = {
        from: ids[from]!,
        to: ids[to]!,
        type: 'message',
        backwards: delay < 0 && graph.spanNode[from >> 1] !== graph.spanNode[to >> 1],
        delayMs: delay / 1e6,
        correctedDelayMs: analysis.correctedMs(to) - analysis.correctedMs(from),
      };
      if (graph.messageFallback[to] === 1) edge.fallback = true;
      if (
        edge.backwards &&
        graph.nodeDomain[graph.spanNode[from >> 1]!] !== graph.nodeDomain[graph.spanNode[to >> 1]!]
      ) {
        const bounds = analysis.messageOffsetBounds(from, to);
        edge.offsetLowMs = bounds.lowMs;
        edge.offsetHighMs = bounds.highMs;
      }
      edges.push(edge);
    }
  }
  const nodes = graph.nodeNames.map((node, index) => ({
    node,
    service: graph.nodeService[index]!,
    domain: graph.domainNames[graph.nodeDomain[index]!]!,
    events: graph.nodeStart[index + 1]! - graph.nodeStart[index]!,
    hasClock: graph.nodeHasClock[index] === 1,
  }));
  return {
    events,
    edges,
    anomalies: [...analysis.anomalies],
    offsets: analysis.offsets.map((offset) => ({ ...offset })),
    consistent: analysis.consistent,
    reference: analysis.reference,
    minLatencyMs: analysis.minLatencyMs,
    summary: analysis.summary,
    anomalyCounts: analysis.anomalyCounts,
    danglingMessages: analysis.danglingMessages,
    physical: analysis.physical,
    nodes,
    warnings: [...analysis.warnings],
  };
}
