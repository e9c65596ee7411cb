import {
  describe,
  ResultBuilder,
  SpanRejection,
  setAttribute,
  spanKindFrom,
  statusCodeFrom,
} from './common.js';
import { OtlpDecodeError } from './errors.js';
import { base64ToBytes, bytesToBase64, bytesToHex, hexToBytes, isHex } from './hex.js';
import { acceptJsonRequest, type FastJsonRequest, scanJsonRequest } from './json-fast.js';
import type { Attributes, AttributeValue, SpanRecord } from './model.js';
import { attributesToKeyValues, groupSpans } from './protobuf.js';
import type { DecodeOptions, DecodeResult } from './types.js';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A field by its lowerCamelCase name, else its proto (snake_case) name: protobuf's JSON mapping accepts both. */
function field(object: JsonObject, camelName: string, snakeName: string): unknown {
  const value = object[camelName];
  return value === undefined ? object[snakeName] : value;
}

/** A repeated field that is a structural part of the request: anything but an array (or absent) is a malformed body. */
function bodyArray(object: JsonObject, camelName: string, snakeName: string, path: string): unknown[] {
  const value = field(object, camelName, snakeName);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw new OtlpDecodeError(`${path}${camelName}`, `expected an array, got ${describe(value)}`);
  return value;
}

const DECIMAL = /^-?\d+$/;
const TWO_TO_64 = 2n ** 64n;
const INT64_MIN = -(2n ** 63n);
const INT64_END = 2n ** 63n;
const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER);
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

/** True for '', '0', '00', …: an unset OTLP id. Cheap for real ids, whose first character is rarely '0'. */
function isZeroId(value: string): boolean {
  for (let index = 0; index < value.length; index++) if (value.charCodeAt(index) !== 0x30) return false;
  return true;
}

function unsignedNanosFrom(value: unknown, path: string): bigint {
  if (value === undefined || value === null || value === 0 || value === '0' || value === '') {
    throw new SpanRejection(path, 'missing');
  }
  if (typeof value === 'string' && DECIMAL.test(value) && value[0] !== '-') {
    const nanos = BigInt(value);
    if (nanos < TWO_TO_64) return nanos;
  }
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return BigInt(Math.trunc(value));
  throw new SpanRejection(
    path,
    `expected unsigned int64 nanoseconds (decimal string or number), got ${describe(value)}`,
  );
}

function intAttributeFrom(value: unknown, path: string): number | string {
  if (typeof value === 'number' && Number.isInteger(value))
    return Number.isSafeInteger(value) ? value : BigInt(value).toString();
  if (typeof value === 'string' && DECIMAL.test(value)) {
    // Up to 15 digits (and a sign) is always a safe integer: no BigInt needed.
    if (value.length <= 15) return Number(value) + 0; // + 0 turns '-0' into 0, as BigInt would
    const integer = BigInt(value);
    if (integer >= INT64_MIN && integer < INT64_END) {
      return integer >= SAFE_MIN && integer <= SAFE_MAX ? Number(integer) : integer.toString();
    }
  }
  throw new SpanRejection(path, `expected an int64 (decimal string or integer), got ${describe(value)}`);
}

function doubleAttributeFrom(value: unknown, path: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (value === 'NaN') return Number.NaN;
    if (value === 'Infinity') return Number.POSITIVE_INFINITY;
    if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
    const number = Number(value);
    if (value.trim() !== '' && !Number.isNaN(number)) return number;
  }
  throw new SpanRejection(path, `expected a double, got ${describe(value)}`);
}

