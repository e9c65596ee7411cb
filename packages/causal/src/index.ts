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
export type { Attributes, AttributeValue, SpanRecord } from './model.js';
export { LamportAttribute, SpanKind } from './model.js';
export type {
  DecodeOptions,
  DecodeOtlpOptions,
  DecodeResult,
  ExportTraceServiceResponseInput,
} from './otlp/index.js';
export {
  DEFAULT_MAX_ATTRIBUTE_DEPTH,
  DEFAULT_MAX_ERRORS,
  decodeExportTraceServiceResponse,
  decodeOtlp,
  decodeOtlpJson,
  decodeOtlpProtobuf,
  decodeRpcStatus,
  encodeExportTraceServiceResponse,
  encodeExportTraceServiceResponseJson,
  encodeOtlpJsonRequest,
  encodeOtlpProtobufRequest,
  encodeRpcStatus,
  OtlpDecodeError,
} from './otlp/index.js';
export type { PhysicalClockView } from './physical.js';
export type { OffsetCycle, SkewSolution } from './skew.js';
