import { type AnalysisJson, type AnalyzeOptions, analyze, toAnalysisJson } from '@tickline/causal';
import type { SpanRecord } from '@tickline/otlp';

/**
 * Anomaly counts per trace for the traces list, computed by running the analysis on the trace and kept
 * while the trace's span count is unchanged. Bounded (least recently used entries are dropped).
 */
export class TraceAnomalyCache {
  readonly #entries = new Map<string, { spanCount: number; anomalyCount: number }>();
  readonly #maxEntries: number;
  readonly #options: AnalyzeOptions;

  constructor(options: AnalyzeOptions, maxEntries = 10_000) {
    this.#options = options;
    this.#maxEntries = maxEntries;
  }

  /** The cached count for a trace at this span count, if any. */
  get(traceId: string, spanCount: number): number | undefined {
    const entry = this.#entries.get(traceId);
    if (entry === undefined || entry.spanCount !== spanCount) return undefined;
    this.#entries.delete(traceId);
    this.#entries.set(traceId, entry);
    return entry.anomalyCount;
  }

  /** Analyses the spans of one trace and caches the anomaly count. */
  compute(traceId: string, spans: SpanRecord[]): number {
    const anomalyCount = analyzeSpans(spans, this.#options, false).anomalies.length;
    this.#entries.delete(traceId);
    this.#entries.set(traceId, { spanCount: spans.length, anomalyCount });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    return anomalyCount;
  }
}

/** The `tickline analyze --json` shape for some spans. */
export function analyzeSpans(spans: SpanRecord[], options: AnalyzeOptions, graph = true): AnalysisJson {
  return toAnalysisJson(analyze(spans, options), { graph });
}