function anyValueFrom(value: unknown, depth: number, maxDepth: number, path: string): AttributeValue {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) throw new SpanRejection(path, `expected an AnyValue object, got ${describe(value)}`);
  let inner = field(value, 'stringValue', 'string_value');
  if (inner !== undefined && inner !== null) {
    if (typeof inner !== 'string')
      throw new SpanRejection(`${path}.stringValue`, `expected a string, got ${describe(inner)}`);
    return inner;
  }
  inner = field(value, 'intValue', 'int_value');
  if (inner !== undefined && inner !== null) return intAttributeFrom(inner, `${path}.intValue`);
  inner = field(value, 'boolValue', 'bool_value');
  if (inner !== undefined && inner !== null) {
    if (typeof inner !== 'boolean')
      throw new SpanRejection(`${path}.boolValue`, `expected a boolean, got ${describe(inner)}`);
    return inner;
  }
  inner = field(value, 'doubleValue', 'double_value');
  if (inner !== undefined && inner !== null) return doubleAttributeFrom(inner, `${path}.doubleValue`);
  inner = field(value, 'arrayValue', 'array_value');
  if (inner !== undefined && inner !== null) {
    if (depth >= maxDepth)
      throw new SpanRejection(path, `attribute values nest deeper than ${maxDepth} levels`);
    if (!isObject(inner))
      throw new SpanRejection(`${path}.arrayValue`, `expected an object, got ${describe(inner)}`);
    const values = inner.values ?? [];
    if (!Array.isArray(values))
      throw new SpanRejection(`${path}.arrayValue.values`, `expected an array, got ${describe(values)}`);
    return values.map((element, index) =>
      anyValueFrom(element, depth + 1, maxDepth, `${path}.arrayValue.values[${index}]`),
    );
  }
  inner = field(value, 'kvlistValue', 'kvlist_value');
  if (inner !== undefined && inner !== null) {
    if (depth >= maxDepth)
      throw new SpanRejection(path, `attribute values nest deeper than ${maxDepth} levels`);
    if (!isObject(inner))
      throw new SpanRejection(`${path}.kvlistValue`, `expected an object, got ${describe(inner)}`);
    return keyValuesFrom(inner.values, depth + 1, maxDepth, `${path}.kvlistValue.values`);
  }
  inner = field(value, 'bytesValue', 'bytes_value');
  if (inner !== undefined && inner !== null) {
    const bytes = typeof inner === 'string' ? base64ToBytes(inner) : undefined;
    if (bytes === undefined)
      throw new SpanRejection(`${path}.bytesValue`, `expected base64, got ${describe(inner)}`);
    return bytesToHex(bytes);
  }
  return null;
}

function keyValuesFrom(list: unknown, depth: number, maxDepth: number, path: string): Attributes {
  const attributes: Attributes = {};
  if (list === undefined || list === null) return attributes;
  if (!Array.isArray(list))
    throw new SpanRejection(path, `expected an array of KeyValue, got ${describe(list)}`);
  for (let index = 0; index < list.length; index++) {
    const keyValue = list[index];
    if (!isObject(keyValue) || typeof keyValue.key !== 'string') {
      throw new SpanRejection(`${path}[${index}]`, 'expected a KeyValue object with a string key');
    }
    let value: AttributeValue;
    try {
      value = anyValueFrom(keyValue.value, depth, maxDepth, '');
    } catch (error) {
      // Paths are built only on failure: per-attribute string building was a large part of decoding.
      if (error instanceof SpanRejection)
        throw new SpanRejection(`${path}[${index}].value${error.path}`, error.reason);
      throw error;
    }
    setAttribute(attributes, keyValue.key, value);
  }
  return attributes;
}

function idFrom(value: unknown, hexLength: number, path: string): string {
  if (value === undefined || value === null || value === '') throw new SpanRejection(path, 'missing');
  if (typeof value !== 'string')
    throw new SpanRejection(path, `expected ${hexLength} hex characters, got ${describe(value)}`);
  if (value.length !== hexLength) {
    // Generic protobuf JSON codecs write bytes as base64 (24 characters for a trace id); OTLP JSON uses hex.
    throw new SpanRejection(
      path,
      `expected ${hexLength} hex characters, got ${value.length}${value.length === (hexLength === 32 ? 24 : 12) ? ' (base64? OTLP JSON ids are hex)' : ''}`,
    );
  }
  if (!isHex(value))
    throw new SpanRejection(path, `expected ${hexLength} hex characters, got non-hex ${describe(value)}`);
  if (isZeroId(value)) throw new SpanRejection(path, 'all-zero id is invalid');
  return value.toLowerCase();
}

