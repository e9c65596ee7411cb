import type { Attributes, AttributeValue, SpanRecord } from '../model.js';
import { ResultBuilder, SpanRejection, setAttribute, spanKindFrom } from './common.js';
import { OtlpDecodeError } from './errors.js';
import { bytesToHex, hexToBytes, isAllZero } from './hex.js';
import { otlpTypes } from './schema.js';
import type { DecodeOptions, DecodeResult } from './types.js';

/** protobufjs decodes 64-bit fields to `long` objects. */
interface LongLike {
  low: number;
  high: number;
  unsigned?: boolean;
}

interface PbAnyValue {
  stringValue: string;
  boolValue: boolean;
  intValue: LongLike | number;
  doubleValue: number;
  arrayValue: { values: PbAnyValue[] } | null;
  kvlistValue: { values: PbKeyValue[] } | null;
  bytesValue: Uint8Array;
}
interface PbKeyValue {
  key: string;
  value: PbAnyValue | null;
}
interface PbSpan {
  traceId: Uint8Array;
  spanId: Uint8Array;
  parentSpanId: Uint8Array;
  name: string;
  kind: number;
  startTimeUnixNano: LongLike | number;
  endTimeUnixNano: LongLike | number;
  attributes: PbKeyValue[];
  status: { code: number; message: string } | null;
}
interface PbScope {
  name: string;
  version: string;
}
interface PbSpanGroup {
  spans: PbSpan[];
  scope?: PbScope | null;
  instrumentationLibrary?: PbScope | null;
}
interface PbResourceSpans {
  resource: { attributes: PbKeyValue[] } | null;
  scopeSpans: PbSpanGroup[];
  instrumentationLibrarySpans: PbSpanGroup[];
}
interface PbRequest {
  resourceSpans: PbResourceSpans[];
}

const TWO_POW_32 = 4294967296;

