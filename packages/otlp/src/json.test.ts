import { describe, expect, it } from 'vitest';
import { OtlpDecodeError } from './errors.js';
import { decodeOtlpJson, encodeOtlpJsonRequest, otlpJsonBytes } from './json.js';
import { sampleSpans } from './test-fixtures.js';

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';

function request(span: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'orders' } }] },
        scopeSpans: [{ scope: { name: 'test' }, spans: [span] }],
        ...extra,
      },
    ],
  };
}

const baseSpan = {
  traceId: TRACE_ID,
  spanId: SPAN_ID,
  name: 'GET',
  kind: 2,
  startTimeUnixNano: '1763780000000000000',
  endTimeUnixNano: '1763780000100000000',
};

describe('decodeOtlpJson', () => {
  it('round-trips spans through OTLP JSON text', () => {
    const spans = sampleSpans();
    const result = decodeOtlpJson(JSON.stringify(encodeOtlpJsonRequest(spans)));
    expect(result).toEqual({ spans, rejectedSpans: 0, errors: [] });
  });

  it('reads ids as hex, never base64', () => {
    const [span] = decodeOtlpJson(request(baseSpan)).spans;
    expect(span?.traceId).toBe(TRACE_ID);
    expect(span?.spanId).toBe(SPAN_ID);
    // The same 16 bytes written as base64 (what a generic protobuf JSON codec produces) are rejected with a hint.
    const base64 = decodeOtlpJson(request({ ...baseSpan, traceId: 'W47/95gDgQPSabYzgT/GDA==' }));
    expect(base64.rejectedSpans).toBe(1);
    expect(base64.errors[0]).toBe(
      'resourceSpans[0].scopeSpans[0].spans[0].traceId: expected 32 hex characters, got 24 (base64? OTLP JSON ids are hex)',
    );
  });

  it('lowercases uppercase hex ids', () => {
    const [span] = decodeOtlpJson(request({ ...baseSpan, traceId: TRACE_ID.toUpperCase() })).spans;
    expect(span?.traceId).toBe(TRACE_ID);
  });

  it('accepts snake_case field names and the deprecated instrumentationLibrarySpans', () => {
    const snake = {
      resource_spans: [
        {
          resource: { attributes: [{ key: 'n', value: { int_value: '5' } }] },
          instrumentation_library_spans: [
            {
              instrumentation_library: { name: 'old', version: '1' },
              spans: [
                {
                  trace_id: TRACE_ID,
                  span_id: SPAN_ID,
                  parent_span_id: '1111111111111111',
                  name: 'x',
                  start_time_unix_nano: 5,
                  end_time_unix_nano: '6',
                  attributes: [
                    { key: 'b', value: { bool_value: true } },
                    { key: 'd', value: { double_value: 1.5 } },
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    const result = decodeOtlpJson(snake);
    expect(result.rejectedSpans).toBe(0);
    expect(result.spans[0]).toMatchObject({
      parentSpanId: '1111111111111111',
      startTimeUnixNano: 5n,
      endTimeUnixNano: 6n,
      attributes: { b: true, d: 1.5 },
      resource: { n: 5 },
      scope: { name: 'old', version: '1' },
    });
  });

  it('accepts enum names as well as numbers', () => {
    const result = decodeOtlpJson(
      request({ ...baseSpan, kind: 'SPAN_KIND_CLIENT', status: { code: 'STATUS_CODE_ERROR', message: 'x' } }),
    );
    expect(result.spans[0]?.kind).toBe(3);
    expect(result.spans[0]?.status).toEqual({ code: 2, message: 'x' });
    const unknown = decodeOtlpJson(request({ ...baseSpan, kind: 'SPAN_KIND_NOPE' }));
    expect(unknown.rejectedSpans).toBe(1);
    expect(unknown.errors[0]).toContain('kind: expected a SpanKind number or name, got "SPAN_KIND_NOPE"');
  });

  it('reads int64 as decimal strings or numbers', () => {
    const result = decodeOtlpJson(
      request({
        ...baseSpan,
        startTimeUnixNano: 1763780000000000000,
        attributes: [
          { key: 'small', value: { intValue: '42' } },
          { key: 'number', value: { intValue: 42 } },
          { key: 'big', value: { intValue: '9223372036854775807' } },
          { key: 'negative', value: { intValue: '-9223372036854775808' } },
          { key: 'nan', value: { doubleValue: 'NaN' } },
          { key: 'bytes', value: { bytesValue: otlpJsonBytes('00ff10') } },
          { key: 'empty', value: {} },
        ],
      }),
    );
    expect(result.spans[0]?.startTimeUnixNano).toBe(1763780000000000000n);
    expect(result.spans[0]?.attributes).toEqual({
      small: 42,
      number: 42,
      big: '9223372036854775807',
      negative: '-9223372036854775808',
      nan: Number.NaN,
      bytes: '00ff10',
      empty: null,
    });
    const bad = decodeOtlpJson(
      request({ ...baseSpan, attributes: [{ key: 'x', value: { intValue: '1e3' } }] }),
    );
    expect(bad.errors[0]).toContain('attributes[0].value.intValue: expected an int64');
  });

  it('rejects bad spans, counts them and keeps the others', () => {
    const spans = [
      baseSpan,
      { ...baseSpan, spanId: 'abc' },
      { ...baseSpan, traceId: '0'.repeat(32) },
      { ...baseSpan, startTimeUnixNano: undefined },
      { ...baseSpan, spanId: '2222222222222222', endTimeUnixNano: '1' },
      'not a span',
    ];
    const result = decodeOtlpJson({ resourceSpans: [{ scopeSpans: [{ spans }] }] });
    expect(result.spans.map((span) => span.spanId)).toEqual([SPAN_ID, '2222222222222222']);
    expect(result.rejectedSpans).toBe(4);
    expect(result.errors).toEqual([
      'resourceSpans[0].scopeSpans[0].spans[1].spanId: expected 16 hex characters, got 3',
      'resourceSpans[0].scopeSpans[0].spans[2].traceId: all-zero id is invalid',
      'resourceSpans[0].scopeSpans[0].spans[3].startTimeUnixNano: missing',
      'resourceSpans[0].scopeSpans[0].spans[4]: endTimeUnixNano is before startTimeUnixNano (span kept)',
      'resourceSpans[0].scopeSpans[0].spans[5]: expected a Span object, got "not a span"',
    ]);
  });

  it('keeps only the first few messages', () => {
    const spans = Array.from({ length: 50 }, () => ({ ...baseSpan, traceId: 'bad' }));
    const result = decodeOtlpJson({ resourceSpans: [{ scopeSpans: [{ spans }] }] }, { maxErrors: 3 });
    expect(result.rejectedSpans).toBe(50);
    expect(result.errors).toHaveLength(3);
  });

  it('caps attribute nesting depth', () => {
    let deep: unknown = { stringValue: 'leaf' };
    for (let level = 0; level < 33; level++) deep = { kvlistValue: { values: [{ key: 'k', value: deep }] } };
    const result = decodeOtlpJson(request({ ...baseSpan, attributes: [{ key: 'deep', value: deep }] }));
    expect(result.rejectedSpans).toBe(1);
    expect(result.errors[0]).toContain('nest deeper than 32 levels');
    const allowed = decodeOtlpJson(request({ ...baseSpan, attributes: [{ key: 'deep', value: deep }] }), {
      maxAttributeDepth: 40,
    });
    expect(allowed.rejectedSpans).toBe(0);
  });

  it('ignores unknown fields', () => {
    const result = decodeOtlpJson({ ...(request({ ...baseSpan, futureField: 1 }) as object), extra: true });
    expect(result.spans).toHaveLength(1);
  });

  it('throws OtlpDecodeError saying where for malformed bodies', () => {
    expect(() => decodeOtlpJson('{not json')).toThrow(OtlpDecodeError);
    expect(() => decodeOtlpJson('[1]')).toThrow(/expected an ExportTraceServiceRequest object, got an array/);
    expect(() => decodeOtlpJson({ resourceSpans: {} })).toThrow(
      /resourceSpans: expected an array, got an object/,
    );
    expect(() => decodeOtlpJson({ resourceSpans: [{ scopeSpans: [{ spans: 'x' }] }] })).toThrow(
      /resourceSpans\[0\]\.scopeSpans\[0\]\.spans: expected an array/,
    );
    try {
      decodeOtlpJson({ resourceSpans: [{ scopeSpans: [1, 2, 3] }] });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(OtlpDecodeError);
      expect((error as OtlpDecodeError).path).toBe('resourceSpans[0].scopeSpans[0]');
      expect((error as OtlpDecodeError).message).toMatch(/^@tickline\/otlp: /);
    }
  });
});
