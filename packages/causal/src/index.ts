export type { Attributes, AttributeValue, SpanRecord } from '@tickline/otlp';
export { LamportAttribute, SpanKind } from '@tickline/otlp';
export type {
  AnalysisSummary,
  AnalyzeOptions,
  Anomaly,
  AnomalyKind,
  CausalEvent,
  DanglingMessage,
  DomainOffset,
  EventKindName,
  EventRef,
} from './analysis.js';
export { analyze, CausalAnalysis } from './analysis.js';
export { CausalOptionsError } from './errors.js';
export type { EventGraph } from './graph.js';
export type {
  AnalysisJson,
  AnalysisJsonEdge,
  AnalysisJsonEvent,
  AnalysisJsonOffset,
  AnalysisJsonOptions,
} from './json.js';
export { toAnalysisJson } from './json.js';
export type { PhysicalClockView } from './physical.js';
export type { OffsetCycle, SkewSolution } from './skew.js';
