/**
 * The OTLP protobuf decoder: reads `ExportTraceServiceRequest` wire bytes straight into span records,
 * with no intermediate message objects. Field numbers from opentelemetry-proto v1 (see schema.ts).
 * Unknown fields of every wire type are skipped; a known field with an unexpected wire type is treated
 * as unknown, as the reference protobuf implementations do. A malformed encoding (truncated varint,
 * a length past the end of its message, wire type 6 or 7, an unmatched group end, nesting past 100
 * messages) rejects the whole body; a well-formed but invalid span is rejected alone.
 */

import { ResultBuilder, SpanRejection, setAttribute } from './common.js';
import { OtlpDecodeError } from './errors.js';
import type { Attributes, AttributeValue, SpanKind, SpanRecord } from './model.js';
import { hex8, hex16, hexRange, isZeroRange, WireStrings } from './protobuf-strings.js';
import { MAX_MESSAGE_DEPTH, WireCursor, WireError } from './protobuf-wire.js';
import type { DecodeOptions, DecodeResult } from './types.js';

/** Tags (field number << 3 | wire type) of the fields the decoder reads. */
const Tag = {
  /** ExportTraceServiceRequest.resource_spans, ResourceSpans.resource, Resource.attributes, ScopeSpans.scope. */
  FIELD_1_BYTES: 0x0a,
  /** ResourceSpans.scope_spans, ScopeSpans.spans, InstrumentationScope.version. */
  FIELD_2_BYTES: 0x12,
  /** ResourceSpans.instrumentation_library_spans (deprecated, field 1000). */
  LIBRARY_SPANS: (1000 << 3) | 2,
  SPAN_TRACE_ID: 0x0a,
  SPAN_SPAN_ID: 0x12,
  SPAN_PARENT_SPAN_ID: 0x22,
  SPAN_NAME: 0x2a,
  SPAN_KIND: 0x30,
  SPAN_START_TIME: 0x39,
  SPAN_END_TIME: 0x41,
  SPAN_ATTRIBUTES: 0x4a,
  SPAN_STATUS: 0x7a,
  STATUS_MESSAGE: 0x12,
  STATUS_CODE: 0x18,
  KEY_VALUE_KEY: 0x0a,
  KEY_VALUE_VALUE: 0x12,
  ANY_STRING: 0x0a,
  ANY_BOOL: 0x10,
  ANY_INT: 0x18,
  ANY_DOUBLE: 0x21,
  ANY_ARRAY: 0x2a,
  ANY_KVLIST: 0x32,
  ANY_BYTES: 0x3a,
  /** ArrayValue.values and KeyValueList.values. */
  VALUES: 0x0a,
} as const;

/** Message depths (the request is 0), as protobufjs counts them for its recursion limit. */
const Depth = {
  RESOURCE_SPANS: 1,
  RESOURCE: 2,
  SCOPE_SPANS: 2,
  SPAN: 3,
  SPAN_KEY_VALUE: 4,
  RESOURCE_KEY_VALUE: 3,
};

const TWO_POW_32 = 4294967296;

