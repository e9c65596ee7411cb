import fc from 'fast-check';
import protobuf from 'protobufjs/light.js';
import { describe, expect, it } from 'vitest';
import { OtlpDecodeError } from './errors.js';
import { decodeOtlpJson, encodeOtlpJsonRequest } from './json.js';
import type { SpanRecord } from './model.js';
import { decodeOtlpProtobuf, encodeOtlpProtobufRequest } from './protobuf.js';
import {
  decodeExportTraceServiceResponse,
  decodeRpcStatus,
  encodeExportTraceServiceResponse,
  encodeExportTraceServiceResponseJson,
  encodeRpcStatus,
} from './response.js';
import { sampleSpans } from './test-fixtures.js';

/** Hand-rolled protobuf writer for spans the encoder would never produce. */
function rawSpanRequest(write: (span: protobuf.Writer) => void): Uint8Array {
  const span = protobuf.Writer.create();
  write(span);
  const spanBytes = span.finish();
  const scopeSpans = protobuf.Writer.create()
    .uint32((2 << 3) | 2)
    .bytes(spanBytes)
    .finish();
  const resourceSpans = protobuf.Writer.create()
    .uint32((2 << 3) | 2)
    .bytes(scopeSpans)
    .finish();
  return protobuf.Writer.create()
    .uint32((1 << 3) | 2)
    .bytes(resourceSpans)
    .finish();
}

function validSpanFields(span: protobuf.Writer, traceIdLength = 16, spanIdLength = 8): protobuf.Writer {
  return span
    .uint32((1 << 3) | 2)
    .bytes(new Uint8Array(traceIdLength).fill(1))
    .uint32((2 << 3) | 2)
    .bytes(new Uint8Array(spanIdLength).fill(2))
    .uint32((5 << 3) | 2)
    .string('raw')
    .uint32((7 << 3) | 1)
    .fixed64(1000)
    .uint32((8 << 3) | 1)
    .fixed64(2000);
}

