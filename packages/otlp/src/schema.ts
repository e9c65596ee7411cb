import protobuf from 'protobufjs/light.js';

/**
 * The OTLP trace messages, field numbers from opentelemetry-proto v1
 * (collector/trace/v1/trace_service.proto, trace/v1/trace.proto, common/v1/common.proto,
 * resource/v1/resource.proto) and google/rpc/status.proto. Span events and links are kept as
 * opaque bytes: the span model does not carry them, and skipping them keeps decoding fast.
 */
const EXPLICIT_PRESENCE = { features: { field_presence: 'EXPLICIT' } };

const OTLP_SCHEMA = {
  nested: {
    // The `value` oneof is left out on purpose: protobufjs's oneof setter deletes the sibling fields of
    // every decoded value, which is slow; the decoder checks which field is present instead. Explicit
    // presence keeps `false`, `0` and `""` on the wire, as a oneof member would.
    AnyValue: {
      fields: {
        stringValue: { type: 'string', id: 1, options: EXPLICIT_PRESENCE },
        boolValue: { type: 'bool', id: 2, options: EXPLICIT_PRESENCE },
        intValue: { type: 'int64', id: 3, options: EXPLICIT_PRESENCE },
        doubleValue: { type: 'double', id: 4, options: EXPLICIT_PRESENCE },
        arrayValue: { type: 'ArrayValue', id: 5, options: EXPLICIT_PRESENCE },
        kvlistValue: { type: 'KeyValueList', id: 6, options: EXPLICIT_PRESENCE },
        bytesValue: { type: 'bytes', id: 7, options: EXPLICIT_PRESENCE },
      },
    },
    ArrayValue: { fields: { values: { rule: 'repeated', type: 'AnyValue', id: 1 } } },
    KeyValueList: { fields: { values: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
    KeyValue: {
      fields: {
        key: { type: 'string', id: 1 },
        value: { type: 'AnyValue', id: 2 },
      },
    },
    InstrumentationScope: {
      fields: {
        name: { type: 'string', id: 1 },
        version: { type: 'string', id: 2 },
        attributes: { rule: 'repeated', type: 'KeyValue', id: 3 },
        droppedAttributesCount: { type: 'uint32', id: 4 },
      },
    },
    InstrumentationLibrary: {
      fields: {
        name: { type: 'string', id: 1 },
        version: { type: 'string', id: 2 },
      },
    },
    Resource: {
      fields: {
        attributes: { rule: 'repeated', type: 'KeyValue', id: 1 },
        droppedAttributesCount: { type: 'uint32', id: 2 },
      },
    },
    Status: {
      fields: {
        message: { type: 'string', id: 2 },
        code: { type: 'int32', id: 3 },
      },
    },
    Span: {
      fields: {
        traceId: { type: 'bytes', id: 1 },
        spanId: { type: 'bytes', id: 2 },
        traceState: { type: 'string', id: 3 },
        parentSpanId: { type: 'bytes', id: 4 },
        flags: { type: 'fixed32', id: 16 },
        name: { type: 'string', id: 5 },
        kind: { type: 'int32', id: 6 },
        startTimeUnixNano: { type: 'fixed64', id: 7 },
        endTimeUnixNano: { type: 'fixed64', id: 8 },
        attributes: { rule: 'repeated', type: 'KeyValue', id: 9 },
        droppedAttributesCount: { type: 'uint32', id: 10 },
        events: { rule: 'repeated', type: 'bytes', id: 11 },
        droppedEventsCount: { type: 'uint32', id: 12 },
        links: { rule: 'repeated', type: 'bytes', id: 13 },
        droppedLinksCount: { type: 'uint32', id: 14 },
        status: { type: 'Status', id: 15 },
      },
    },
    ScopeSpans: {
      fields: {
        scope: { type: 'InstrumentationScope', id: 1 },
        spans: { rule: 'repeated', type: 'Span', id: 2 },
        schemaUrl: { type: 'string', id: 3 },
      },
    },
    InstrumentationLibrarySpans: {
      fields: {
        instrumentationLibrary: { type: 'InstrumentationLibrary', id: 1 },
        spans: { rule: 'repeated', type: 'Span', id: 2 },
        schemaUrl: { type: 'string', id: 3 },
      },
    },
    ResourceSpans: {
      fields: {
        resource: { type: 'Resource', id: 1 },
        scopeSpans: { rule: 'repeated', type: 'ScopeSpans', id: 2 },
        schemaUrl: { type: 'string', id: 3 },
        instrumentationLibrarySpans: { rule: 'repeated', type: 'InstrumentationLibrarySpans', id: 1000 },
      },
    },
    ExportTraceServiceRequest: {
      fields: { resourceSpans: { rule: 'repeated', type: 'ResourceSpans', id: 1 } },
    },
    ExportTracePartialSuccess: {
      fields: {
        rejectedSpans: { type: 'int64', id: 1 },
        errorMessage: { type: 'string', id: 2 },
      },
    },
    ExportTraceServiceResponse: {
      fields: { partialSuccess: { type: 'ExportTracePartialSuccess', id: 1 } },
    },
    RpcStatus: {
      fields: {
        code: { type: 'int32', id: 1 },
        message: { type: 'string', id: 2 },
        details: { rule: 'repeated', type: 'bytes', id: 3 },
      },
    },
  },
};

/** The protobufjs message types of OTLP traces. */
export interface OtlpTypes {
  request: protobuf.Type;
  response: protobuf.Type;
  rpcStatus: protobuf.Type;
}

let cachedTypes: OtlpTypes | undefined;

/**
 * The OTLP message types, built once on first use. (The one piece of module state: an immutable
 * schema, built lazily so importing the package stays cheap.)
 */
export function otlpTypes(): OtlpTypes {
  if (cachedTypes === undefined) {
    const root = protobuf.Root.fromJSON(OTLP_SCHEMA);
    cachedTypes = {
      request: root.lookupType('ExportTraceServiceRequest'),
      response: root.lookupType('ExportTraceServiceResponse'),
      rpcStatus: root.lookupType('RpcStatus'),
    };
  }
  return cachedTypes;
}
