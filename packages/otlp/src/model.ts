/**
 * The span record every part of Tickline exchanges: the OTLP span data model, normalised.
 * Produced by the OTLP decoders (JSON and protobuf), stored by the collector, read by the analysis.
 */

/** OTLP `Span.SpanKind` enum values (opentelemetry/proto/trace/v1/trace.proto). */
export const SpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;
/** One of the {@link SpanKind} values. */
export type SpanKind = (typeof SpanKind)[keyof typeof SpanKind];

/**
 * An attribute value. OTLP `intValue` becomes a `number` when it is a safe integer, else a
 * decimal `string`; `bytesValue` becomes a lowercase hex string; arrays and key/value lists nest.
 */
export type AttributeValue =
  | string
  | number
  | boolean
  | null
  | AttributeValue[]
  | { [key: string]: AttributeValue };

/** Flattened OTLP attributes: key → value. */
export type Attributes = Record<string, AttributeValue>;

/** One span, normalised from OTLP. */
export interface SpanRecord {
  /** 32 lowercase hex characters (16 bytes). */
  traceId: string;
  /** 16 lowercase hex characters (8 bytes). */
  spanId: string;
  /** 16 lowercase hex characters, or undefined for a root span. */
  parentSpanId: string | undefined;
  name: string;
  kind: SpanKind;
  /** Wall time of the span's start, nanoseconds since the Unix epoch. */
  startTimeUnixNano: bigint;
  /** Wall time of the span's end, nanoseconds since the Unix epoch. */
  endTimeUnixNano: bigint;
  /** The span's own attributes (the `lamport.*` attributes live here). */
  attributes: Attributes;
  /** The attributes of the span's resource (`service.name`, `host.id`, `host.name`, …). Shared between spans of one resource. */
  resource: Attributes;
  /** Instrumentation scope, when the exporter sent one. */
  scope?: { name: string; version?: string };
  /** OTLP status code (0 unset, 1 ok, 2 error) and message. */
  status?: { code: number; message?: string };
}

/** Names of the span attributes of the Tickline span contract (docs/design.md §4). */
export const LamportAttribute = {
  NODE: 'lamport.node',
  START: 'lamport.start',
  END: 'lamport.end',
  RECV_NODE: 'lamport.recv.node',
  RECV_CLOCK: 'lamport.recv.clock',
  REJECTED: 'lamport.rejected',
  START_TIME_US: 'lamport.start.time_us',
  END_TIME_US: 'lamport.end.time_us',
} as const;