describe('decodeOtlpProtobuf', () => {
  it('round-trips spans through protobuf', () => {
    const spans = sampleSpans();
    const result = decodeOtlpProtobuf(encodeOtlpProtobufRequest(spans));
    expect(result.rejectedSpans).toBe(0);
    expect(result.errors).toEqual([]);
    expect(result.spans).toEqual(spans);
  });

  it('round-trips JSON → protobuf → JSON', () => {
    const spans = sampleSpans();
    const fromJson = decodeOtlpJson(JSON.stringify(encodeOtlpJsonRequest(spans))).spans;
    const fromProtobuf = decodeOtlpProtobuf(encodeOtlpProtobufRequest(fromJson)).spans;
    expect(fromProtobuf).toEqual(spans);
    expect(encodeOtlpJsonRequest(fromProtobuf)).toEqual(encodeOtlpJsonRequest(spans));
  });

  it('shares one resource object between spans of a resource', () => {
    const { spans } = decodeOtlpProtobuf(encodeOtlpProtobufRequest(sampleSpans()));
    expect(spans[0]?.resource).toBe(spans[1]?.resource);
    expect(spans[0]?.resource).not.toBe(spans[2]?.resource);
  });

  it('keeps arbitrary ids, times and integer attributes exact', () => {
    const hex = (length: number) =>
      fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`)).filter((id) => !/^0+$/.test(id));
    fc.assert(
      fc.property(
        hex(32),
        hex(16),
        fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        (traceId, spanId, start, integer) => {
          const value =
            integer >= BigInt(Number.MIN_SAFE_INTEGER) && integer <= BigInt(Number.MAX_SAFE_INTEGER)
              ? Number(integer)
              : integer.toString();
          const span: SpanRecord = {
            traceId,
            spanId,
            parentSpanId: undefined,
            name: 'p',
            kind: 1,
            startTimeUnixNano: start,
            endTimeUnixNano: start,
            attributes: { value },
            resource: {},
          };
          const [decoded] = decodeOtlpProtobuf(encodeOtlpProtobufRequest([span])).spans;
          expect(decoded).toEqual(span);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects spans with wrong id lengths, zero ids or missing times, and keeps the rest', () => {
    const bad = rawSpanRequest((span) => validSpanFields(span, 12));
    const result = decodeOtlpProtobuf(bad);
    expect(result.spans).toEqual([]);
    expect(result.rejectedSpans).toBe(1);
    expect(result.errors[0]).toBe(
      'resourceSpans[0].scopeSpans[0].spans[0].traceId: expected 16 bytes, got 12',
    );

    const zero = decodeOtlpProtobuf(
      rawSpanRequest((span) =>
        span
          .uint32((1 << 3) | 2)
          .bytes(new Uint8Array(16))
          .uint32((2 << 3) | 2)
          .bytes(new Uint8Array(8).fill(1)),
      ),
    );
    expect(zero.errors[0]).toContain('traceId: all-zero id is invalid');

    const noTimes = decodeOtlpProtobuf(
      rawSpanRequest((span) =>
        span
          .uint32((1 << 3) | 2)
          .bytes(new Uint8Array(16).fill(1))
          .uint32((2 << 3) | 2)
          .bytes(new Uint8Array(8).fill(1)),
      ),
    );
    expect(noTimes.rejectedSpans).toBe(1);
    expect(noTimes.errors[0]).toContain('startTimeUnixNano: missing');

    const good = decodeOtlpProtobuf(rawSpanRequest((span) => validSpanFields(span)));
    expect(good.rejectedSpans).toBe(0);
    expect(good.spans[0]?.traceId).toBe('01'.repeat(16));
    expect(good.spans[0]?.startTimeUnixNano).toBe(1000n);
  });

  it('counts rejections across a mixed batch', () => {
    const spans = sampleSpans();
    const request = encodeOtlpProtobufRequest(spans);
    const zeroTimeSpan = { ...spans[1], spanId: '1111111111111111', startTimeUnixNano: 0n } as SpanRecord;
    const mixed = decodeOtlpProtobuf(
      encodeOtlpProtobufRequest([
        ...spans,
        zeroTimeSpan,
        { ...(spans[1] as SpanRecord), endTimeUnixNano: 1n },
      ]),
    );
    expect(mixed.spans).toHaveLength(4);
    expect(mixed.rejectedSpans).toBe(1);
    expect(mixed.errors).toHaveLength(2);
    expect(mixed.errors[1]).toContain('endTimeUnixNano is before startTimeUnixNano (span kept)');
    expect(decodeOtlpProtobuf(request).spans).toHaveLength(3);
  });

  it('caps attribute nesting depth per span', () => {
    let deep: SpanRecord['attributes'][string] = 'leaf';
    for (let level = 0; level < 40; level++) deep = [deep];
    let ok: SpanRecord['attributes'][string] = 'leaf';
    for (let level = 0; level < 32; level++) ok = [ok];
    const [first, second] = sampleSpans();
    const result = decodeOtlpProtobuf(
      encodeOtlpProtobufRequest([
        { ...(first as SpanRecord), attributes: { deep } },
        { ...(second as SpanRecord), attributes: { ok } },
      ]),
    );
    expect(result.rejectedSpans).toBe(1);
    expect(result.spans).toHaveLength(1);
    expect(result.errors[0]).toMatch(/spans\[0\]\.attributes: attribute values nest deeper than 32 levels/);
  });

  it('rejects every span of a resource whose attributes nest too deep', () => {
    let deep: SpanRecord['attributes'][string] = 'leaf';
    for (let level = 0; level < 40; level++) deep = [deep];
    const spans = sampleSpans().map((span) => ({ ...span, resource: { deep } }));
    const result = decodeOtlpProtobuf(encodeOtlpProtobufRequest(spans));
    expect(result.rejectedSpans).toBe(3);
    expect(result.spans).toEqual([]);
  });

  it('throws a where-message for bytes that are not an ExportTraceServiceRequest', () => {
    expect(() => decodeOtlpProtobuf(new Uint8Array([0x0a, 0xff, 0xff, 0x03]))).toThrow(OtlpDecodeError);
    expect(() => decodeOtlpProtobuf(new TextEncoder().encode('not protobuf at all'))).toThrow(
      /not a protobuf ExportTraceServiceRequest/,
    );
    // Nesting beyond protobufjs's recursion limit (100 messages) fails the whole body, cheaply.
    let anyValue = protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .string('leaf')
      .finish();
    for (let level = 0; level < 120; level++) {
      const arrayValue = protobuf.Writer.create()
        .uint32((1 << 3) | 2)
        .bytes(anyValue)
        .finish();
      anyValue = protobuf.Writer.create()
        .uint32((5 << 3) | 2)
        .bytes(arrayValue)
        .finish();
    }
    const keyValue = protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .string('deep')
      .uint32((2 << 3) | 2)
      .bytes(anyValue)
      .finish();
    const request = rawSpanRequest((span) =>
      validSpanFields(span)
        .uint32((9 << 3) | 2)
        .bytes(keyValue),
    );
    expect(() => decodeOtlpProtobuf(request)).toThrow(/max depth exceeded/);
  });

  it('accepts an empty body as an empty request', () => {
    expect(decodeOtlpProtobuf(new Uint8Array(0))).toEqual({ spans: [], rejectedSpans: 0, errors: [] });
  });

  it('accepts huge attribute values', () => {
    const huge = 'x'.repeat(5_000_000);
    const result = decodeOtlpProtobuf(
      encodeOtlpProtobufRequest([{ ...(sampleSpans()[1] as SpanRecord), attributes: { huge } }]),
    );
    expect(result.spans[0]?.attributes.huge).toBe(huge);
  });
});

/** Frames `message` as field `field` (length-delimited). */
function field(writer: protobuf.Writer, number: number, message: Uint8Array): protobuf.Writer {
  return writer.uint32((number << 3) | 2).bytes(message);
}

/** One request around raw span bytes, with raw extra bytes appended at each enclosing level. */
function wrapSpans(
  spans: Uint8Array[],
  extra: { scopeSpans?: Uint8Array; resourceSpans?: Uint8Array; request?: Uint8Array } = {},
): Uint8Array {
  const scopeSpans = protobuf.Writer.create();
  for (const span of spans) field(scopeSpans, 2, span);
  const scopeBytes = concat(scopeSpans.finish(), extra.scopeSpans);
  const resourceBytes = concat(field(protobuf.Writer.create(), 2, scopeBytes).finish(), extra.resourceSpans);
  return concat(field(protobuf.Writer.create(), 1, resourceBytes).finish(), extra.request);
}

function concat(...parts: Array<Uint8Array | undefined>): Uint8Array {
  const present = parts.filter((part): part is Uint8Array => part !== undefined);
  const bytes = new Uint8Array(present.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of present) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

/** Unknown fields (numbers 100-105) of every wire type, including a nested group. */
function unknownFields(): Uint8Array {
  return protobuf.Writer.create()
    .uint32((100 << 3) | 0)
    .int32(-1) // a ten-byte varint
    .uint32((101 << 3) | 1)
    .fixed64(7)
    .uint32((102 << 3) | 2)
    .bytes(new Uint8Array([1, 2, 3]))
    .uint32((103 << 3) | 3)
    .uint32((1 << 3) | 0)
    .uint32(5)
    .uint32((2 << 3) | 3)
    .uint32((2 << 3) | 4)
    .uint32((103 << 3) | 4)
    .uint32((104 << 3) | 5)
    .fixed32(9)
    .finish();
}

const validSpan = (): Uint8Array => validSpanFields(protobuf.Writer.create()).finish();

describe('decodeOtlpProtobuf wire reading', () => {
  it('throws on truncated varints, with where the encoding broke', () => {
    expect(() => decodeOtlpProtobuf(new Uint8Array([0x8a]))).toThrow(/truncated at byte 1/);
    expect(() => decodeOtlpProtobuf(new Uint8Array([0x0a, 0x85]))).toThrow(/truncated/);
    const span = concat(validSpan(), new Uint8Array([0x30, 0xff, 0xff]));
    let error: unknown;
    try {
      decodeOtlpProtobuf(wrapSpans([span]));
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(OtlpDecodeError);
    expect((error as OtlpDecodeError).path).toBe('resourceSpans[0].scopeSpans[0].spans[0]');
    expect((error as OtlpDecodeError).reason).toMatch(
      /^not a protobuf ExportTraceServiceRequest \(truncated/,
    );
    // A varint may not run on past ten bytes.
    const eleven = new Uint8Array([0x30, ...new Array(10).fill(0xff), 0x01]);
    expect(() => decodeOtlpProtobuf(wrapSpans([concat(validSpan(), eleven)]))).toThrow(
      /longer than 10 bytes/,
    );
  });

  it('throws on invalid wire types and unmatched group ends', () => {
    for (const wireType of [6, 7]) {
      expect(() => decodeOtlpProtobuf(new Uint8Array([(1 << 3) | wireType, 0]))).toThrow(
        new RegExp(`invalid wire type ${wireType}`),
      );
      expect(() =>
        decodeOtlpProtobuf(wrapSpans([concat(validSpan(), new Uint8Array([(10 << 3) | wireType]))])),
      ).toThrow(/spans\[0\]: not a protobuf ExportTraceServiceRequest \(invalid wire type/);
    }
    expect(() => decodeOtlpProtobuf(new Uint8Array([(3 << 3) | 4]))).toThrow(
      /end of group 3 without a start/,
    );
    expect(() => decodeOtlpProtobuf(new Uint8Array([(3 << 3) | 3, (4 << 3) | 4]))).toThrow(
      /end of group 4 inside group 3/,
    );
    expect(() => decodeOtlpProtobuf(new Uint8Array([(3 << 3) | 3]))).toThrow(/truncated/);
    expect(() => decodeOtlpProtobuf(new Uint8Array([0x00, 0x00]))).toThrow(/invalid field number 0/);
  });

  it('treats a known field with another wire type as unknown', () => {
    // traceId as a varint: skipped, so the span has no trace id.
    const span = protobuf.Writer.create()
      .uint32((1 << 3) | 0)
      .uint32(16);
    const bytes = concat(
      span.finish(),
      protobuf.Writer.create()
        .uint32((2 << 3) | 2)
        .bytes(new Uint8Array(8).fill(2))
        .uint32((7 << 3) | 1)
        .fixed64(1000)
        .uint32((8 << 3) | 1)
        .fixed64(2000)
        .finish(),
    );
    const result = decodeOtlpProtobuf(wrapSpans([bytes]));
    expect(result.errors).toEqual([
      'resourceSpans[0].scopeSpans[0].spans[0].traceId: expected 16 bytes, got 0',
    ]);
    // Start time as a varint instead of fixed64: missing.
    const varintTime = concat(
      protobuf.Writer.create()
        .uint32((1 << 3) | 2)
        .bytes(new Uint8Array(16).fill(1))
        .uint32((2 << 3) | 2)
        .bytes(new Uint8Array(8).fill(1))
        .uint32((7 << 3) | 0)
        .uint32(1000)
        .uint32((8 << 3) | 1)
        .fixed64(2000)
        .finish(),
    );
    expect(decodeOtlpProtobuf(wrapSpans([varintTime])).errors[0]).toMatch(/startTimeUnixNano: missing$/);
  });

  it('throws on lengths past the end of the enclosing message', () => {
    expect(() => decodeOtlpProtobuf(new Uint8Array([0x0a, 0x05, 0x12, 0x00]))).toThrow(
      /length 5 at byte 1 runs past the end of its message \(2 bytes left\)/,
    );
    // A name whose length runs past the end of its span (but not of the body).
    const span = concat(validSpan(), new Uint8Array([(5 << 3) | 2, 0x10]));
    const body = wrapSpans([span], { request: new Uint8Array(32) });
    expect(() => decodeOtlpProtobuf(body)).toThrow(/spans\[0\]: not a protobuf .*runs past the end/);
    // Huge lengths (ten-byte varints) are past the end too.
    const huge = new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(() => decodeOtlpProtobuf(huge)).toThrow(/runs past the end/);
    // A fixed64 time cut short by the end of its span.
    const shortTime = concat(validSpan(), new Uint8Array([(7 << 3) | 1, 1, 2, 3]));
    expect(() => decodeOtlpProtobuf(wrapSpans([shortTime]))).toThrow(/truncated/);
  });

  it('skips unknown fields of every wire type at every level', () => {
    const spans = sampleSpans();
    const plain = decodeOtlpProtobuf(encodeOtlpProtobufRequest(spans));
    const unknown = unknownFields();
    const withUnknown = decodeOtlpProtobuf(
      wrapSpans([concat(unknown, validSpan(), unknown)], {
        scopeSpans: unknown,
        resourceSpans: unknown,
        request: unknown,
      }),
    );
    expect(withUnknown.errors).toEqual([]);
    expect(withUnknown.spans).toEqual(decodeOtlpProtobuf(wrapSpans([validSpan()])).spans);
    expect(plain.spans).toEqual(spans);
    // Inside attributes: a KeyValue and an AnyValue with unknown fields.
    const anyValue = concat(
      unknown,
      field(protobuf.Writer.create(), 1, new TextEncoder().encode('v')).finish(),
      unknown,
    );
    const keyValue = concat(
      unknown,
      protobuf.Writer.create()
        .uint32((1 << 3) | 2)
        .string('k')
        .finish(),
      field(protobuf.Writer.create(), 2, anyValue).finish(),
    );
    const span = concat(validSpan(), field(protobuf.Writer.create(), 9, keyValue).finish());
    expect(decodeOtlpProtobuf(wrapSpans([span])).spans[0]?.attributes).toEqual({ k: 'v' });
  });

  it('skips packed and unpacked repeated scalars alike, and reads a negative kind as unspecified', () => {
    const unpacked = protobuf.Writer.create();
    for (const value of [1, 300, 70000]) unpacked.uint32((110 << 3) | 0).uint32(value);
    const packedValues = protobuf.Writer.create().uint32(1).uint32(300).uint32(70000).finish();
    const packed = protobuf.Writer.create()
      .uint32((110 << 3) | 2)
      .bytes(packedValues)
      .finish();
    const expected = decodeOtlpProtobuf(wrapSpans([validSpan()])).spans;
    for (const extra of [unpacked.finish(), packed]) {
      expect(decodeOtlpProtobuf(wrapSpans([concat(validSpan(), extra)])).spans).toEqual(expected);
    }
    // kind as packed (length-delimited) is not a varint field: skipped, so the kind stays 0.
    const packedKind = protobuf.Writer.create()
      .uint32((6 << 3) | 2)
      .bytes(new Uint8Array([2]))
      .finish();
    expect(decodeOtlpProtobuf(wrapSpans([concat(validSpan(), packedKind)])).spans[0]?.kind).toBe(0);
    // A negative int32 kind is sent as a ten-byte varint.
    const negativeKind = protobuf.Writer.create()
      .uint32((6 << 3) | 0)
      .int32(-1)
      .finish();
    expect(negativeKind.length).toBe(11);
    const server = protobuf.Writer.create()
      .uint32((6 << 3) | 0)
      .int32(2)
      .finish();
    expect(decodeOtlpProtobuf(wrapSpans([concat(validSpan(), negativeKind)])).spans[0]?.kind).toBe(0);
    expect(decodeOtlpProtobuf(wrapSpans([concat(validSpan(), server)])).spans[0]?.kind).toBe(2);
  });

  it('rejects ids of the wrong length, keeps all-zero parents as roots', () => {
    const withParent = (parent: Uint8Array) =>
      decodeOtlpProtobuf(
        wrapSpans([
          concat(
            validSpan(),
            protobuf.Writer.create()
              .uint32((4 << 3) | 2)
              .bytes(parent)
              .finish(),
          ),
        ]),
      );
    expect(withParent(new Uint8Array([1, 2, 3, 4])).errors).toEqual([
      'resourceSpans[0].scopeSpans[0].spans[0].parentSpanId: expected 8 bytes, got 4',
    ]);
    expect(withParent(new Uint8Array(4)).spans[0]?.parentSpanId).toBeUndefined();
    expect(withParent(new Uint8Array(8)).spans[0]?.parentSpanId).toBeUndefined();
    expect(withParent(new Uint8Array([0xab, 0, 0, 0, 0, 0, 0, 0xcd])).spans[0]?.parentSpanId).toBe(
      'ab000000000000cd',
    );
    const spanId = (length: number) =>
      decodeOtlpProtobuf(rawSpanRequest((span) => validSpanFields(span, 16, length))).errors[0];
    expect(spanId(7)).toBe('resourceSpans[0].scopeSpans[0].spans[0].spanId: expected 8 bytes, got 7');
    expect(spanId(9)).toBe('resourceSpans[0].scopeSpans[0].spans[0].spanId: expected 8 bytes, got 9');
    const traceId = decodeOtlpProtobuf(rawSpanRequest((span) => validSpanFields(span, 17))).errors[0];
    expect(traceId).toBe('resourceSpans[0].scopeSpans[0].spans[0].traceId: expected 16 bytes, got 17');
    const zeroSpanId = decodeOtlpProtobuf(
      rawSpanRequest((span) =>
        span
          .uint32((1 << 3) | 2)
          .bytes(new Uint8Array(16).fill(1))
          .uint32((2 << 3) | 2)
          .bytes(new Uint8Array(8)),
      ),
    );
    expect(zeroSpanId.errors[0]).toBe(
      'resourceSpans[0].scopeSpans[0].spans[0].spanId: all-zero id is invalid',
    );
  });

  it('reads fields in any order; the last of a repeated singular field wins', () => {
    const scope = protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .string('late-scope')
      .finish();
    const keyValue = protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .string('service.name')
      .uint32((2 << 3) | 2)
      .bytes(
        protobuf.Writer.create()
          .uint32((1 << 3) | 2)
          .string('late')
          .finish(),
      )
      .finish();
    const resource = field(protobuf.Writer.create(), 1, keyValue).finish();
    // Scope after the spans, resource after the scope spans, span fields reversed.
    const span = protobuf.Writer.create()
      .uint32((8 << 3) | 1)
      .fixed64(2000)
      .uint32((7 << 3) | 1)
      .fixed64(1000)
      .uint32((5 << 3) | 2)
      .string('first')
      .uint32((5 << 3) | 2)
      .string('second')
      .uint32((2 << 3) | 2)
      .bytes(new Uint8Array(8).fill(2))
      .uint32((1 << 3) | 2)
      .bytes(new Uint8Array(16).fill(1))
      .finish();
    const body = wrapSpans([span], {
      scopeSpans: field(protobuf.Writer.create(), 1, scope).finish(),
      resourceSpans: field(protobuf.Writer.create(), 1, resource).finish(),
    });
    const [decoded] = decodeOtlpProtobuf(body).spans;
    expect(decoded?.name).toBe('second');
    expect(decoded?.scope).toEqual({ name: 'late-scope' });
    expect(decoded?.resource).toEqual({ 'service.name': 'late' });
    expect(decoded?.startTimeUnixNano).toBe(1000n);
    // AnyValue is a oneof: the last value on the wire wins.
    const twoValues = protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .string('text')
      .uint32((3 << 3) | 0)
      .int64(5)
      .finish();
    const attribute = protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .string('k')
      .uint32((2 << 3) | 2)
      .bytes(twoValues)
      .finish();
    const withAttribute = concat(validSpan(), field(protobuf.Writer.create(), 9, attribute).finish());
    expect(decodeOtlpProtobuf(wrapSpans([withAttribute])).spans[0]?.attributes).toEqual({ k: 5 });
  });

  it('reads instrumentationLibrarySpans (field 1000) after scopeSpans', () => {
    const library = protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .bytes(
        protobuf.Writer.create()
          .uint32((1 << 3) | 2)
          .string('old-library')
          .uint32((2 << 3) | 2)
          .string('1.0')
          .finish(),
      )
      .uint32((2 << 3) | 2)
      .bytes(validSpanFields(protobuf.Writer.create(), 16, 8).finish())
      .finish();
    const body = wrapSpans([], {
      resourceSpans: field(protobuf.Writer.create(), 1000, library).finish(),
    });
    const result = decodeOtlpProtobuf(body);
    expect(result.spans).toHaveLength(1);
    expect(result.spans[0]?.scope).toEqual({ name: 'old-library', version: '1.0' });
  });

  it('decodes from a view into a larger buffer and from a plain Uint8Array', () => {
    const request = encodeOtlpProtobufRequest(sampleSpans());
    const padded = new Uint8Array(request.length + 20);
    padded.set(request, 7);
    expect(decodeOtlpProtobuf(padded.subarray(7, 7 + request.length)).spans).toEqual(sampleSpans());
    expect(decodeOtlpProtobuf(new Uint8Array(request)).spans).toEqual(sampleSpans());
  });

  it('round-trips arbitrary attribute keys and values (the string cache keeps them apart)', () => {
    const text = fc.oneof(fc.string({ maxLength: 6 }), fc.string({ unit: 'grapheme', maxLength: 60 }));
    const value = fc.oneof(
      text,
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(text, { maxLength: 3 }),
    );
    const [template] = sampleSpans();
    fc.assert(
      fc.property(
        fc.dictionary(text, value, { maxKeys: 30 }),
        fc.array(text, { maxLength: 20 }),
        (attributes, names) => {
          const spans = names.map(
            (name, index) =>
              ({
                ...(template as SpanRecord),
                spanId: (index + 1).toString(16).padStart(16, '0'),
                name,
                attributes,
              }) as SpanRecord,
          );
          const decoded = decodeOtlpProtobuf(encodeOtlpProtobufRequest(spans)).spans;
          expect(decoded.map((span) => span.name)).toEqual(names);
          for (const span of decoded) expect(span.attributes).toEqual(attributes);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('ExportTraceServiceResponse', () => {
  it('is empty on full success and carries partial_success otherwise', () => {
    expect(encodeExportTraceServiceResponse({ rejectedSpans: 0 })).toHaveLength(0);
    expect(encodeExportTraceServiceResponseJson({})).toEqual({});
    const bytes = encodeExportTraceServiceResponse({ rejectedSpans: 3, errorMessage: 'bad ids' });
    expect(decodeExportTraceServiceResponse(bytes)).toEqual({ rejectedSpans: 3, errorMessage: 'bad ids' });
    expect(encodeExportTraceServiceResponseJson({ rejectedSpans: 3, errorMessage: 'bad ids' })).toEqual({
      partialSuccess: { rejectedSpans: '3', errorMessage: 'bad ids' },
    });
  });

  it('encodes google.rpc.Status', () => {
    expect(decodeRpcStatus(encodeRpcStatus({ code: 3, message: 'bad' }))).toEqual({
      code: 3,
      message: 'bad',
    });
  });
});
