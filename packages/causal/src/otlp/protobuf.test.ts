import fc from 'fast-check';
import protobuf from 'protobufjs/light.js';
import { describe, expect, it } from 'vitest';
import type { SpanRecord } from '../model.js';
import { OtlpDecodeError } from './errors.js';
import { decodeOtlpJson, encodeOtlpJsonRequest } from './json.js';
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