/** int64 attribute (two unsigned halves) → number when safe, else decimal string (the span model's rule). */
function int64Attribute(lo: number, hi: number): number | string {
  if (hi === 0) return lo;
  const high = hi | 0;
  if (high >= -0x200000 && high < 0x200000) {
    const number = high * TWO_POW_32 + lo;
    if (Number.isSafeInteger(number)) return number;
  }
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** Decoding state of one body. */
class ProtobufDecoder {
  readonly cursor: WireCursor;
  readonly bytes: Uint8Array;
  readonly strings: WireStrings;
  readonly builder: ResultBuilder;
  readonly maxDepth: number;
  /** Set when an attribute value nests deeper than {@link maxDepth}; checked after the span. */
  tooDeep = false;
  /** Where the decoder is, for messages (indexes; -1 = not inside). */
  resourceIndex = -1;
  groupField = '';
  groupIndex = -1;
  spanIndex = -1;

  constructor(bytes: Uint8Array, builder: ResultBuilder) {
    this.bytes = bytes;
    this.cursor = new WireCursor(bytes);
    this.strings = new WireStrings(bytes);
    this.builder = builder;
    this.maxDepth = builder.maxAttributeDepth;
  }

  /** The path of the current message, e.g. `resourceSpans[0].scopeSpans[1].spans[7]`. */
  where(): string {
    if (this.resourceIndex < 0) return '';
    let path = `resourceSpans[${this.resourceIndex}]`;
    if (this.groupIndex >= 0) path += `.${this.groupField}[${this.groupIndex}]`;
    if (this.spanIndex >= 0) path += `.spans[${this.spanIndex}]`;
    return path;
  }

  groupPath(): string {
    return `resourceSpans[${this.resourceIndex}].${this.groupField}[${this.groupIndex}]`;
  }

  request(): void {
    const cursor = this.cursor;
    const end = this.bytes.length;
    let index = 0;
    while (cursor.pos < end) {
      const tag = cursor.tag(end);
      if (tag === Tag.FIELD_1_BYTES) {
        const length = cursor.length(end);
        const start = cursor.pos;
        this.resourceIndex = index++;
        this.resourceSpans(start, start + length);
        this.resourceIndex = -1;
      } else cursor.skip(tag, end, 0);
    }
  }

  resourceSpans(start: number, end: number): void {
    const cursor = this.cursor;
    // Pass 1: find the resource (fields may come in any order) and check the framing.
    let resourceStart = -1;
    let resourceEnd = -1;
    let hasLibrarySpans = false;
    while (cursor.pos < end) {
      const tag = cursor.tag(end);
      if (tag === Tag.FIELD_1_BYTES) {
        const length = cursor.length(end);
        resourceStart = cursor.pos;
        resourceEnd = resourceStart + length;
        cursor.pos = resourceEnd;
      } else {
        if (tag === Tag.LIBRARY_SPANS) hasLibrarySpans = true;
        cursor.skip(tag, end, Depth.RESOURCE_SPANS);
      }
    }
    let resource: Attributes | SpanRejection = {};
    if (resourceStart >= 0) {
      cursor.pos = resourceStart;
      resource = this.resource(resourceEnd);
    }
    this.groups(start, end, Tag.FIELD_2_BYTES, 'scopeSpans', resource);
    if (hasLibrarySpans) this.groups(start, end, Tag.LIBRARY_SPANS, 'instrumentationLibrarySpans', resource);
    cursor.pos = end;
  }

  resource(end: number): Attributes | SpanRejection {
    const cursor = this.cursor;
    const attributes: Attributes = {};
    this.tooDeep = false;
    while (cursor.pos < end) {
      const tag = cursor.tag(end);
      if (tag === Tag.FIELD_1_BYTES) {
        const length = cursor.length(end);
        this.keyValueInto(attributes, cursor.pos + length, 0, Depth.RESOURCE_KEY_VALUE);
      } else cursor.skip(tag, end, Depth.RESOURCE);
    }
    if (this.tooDeep) {
      this.tooDeep = false;
      return new SpanRejection(
        `resourceSpans[${this.resourceIndex}].resource.attributes`,
        `attribute values nest deeper than ${this.maxDepth} levels`,
      );
    }
    return attributes;
  }

  /** Decodes every `groupTag` field (ScopeSpans or InstrumentationLibrarySpans) of ResourceSpans [start, end). */
  groups(
    start: number,
    end: number,
    groupTag: number,
    groupField: string,
    resource: Attributes | SpanRejection,
  ): void {
    const cursor = this.cursor;
    cursor.pos = start;
    this.groupField = groupField;
    let index = 0;
    while (cursor.pos < end) {
      const tag = cursor.tag(end);
      if (tag === groupTag) {
        const length = cursor.length(end);
        const groupStart = cursor.pos;
        this.groupIndex = index++;
        this.group(groupStart, groupStart + length, resource);
        this.groupIndex = -1;
      } else cursor.skip(tag, end, Depth.RESOURCE_SPANS);
    }
  }

  group(start: number, end: number, resource: Attributes | SpanRejection): void {
    const cursor = this.cursor;
    // Pass 1: find the scope and count the spans.
    let scopeStart = -1;
    let scopeEnd = -1;
    let spanCount = 0;
    while (cursor.pos < end) {
      const tag = cursor.tag(end);
      if (tag === Tag.FIELD_1_BYTES) {
        const length = cursor.length(end);
        scopeStart = cursor.pos;
        scopeEnd = scopeStart + length;
        cursor.pos = scopeEnd;
      } else {
        if (tag === Tag.FIELD_2_BYTES) spanCount++;
        cursor.skip(tag, end, Depth.SCOPE_SPANS);
      }
    }
    if (resource instanceof SpanRejection) {
      if (spanCount > 0) {
        this.builder.reject(
          spanCount,
          `${this.groupPath()}: all ${spanCount} spans rejected: ${resource.message}`,
        );
      }
      return;
    }
    let scope: SpanRecord['scope'];
    if (scopeStart >= 0) {
      cursor.pos = scopeStart;
      scope = this.scope(scopeEnd);
    }
    cursor.pos = start;
    let index = 0;
    while (cursor.pos < end) {
      const tag = cursor.tag(end);
      if (tag === Tag.FIELD_2_BYTES) {
        const length = cursor.length(end);
        this.spanIndex = index++;
        this.span(cursor.pos + length, resource, scope);
        this.spanIndex = -1;
      } else cursor.skip(tag, end, Depth.SCOPE_SPANS);
    }
  }

  scope(end: number): NonNullable<SpanRecord['scope']> {
    const cursor = this.cursor;
    let name = '';
    let version = '';
    while (cursor.pos < end) {
      const tag = cursor.tag(end);
      if (tag === Tag.FIELD_1_BYTES) {
        const length = cursor.length(end);
        name = this.strings.read(cursor.pos, cursor.pos + length);
        cursor.pos += length;
      } else if (tag === Tag.FIELD_2_BYTES) {
        const length = cursor.length(end);
        version = this.strings.read(cursor.pos, cursor.pos + length);
        cursor.pos += length;
      } else cursor.skip(tag, end, Depth.SCOPE_SPANS + 1);
    }
    return version === '' ? { name } : { name, version };
  }

  /** Decodes the Span from the cursor to `end` and accepts or rejects it. */
  span(end: number, resource: Attributes, scope: SpanRecord['scope']): void {
    const cursor = this.cursor;
    const bytes = this.bytes;
    let traceStart = 0;
    let traceLength = 0;
    let spanStart = 0;
    let spanLength = 0;
    let parentStart = 0;
    let parentLength = 0;
    let name = '';
    let kind = 0;
    let startTimePos = -1;
    let endTimePos = -1;
    let status: SpanRecord['status'];
    const attributes: Attributes = {};
    this.tooDeep = false;
    while (cursor.pos < end) {
      const tag = cursor.tag(end);
      switch (tag) {
        case Tag.SPAN_TRACE_ID:
          traceLength = cursor.length(end);
          traceStart = cursor.pos;
          cursor.pos += traceLength;
          break;
        case Tag.SPAN_SPAN_ID:
          spanLength = cursor.length(end);
          spanStart = cursor.pos;
          cursor.pos += spanLength;
          break;
        case Tag.SPAN_PARENT_SPAN_ID:
          parentLength = cursor.length(end);
          parentStart = cursor.pos;
          cursor.pos += parentLength;
          break;
        case Tag.SPAN_NAME: {
          const length = cursor.length(end);
          name = this.strings.read(cursor.pos, cursor.pos + length);
          cursor.pos += length;
          break;
        }
        case Tag.SPAN_KIND:
          kind = cursor.varint32(end) | 0;
          break;
        case Tag.SPAN_START_TIME:
          cursor.need(8, end);
          startTimePos = cursor.pos;
          cursor.pos += 8;
          break;
        case Tag.SPAN_END_TIME:
          cursor.need(8, end);
          endTimePos = cursor.pos;
          cursor.pos += 8;
          break;
        case Tag.SPAN_ATTRIBUTES: {
          const length = cursor.length(end);
          this.keyValueInto(attributes, cursor.pos + length, 0, Depth.SPAN_KEY_VALUE);
          break;
        }
        case Tag.SPAN_STATUS: {
          const length = cursor.length(end);
          status = this.status(cursor.pos + length);
          break;
        }
        default:
          cursor.skip(tag, end, Depth.SPAN);
      }
    }
    // Checks in a fixed order (ids, parent, times, attributes): the first problem is the one reported.
    if (traceLength !== 16) {
      this.reject('traceId', `expected 16 bytes, got ${traceLength}`);
      return;
    }
    if (isZeroRange(bytes, traceStart, 16)) {
      this.reject('traceId', 'all-zero id is invalid');
      return;
    }
    if (spanLength !== 8) {
      this.reject('spanId', `expected 8 bytes, got ${spanLength}`);
      return;
    }
    if (isZeroRange(bytes, spanStart, 8)) {
      this.reject('spanId', 'all-zero id is invalid');
      return;
    }
    let parentSpanId: string | undefined;
    if (parentLength !== 0 && !isZeroRange(bytes, parentStart, parentLength)) {
      if (parentLength !== 8) {
        this.reject('parentSpanId', `expected 8 bytes, got ${parentLength}`);
        return;
      }
      parentSpanId = hex8(bytes, parentStart);
    }
    const view = cursor.view;
    if (
      startTimePos < 0 ||
      (view.getUint32(startTimePos, true) | view.getUint32(startTimePos + 4, true)) === 0
    ) {
      this.reject('startTimeUnixNano', 'missing');
      return;
    }
    if (endTimePos < 0 || (view.getUint32(endTimePos, true) | view.getUint32(endTimePos + 4, true)) === 0) {
      this.reject('endTimeUnixNano', 'missing');
      return;
    }
    if (this.tooDeep) {
      this.tooDeep = false;
      this.reject('attributes', `attribute values nest deeper than ${this.maxDepth} levels`);
      return;
    }
    const record: SpanRecord = {
      traceId: hex16(bytes, traceStart),
      spanId: hex8(bytes, spanStart),
      parentSpanId,
      name,
      kind: (kind >= 0 && kind <= 5 ? kind : 0) as SpanKind,
      startTimeUnixNano: view.getBigUint64(startTimePos, true),
      endTimeUnixNano: view.getBigUint64(endTimePos, true),
      attributes,
      resource,
    };
    if (scope !== undefined) record.scope = scope;
    if (status !== undefined) record.status = status;
    if (record.endTimeUnixNano < record.startTimeUnixNano) {
      this.builder.note(`${this.where()}: endTimeUnixNano is before startTimeUnixNano (span kept)`);
    }
    this.builder.spans.push(record);
  }

  reject(field: string, reason: string): void {
    this.tooDeep = false;
    this.builder.reject(1, `${this.where()}.${field}: ${reason}`);
  }

  status(end: number): NonNullable<SpanRecord['status']> {
    const cursor = this.cursor;
    let code = 0;
    let message = '';
    while (cursor.pos < end) {
      const tag = cursor.tag(end);
      if (tag === Tag.STATUS_CODE) code = cursor.varint32(end) | 0;
      else if (tag === Tag.STATUS_MESSAGE) {
        const length = cursor.length(end);
        message = this.strings.read(cursor.pos, cursor.pos + length);
        cursor.pos += length;
      } else cursor.skip(tag, end, Depth.SPAN + 1);
    }
    return message === '' ? { code } : { code, message };
  }

  /** Decodes the KeyValue from the cursor to `end` into `attributes`. */
  keyValueInto(attributes: Attributes, end: number, depth: number, messageDepth: number): void {
    if (messageDepth > MAX_MESSAGE_DEPTH) throw new WireError('max depth exceeded');
    const cursor = this.cursor;
    let key = '';
    let value: AttributeValue = null;
    while (cursor.pos < end) {
      const tag = cursor.tag(end);
      if (tag === Tag.KEY_VALUE_KEY) {
        const length = cursor.length(end);
        key = this.strings.read(cursor.pos, cursor.pos + length);
        cursor.pos += length;
      } else if (tag === Tag.KEY_VALUE_VALUE) {
        const length = cursor.length(end);
        value = this.anyValue(cursor.pos + length, depth, messageDepth + 1);
      } else cursor.skip(tag, end, messageDepth);
    }
    setAttribute(attributes, key, value);
  }

  /** Decodes the AnyValue from the cursor to `end`; the last value field on the wire wins (a oneof). */
  anyValue(end: number, depth: number, messageDepth: number): AttributeValue {
    if (messageDepth > MAX_MESSAGE_DEPTH) throw new WireError('max depth exceeded');
    const cursor = this.cursor;
    let value: AttributeValue = null;
    while (cursor.pos < end) {
      const tag = cursor.tag(end);
      switch (tag) {
        case Tag.ANY_STRING: {
          const length = cursor.length(end);
          value = this.strings.read(cursor.pos, cursor.pos + length);
          cursor.pos += length;
          break;
        }
        case Tag.ANY_INT:
          cursor.varint64(end);
          value = int64Attribute(cursor.lo, cursor.hi);
          break;
        case Tag.ANY_BOOL:
          cursor.varint64(end);
          value = (cursor.lo | cursor.hi) !== 0;
          break;
        case Tag.ANY_DOUBLE:
          cursor.need(8, end);
          value = cursor.view.getFloat64(cursor.pos, true);
          cursor.pos += 8;
          break;
        case Tag.ANY_ARRAY: {
          const length = cursor.length(end);
          if (depth >= this.maxDepth) this.tooDeep = true;
          value = this.arrayValue(cursor.pos + length, depth + 1, messageDepth + 1);
          break;
        }
        case Tag.ANY_KVLIST: {
          const length = cursor.length(end);
          if (depth >= this.maxDepth) this.tooDeep = true;
          value = this.keyValueList(cursor.pos + length, depth + 1, messageDepth + 1);
          break;
        }
        case Tag.ANY_BYTES: {
          const length = cursor.length(end);
          value = hexRange(this.bytes, cursor.pos, cursor.pos + length);
          cursor.pos += length;
          break;
        }
        default:
          cursor.skip(tag, end, messageDepth);
      }
    }
    return value;
  }

  arrayValue(end: number, depth: number, messageDepth: number): AttributeValue[] {
    if (messageDepth > MAX_MESSAGE_DEPTH) throw new WireError('max depth exceeded');
    const cursor = this.cursor;
    const values: AttributeValue[] = [];
    while (cursor.pos < end) {
      const tag = cursor.tag(end);
      if (tag === Tag.VALUES) {
        const length = cursor.length(end);
        values.push(this.anyValue(cursor.pos + length, depth, messageDepth + 1));
      } else cursor.skip(tag, end, messageDepth);
    }
    return values;
  }

  keyValueList(end: number, depth: number, messageDepth: number): Attributes {
    if (messageDepth > MAX_MESSAGE_DEPTH) throw new WireError('max depth exceeded');
    const cursor = this.cursor;
    const attributes: Attributes = {};
    while (cursor.pos < end) {
      const tag = cursor.tag(end);
      if (tag === Tag.VALUES) {
        const length = cursor.length(end);
        this.keyValueInto(attributes, cursor.pos + length, depth, messageDepth + 1);
      } else cursor.skip(tag, end, messageDepth);
    }
    return attributes;
  }
}

/**
 * Decodes a binary OTLP `ExportTraceServiceRequest` (OTLP/HTTP `application/x-protobuf`).
 * Bad spans are rejected and counted; a body that is not such a message throws {@link OtlpDecodeError}
 * whose path says where the encoding broke.
 */
export function decodeOtlpProtobufWire(bytes: Uint8Array, options: DecodeOptions = {}): DecodeResult {
  const builder = new ResultBuilder(options);
  const decoder = new ProtobufDecoder(bytes, builder);
  try {
    decoder.request();
  } catch (error) {
    if (!(error instanceof WireError)) throw error;
    throw new OtlpDecodeError(decoder.where(), `not a protobuf ExportTraceServiceRequest (${error.message})`);
  }
  return builder.result();
}