/** Converts one span; a {@link SpanRejection} it throws has a path relative to the span. */
function convertSpan(
  span: unknown,
  resource: Attributes,
  scope: SpanRecord['scope'],
  maxDepth: number,
): SpanRecord {
  const path = '';
  if (!isObject(span)) throw new SpanRejection(path, `expected a Span object, got ${describe(span)}`);
  const traceId = idFrom(field(span, 'traceId', 'trace_id'), 32, `${path}.traceId`);
  const spanId = idFrom(field(span, 'spanId', 'span_id'), 16, `${path}.spanId`);
  const parentValue = field(span, 'parentSpanId', 'parent_span_id');
  let parentSpanId: string | undefined;
  if (
    parentValue !== undefined &&
    parentValue !== null &&
    parentValue !== '' &&
    !(typeof parentValue === 'string' && isZeroId(parentValue))
  ) {
    parentSpanId = idFrom(parentValue, 16, `${path}.parentSpanId`);
  }
  const name = span.name ?? '';
  if (typeof name !== 'string')
    throw new SpanRejection(`${path}.name`, `expected a string, got ${describe(name)}`);
  const record: SpanRecord = {
    traceId,
    spanId,
    parentSpanId,
    name,
    kind: spanKindFrom(span.kind, `${path}.kind`),
    startTimeUnixNano: unsignedNanosFrom(
      field(span, 'startTimeUnixNano', 'start_time_unix_nano'),
      `${path}.startTimeUnixNano`,
    ),
    endTimeUnixNano: unsignedNanosFrom(
      field(span, 'endTimeUnixNano', 'end_time_unix_nano'),
      `${path}.endTimeUnixNano`,
    ),
    attributes: keyValuesFrom(span.attributes, 0, maxDepth, `${path}.attributes`),
    resource,
  };
  if (scope !== undefined) record.scope = scope;
  const status = span.status;
  if (status !== undefined && status !== null) {
    if (!isObject(status))
      throw new SpanRejection(`${path}.status`, `expected an object, got ${describe(status)}`);
    const code = statusCodeFrom(status.code, `${path}.status.code`);
    const message = status.message;
    record.status = typeof message === 'string' && message !== '' ? { code, message } : { code };
  }
  return record;
}

function scopeFrom(value: unknown): SpanRecord['scope'] {
  if (!isObject(value)) return undefined;
  const name = typeof value.name === 'string' ? value.name : '';
  const version = value.version;
  return typeof version === 'string' && version !== '' ? { name, version } : { name };
}

function decodeRequest(request: unknown, builder: ResultBuilder, prefix: string): void {
  if (!isObject(request)) {
    throw new OtlpDecodeError(
      prefix.replace(/\.$/, ''),
      `expected an ExportTraceServiceRequest object, got ${describe(request)}`,
    );
  }
  const resourceSpansList = bodyArray(request, 'resourceSpans', 'resource_spans', prefix);
  for (let resourceIndex = 0; resourceIndex < resourceSpansList.length; resourceIndex++) {
    const resourcePath = `${prefix}resourceSpans[${resourceIndex}]`;
    const resourceSpans = resourceSpansList[resourceIndex];
    if (!isObject(resourceSpans))
      throw new OtlpDecodeError(
        resourcePath,
        `expected a ResourceSpans object, got ${describe(resourceSpans)}`,
      );
    const resourceMessage = resourceSpans.resource;
    if (resourceMessage !== undefined && resourceMessage !== null && !isObject(resourceMessage)) {
      throw new OtlpDecodeError(
        `${resourcePath}.resource`,
        `expected a Resource object, got ${describe(resourceMessage)}`,
      );
    }
    let resource: Attributes | SpanRejection;
    try {
      resource = keyValuesFrom(
        resourceMessage?.attributes,
        0,
        builder.maxAttributeDepth,
        `${resourcePath}.resource.attributes`,
      );
    } catch (error) {
      if (!(error instanceof SpanRejection)) throw error;
      resource = error;
    }
    for (const [camelName, snakeName, scopeCamel, scopeSnake] of [
      ['scopeSpans', 'scope_spans', 'scope', 'scope'],
      [
        'instrumentationLibrarySpans',
        'instrumentation_library_spans',
        'instrumentationLibrary',
        'instrumentation_library',
      ],
    ] as const) {
      const groups = bodyArray(resourceSpans, camelName, snakeName, `${resourcePath}.`);
      for (let groupIndex = 0; groupIndex < groups.length; groupIndex++) {
        const groupPath = `${resourcePath}.${camelName}[${groupIndex}]`;
        const group = groups[groupIndex];
        if (!isObject(group))
          throw new OtlpDecodeError(groupPath, `expected an object, got ${describe(group)}`);
        const spans = bodyArray(group, 'spans', 'spans', `${groupPath}.`);
        if (resource instanceof SpanRejection) {
          if (spans.length > 0)
            builder.reject(
              spans.length,
              `${groupPath}: all ${spans.length} spans rejected: ${resource.message}`,
            );
          continue;
        }
        const scope = scopeFrom(field(group, scopeCamel, scopeSnake));
        for (let spanIndex = 0; spanIndex < spans.length; spanIndex++) {
          try {
            const record = convertSpan(spans[spanIndex], resource, scope, builder.maxAttributeDepth);
            const backwards = record.endTimeUnixNano < record.startTimeUnixNano;
            builder.accept(record, backwards ? `${groupPath}.spans[${spanIndex}]` : '');
          } catch (error) {
            if (!(error instanceof SpanRejection)) throw error;
            builder.reject(1, `${groupPath}.spans[${spanIndex}]${error.path}: ${error.reason}`);
          }
        }
      }
    }
  }
}