function unsignedLongToBigInt(value: LongLike | number): bigint {
  if (typeof value === 'number') return BigInt(value);
  return (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
}

/** int64 attribute → number when safe, else decimal string (the span model's rule). */
function signedLongToAttribute(value: LongLike | number): number | string {
  if (typeof value === 'number') return value;
  const high = value.high | 0;
  if (high >= -0x200000 && high < 0x200000) {
    const number = high * TWO_POW_32 + (value.low >>> 0);
    if (Number.isSafeInteger(number)) return number;
  }
  return BigInt.asIntN(64, (BigInt(high >>> 0) << 32n) | BigInt(value.low >>> 0)).toString();
}

const hasOwn = Object.prototype.hasOwnProperty;

function anyValueToAttribute(
  value: PbAnyValue | null,
  depth: number,
  maxDepth: number,
  path: string,
): AttributeValue {
  if (value === null || value === undefined) return null;
  // Decoded messages hold only the fields present on the wire as own properties.
  if (hasOwn.call(value, 'stringValue')) return value.stringValue;
  if (hasOwn.call(value, 'intValue')) return signedLongToAttribute(value.intValue);
  if (hasOwn.call(value, 'boolValue')) return value.boolValue;
  if (hasOwn.call(value, 'doubleValue')) return value.doubleValue;
  if (hasOwn.call(value, 'arrayValue')) {
    if (depth >= maxDepth)
      throw new SpanRejection(path, `attribute values nest deeper than ${maxDepth} levels`);
    const values = value.arrayValue?.values ?? [];
    const array: AttributeValue[] = new Array(values.length);
    for (let index = 0; index < values.length; index++) {
      array[index] = anyValueToAttribute(values[index] as PbAnyValue, depth + 1, maxDepth, path);
    }
    return array;
  }
  if (hasOwn.call(value, 'kvlistValue')) {
    if (depth >= maxDepth)
      throw new SpanRejection(path, `attribute values nest deeper than ${maxDepth} levels`);
    return keyValuesToAttributes(value.kvlistValue?.values ?? [], depth + 1, maxDepth, path);
  }
  if (hasOwn.call(value, 'bytesValue')) return bytesToHex(value.bytesValue);
  return null;
}

function keyValuesToAttributes(
  list: PbKeyValue[],
  depth: number,
  maxDepth: number,
  path: string,
): Attributes {
  const attributes: Attributes = {};
  for (let index = 0; index < list.length; index++) {
    const keyValue = list[index] as PbKeyValue;
    setAttribute(attributes, keyValue.key, anyValueToAttribute(keyValue.value, depth, maxDepth, path));
  }
  return attributes;
}

function checkId(bytes: Uint8Array, expectedLength: number, path: string): string {
  if (bytes.length !== expectedLength) {
    throw new SpanRejection(path, `expected ${expectedLength} bytes, got ${bytes.length}`);
  }
  if (isAllZero(bytes)) throw new SpanRejection(path, 'all-zero id is invalid');
  return bytesToHex(bytes);
}

function isZeroTime(value: LongLike | number): boolean {
  return typeof value === 'number' ? value === 0 : value.low === 0 && value.high === 0;
}

function convertSpan(
  span: PbSpan,
  resource: Attributes,
  scope: SpanRecord['scope'],
  maxDepth: number,
  path: string,
): SpanRecord {
  const traceId = checkId(span.traceId, 16, `${path}.traceId`);
  const spanId = checkId(span.spanId, 8, `${path}.spanId`);
  const parentBytes = span.parentSpanId;
  let parentSpanId: string | undefined;
  if (parentBytes.length !== 0 && !isAllZero(parentBytes)) {
    if (parentBytes.length !== 8) {
      throw new SpanRejection(`${path}.parentSpanId`, `expected 8 bytes, got ${parentBytes.length}`);
    }
    parentSpanId = bytesToHex(parentBytes);
  }
  if (isZeroTime(span.startTimeUnixNano)) throw new SpanRejection(`${path}.startTimeUnixNano`, 'missing');
  if (isZeroTime(span.endTimeUnixNano)) throw new SpanRejection(`${path}.endTimeUnixNano`, 'missing');
  const record: SpanRecord = {
    traceId,
    spanId,
    parentSpanId,
    name: span.name,
    kind: spanKindFrom(span.kind, `${path}.kind`),
    startTimeUnixNano: unsignedLongToBigInt(span.startTimeUnixNano),
    endTimeUnixNano: unsignedLongToBigInt(span.endTimeUnixNano),
    attributes: keyValuesToAttributes(span.attributes, 0, maxDepth, `${path}.attributes`),
    resource,
  };
  if (scope !== undefined) record.scope = scope;
  const status = span.status;
  if (status !== null && status !== undefined) {
    record.status =
      status.message === '' ? { code: status.code } : { code: status.code, message: status.message };
  }
  return record;
}

function convertGroups(
  groups: PbSpanGroup[],
  groupField: string,
  resource: Attributes | SpanRejection,
  builder: ResultBuilder,
  resourcePath: string,
): void {
  for (let groupIndex = 0; groupIndex < groups.length; groupIndex++) {
    const group = groups[groupIndex] as PbSpanGroup;
    const groupPath = `${resourcePath}.${groupField}[${groupIndex}]`;
    const spans = group.spans;
    if (resource instanceof SpanRejection) {
      if (spans.length > 0)
        builder.reject(spans.length, `${groupPath}: all ${spans.length} spans rejected: ${resource.message}`);
      continue;
    }
    const scopeMessage = group.scope ?? group.instrumentationLibrary ?? null;
    let scope: SpanRecord['scope'];
    if (scopeMessage !== null) {
      scope =
        scopeMessage.version === ''
          ? { name: scopeMessage.name }
          : { name: scopeMessage.name, version: scopeMessage.version };
    }
    for (let spanIndex = 0; spanIndex < spans.length; spanIndex++) {
      const spanPath = `${groupPath}.spans[${spanIndex}]`;
      try {
        builder.accept(
          convertSpan(spans[spanIndex] as PbSpan, resource, scope, builder.maxAttributeDepth, spanPath),
          spanPath,
        );
      } catch (error) {
        if (!(error instanceof SpanRejection)) throw error;
        builder.reject(1, error.message);
      }
    }
  }
}

/**
 * Decodes a binary OTLP `ExportTraceServiceRequest` (OTLP/HTTP `application/x-protobuf`).
 * Bad spans are rejected and counted; a body that is not such a message throws {@link OtlpDecodeError}.
 */
export function decodeOtlpProtobuf(bytes: Uint8Array, options: DecodeOptions = {}): DecodeResult {
  let request: PbRequest;
  try {
    request = otlpTypes().request.decode(bytes) as unknown as PbRequest;
  } catch (error) {
    throw new OtlpDecodeError(
      '',
      `not a protobuf ExportTraceServiceRequest (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const builder = new ResultBuilder(options);
  const resourceSpansList = request.resourceSpans;
  for (let resourceIndex = 0; resourceIndex < resourceSpansList.length; resourceIndex++) {
    const resourceSpans = resourceSpansList[resourceIndex] as PbResourceSpans;
    const resourcePath = `resourceSpans[${resourceIndex}]`;
    let resource: Attributes | SpanRejection;
    try {
      resource = keyValuesToAttributes(
        resourceSpans.resource?.attributes ?? [],
        0,
        builder.maxAttributeDepth,
        `${resourcePath}.resource.attributes`,
      );
    } catch (error) {
      if (!(error instanceof SpanRejection)) throw error;
      resource = error;
    }
    convertGroups(resourceSpans.scopeSpans, 'scopeSpans', resource, builder, resourcePath);
    convertGroups(
      resourceSpans.instrumentationLibrarySpans,
      'instrumentationLibrarySpans',
      resource,
      builder,
      resourcePath,
    );
  }
  return builder.result();
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
