import type { OtlpDecodeError } from './errors.js';
import { hexToBytes } from './hex.js';
import type { Attributes, AttributeValue, SpanRecord } from './model.js';
import { decodeOtlpProtobufWire } from './protobuf-decode.js';
import { otlpTypes } from './schema.js';
import type { DecodeOptions, DecodeResult } from './types.js';

/** protobufjs encodes 64-bit fields from `long`-like objects. */
interface LongLike {
  low: number;
  high: number;
  unsigned?: boolean;
}

/**
 * Decodes a binary OTLP `ExportTraceServiceRequest` (OTLP/HTTP `application/x-protobuf`) with a
 * hand-written wire reader (protobuf-decode.ts): no intermediate message objects.
 * Bad spans are rejected and counted; a body that is not such a message throws {@link OtlpDecodeError}.
 */
export function decodeOtlpProtobuf(bytes: Uint8Array, options: DecodeOptions = {}): DecodeResult {
  return decodeOtlpProtobufWire(bytes, options);
}

/* Encoding */

function bigIntToUnsignedLong(value: bigint): LongLike {
  const unsigned = BigInt.asUintN(64, value);
  return { low: Number(unsigned & 0xffffffffn) | 0, high: Number(unsigned >> 32n) | 0, unsigned: true };
}

interface EncodableAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values: EncodableAnyValue[] };
  kvlistValue?: { values: { key: string; value: EncodableAnyValue }[] };
}

/** The AnyValue of an attribute value (integers as intValue, other numbers as doubleValue). */
export function attributeToAnyValue(value: AttributeValue): EncodableAnyValue {
  if (value === null || value === undefined) return {};
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number')
    return Number.isInteger(value) ? { intValue: value } : { doubleValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(attributeToAnyValue) } };
  return { kvlistValue: { values: attributesToKeyValues(value) } };
}

/** OTLP KeyValue list of flattened attributes. */
export function attributesToKeyValues(attributes: Attributes): { key: string; value: EncodableAnyValue }[] {
  return Object.keys(attributes).map((key) => ({
    key,
    value: attributeToAnyValue(attributes[key] as AttributeValue),
  }));
}

/** Spans grouped by resource (by identity, then by content), then by scope. */
export function groupSpans(
  spans: SpanRecord[],
): { resource: Attributes; scopes: { scope: SpanRecord['scope']; spans: SpanRecord[] }[] }[] {
  const keyByResource = new Map<Attributes, string>();
  const groups = new Map<
    string,
    { resource: Attributes; scopes: Map<string, { scope: SpanRecord['scope']; spans: SpanRecord[] }> }
  >();
  for (const span of spans) {
    let resourceKey = keyByResource.get(span.resource);
    if (resourceKey === undefined) {
      resourceKey = JSON.stringify(span.resource);
      keyByResource.set(span.resource, resourceKey);
    }
    let group = groups.get(resourceKey);
    if (group === undefined) {
      group = { resource: span.resource, scopes: new Map() };
      groups.set(resourceKey, group);
    }
    const scopeKey = span.scope === undefined ? '' : `${span.scope.name}\u0000${span.scope.version ?? ''}`;
    let scopeGroup = group.scopes.get(scopeKey);
    if (scopeGroup === undefined) {
      scopeGroup = { scope: span.scope, spans: [] };
      group.scopes.set(scopeKey, scopeGroup);
    }
    scopeGroup.spans.push(span);
  }
  return [...groups.values()].map((group) => ({
    resource: group.resource,
    scopes: [...group.scopes.values()],
  }));
}

/**
 * Encodes spans as a binary OTLP `ExportTraceServiceRequest`, grouped by resource and scope.
 * For tests and benchmarks: integer attributes become `intValue`, other numbers `doubleValue`.
 */
export function encodeOtlpProtobufRequest(spans: SpanRecord[]): Uint8Array {
  const request = {
    resourceSpans: groupSpans(spans).map((group) => ({
      resource: { attributes: attributesToKeyValues(group.resource) },
      scopeSpans: group.scopes.map((scopeGroup) => ({
        ...(scopeGroup.scope === undefined
          ? {}
          : {
              scope: {
                name: scopeGroup.scope.name,
                ...(scopeGroup.scope.version === undefined ? {} : { version: scopeGroup.scope.version }),
              },
            }),
        spans: scopeGroup.spans.map((span) => ({
          traceId: hexToBytes(span.traceId),
          spanId: hexToBytes(span.spanId),
          ...(span.parentSpanId === undefined ? {} : { parentSpanId: hexToBytes(span.parentSpanId) }),
          name: span.name,
          kind: span.kind,
          startTimeUnixNano: bigIntToUnsignedLong(span.startTimeUnixNano),
          endTimeUnixNano: bigIntToUnsignedLong(span.endTimeUnixNano),
          attributes: attributesToKeyValues(span.attributes),
          ...(span.status === undefined
            ? {}
            : { status: { code: span.status.code, message: span.status.message ?? '' } }),
        })),
      })),
    })),
  };
  return otlpTypes().request.encode(request).finish();
}