/** Parses JSON text, turning a syntax error into an {@link OtlpDecodeError}. */
export function parseJsonBody(text: string, path = ''): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new OtlpDecodeError(path, `not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** Decodes requests already parsed from JSON into one result; `prefix` names each request in messages. */
export function decodeJsonRequests(
  requests: ({ request: unknown; prefix: string } | FastJsonRequest)[],
  options: DecodeOptions,
): DecodeResult {
  const builder = new ResultBuilder(options);
  for (const entry of requests) {
    if ('records' in entry) acceptJsonRequest(builder, entry);
    else decodeRequest(entry.request, builder, entry.prefix);
  }
  return builder.result();
}

/**
 * Decodes an OTLP/HTTP JSON `ExportTraceServiceRequest` (text, or the value `JSON.parse` returned).
 * Follows OTLP's JSON rules: ids are hex, int64 values are decimal strings or numbers, enums are
 * numbers or names, unknown fields are ignored; snake_case field names and the deprecated
 * `instrumentationLibrarySpans` are accepted too. Bad spans are rejected and counted; a malformed body
 * throws {@link OtlpDecodeError} saying where.
 */
export function decodeOtlpJson(input: string | unknown, options: DecodeOptions = {}): DecodeResult {
  if (typeof input === 'string') {
    const builder = new ResultBuilder(options);
    const fast = scanJsonRequest(input, 0, input.length, '', builder.maxAttributeDepth);
    if (fast !== undefined) {
      acceptJsonRequest(builder, fast);
      return builder.result();
    }
  }
  const request = typeof input === 'string' ? parseJsonBody(input) : input;
  return decodeJsonRequests([{ request, prefix: '' }], options);
}

/* Encoding */

function anyValueToJson(value: ReturnType<typeof attributesToKeyValues>[number]['value']): unknown {
  if (value.intValue !== undefined) return { intValue: String(value.intValue) };
  if (value.arrayValue !== undefined)
    return { arrayValue: { values: value.arrayValue.values.map(anyValueToJson) } };
  if (value.kvlistValue !== undefined) {
    return {
      kvlistValue: {
        values: value.kvlistValue.values.map(({ key, value: inner }) => ({
          key,
          value: anyValueToJson(inner),
        })),
      },
    };
  }
  if (value.doubleValue !== undefined && !Number.isFinite(value.doubleValue))
    return { doubleValue: String(value.doubleValue) };
  return value;
}

function attributesToJson(attributes: Attributes): unknown[] {
  return attributesToKeyValues(attributes).map(({ key, value }) => ({ key, value: anyValueToJson(value) }));
}

/**
 * Builds an OTLP/HTTP JSON `ExportTraceServiceRequest` object (ids hex, int64 as strings), grouped by
 * resource and scope. For tests and benchmarks; `JSON.stringify` it to send.
 */
export function encodeOtlpJsonRequest(spans: SpanRecord[]): { resourceSpans: unknown[] } {
  return {
    resourceSpans: groupSpans(spans).map((group) => ({
      resource: { attributes: attributesToJson(group.resource) },
      scopeSpans: group.scopes.map((scopeGroup) => ({
        ...(scopeGroup.scope === undefined ? {} : { scope: { ...scopeGroup.scope } }),
        spans: scopeGroup.spans.map((span) => ({
          traceId: span.traceId,
          spanId: span.spanId,
          ...(span.parentSpanId === undefined ? {} : { parentSpanId: span.parentSpanId }),
          name: span.name,
          kind: span.kind,
          startTimeUnixNano: span.startTimeUnixNano.toString(),
          endTimeUnixNano: span.endTimeUnixNano.toString(),
          attributes: attributesToJson(span.attributes),
          ...(span.status === undefined ? {} : { status: { ...span.status } }),
        })),
      })),
    })),
  };
}

/** Base64 of bytes, for building `bytesValue` attributes in OTLP JSON by hand. */
export function otlpJsonBytes(hex: string): string {
  return bytesToBase64(hexToBytes(hex));
}
