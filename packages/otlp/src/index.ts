export { decodeOtlp } from './decode.js';
export { OtlpDecodeError } from './errors.js';
export { decodeOtlpJson, encodeOtlpJsonRequest } from './json.js';
export type { Attributes, AttributeValue, SpanRecord } from './model.js';
export { LamportAttribute, SpanKind } from './model.js';
export { decodeOtlpProtobuf, encodeOtlpProtobufRequest } from './protobuf.js';
export {
  decodeExportTraceServiceResponse,
  decodeRpcStatus,
  encodeExportTraceServiceResponse,
  encodeExportTraceServiceResponseJson,
  encodeRpcStatus,
} from './response.js';
export type {
  DecodeOptions,
  DecodeOtlpOptions,
  DecodeResult,
  ExportTraceServiceResponseInput,
} from './types.js';
export { DEFAULT_MAX_ATTRIBUTE_DEPTH, DEFAULT_MAX_ERRORS } from './types.js';
