import type { SpanRecord } from './model.js';

/** What an OTLP decoder returns. */
export interface DecodeResult {
  /** The spans that passed validation, in request order. */
  spans: SpanRecord[];
  /** How many spans were rejected (OTLP `partial_success.rejected_spans`). */
  rejectedSpans: number;
  /** The first few messages about rejected spans and notes (e.g. a span that ends before it starts). */
  errors: string[];
}

/** Options of the OTLP decoders. */
export interface DecodeOptions {
  /** Deepest nesting of attribute values (arrays / key-value lists) accepted; a deeper span is rejected. Default 32. */
  maxAttributeDepth?: number;
  /** How many messages {@link DecodeResult.errors} keeps. Default 10. */
  maxErrors?: number;
}

/** Options of {@link decodeOtlp}. */
export interface DecodeOtlpOptions extends DecodeOptions {
  /** The body's media type (`application/x-protobuf`, `application/json`); sniffed from the bytes when absent. */
  contentType?: string;
}

/** OTLP `ExportTraceServiceResponse` fields. */
export interface ExportTraceServiceResponseInput {
  /** Spans rejected by the receiver; 0 for full success. */
  rejectedSpans?: number;
  /** Why spans were rejected, or a warning. */
  errorMessage?: string;
}

/** Default of {@link DecodeOptions.maxAttributeDepth}. */
export const DEFAULT_MAX_ATTRIBUTE_DEPTH = 32;
/** Default of {@link DecodeOptions.maxErrors}. */
export const DEFAULT_MAX_ERRORS = 10;
