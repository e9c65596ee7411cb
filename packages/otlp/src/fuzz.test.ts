import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeOtlp } from './decode.js';
import { OtlpDecodeError } from './errors.js';
import { decodeOtlpJson, encodeOtlpJsonRequest } from './json.js';
import type { AttributeValue, SpanRecord } from './model.js';
import { decodeOtlpProtobuf, encodeOtlpProtobufRequest } from './protobuf.js';
import { sampleSpans } from './test-fixtures.js';

/** Decoding never throws anything but OtlpDecodeError, and what it returns is well formed. */
function decodesSafely(decode: () => ReturnType<typeof decodeOtlp>): void {
  let result: ReturnType<typeof decodeOtlp>;
  try {
    result = decode();
  } catch (error) {
    expect(error).toBeInstanceOf(OtlpDecodeError);
    return;
  }
  expect(result.rejectedSpans).toBeGreaterThanOrEqual(0);
  for (const span of result.spans) {
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(typeof span.startTimeUnixNano).toBe('bigint');
  }
}

describe('decoders on hostile input', () => {
  const valid = encodeOtlpProtobufRequest(sampleSpans());
  const validJson = JSON.stringify(encodeOtlpJsonRequest(sampleSpans()));

  it('survive arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        decodesSafely(() => decodeOtlpProtobuf(bytes));
        decodesSafely(() => decodeOtlp(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('survive corrupted protobuf requests', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.nat(valid.length),
        (flips, cut) => {
          const bytes = valid.slice(0, Math.max(cut, 1));
          for (const [position, value] of flips) if (position < bytes.length) bytes[position] = value;
          decodesSafely(() => decodeOtlpProtobuf(bytes));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('survive arbitrary JSON values and corrupted JSON requests', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        decodesSafely(() => decodeOtlpJson(value));
        decodesSafely(() => decodeOtlpJson({ resourceSpans: [value] }));
        decodesSafely(() => decodeOtlpJson({ resourceSpans: [{ scopeSpans: [{ spans: [value] }] }] }));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.nat(validJson.length - 1), fc.string({ maxLength: 4 }), (position, insert) => {
        decodesSafely(() =>
          decodeOtlp(validJson.slice(0, position) + insert + validJson.slice(position + 1)),
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe('protobuf decoder on random well-formed requests', () => {
  const hexId = (length: number) =>
    fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`)).filter((id) => !/^0+$/.test(id));
  const text = fc.oneof(fc.string({ maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 40 }));
  const { value } = fc.letrec<{ value: AttributeValue }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      text,
      fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
      fc.double({ noNaN: true }).filter((number) => !Number.isInteger(number)),
      fc.boolean(),
      fc.constant(null),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((integer) => integer.toString()),
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(text, tie('value'), { maxKeys: 3 }),
    ),
  }));
  const attributes = fc.dictionary(text, value, { maxKeys: 6 });
  const span = fc.record({
    traceId: hexId(32),
    spanId: hexId(16),
    parentSpanId: fc.option(hexId(16), { nil: undefined }),
    name: text,
    kind: fc.constantFrom(0, 1, 2, 3, 4, 5) as fc.Arbitrary<SpanRecord['kind']>,
    startTimeUnixNano: fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }),
    endTimeUnixNano: fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }),
    attributes,
    resource: fc.constantFrom({ 'service.name': 'a' }, { 'service.name': 'b', 'host.id': 'h' }),
    scope: fc.option(
      fc.record(
        {
          name: text,
          version: fc.option(
            text.filter((version) => version !== ''),
            { nil: undefined },
          ),
        },
        { requiredKeys: ['name'] },
      ),
      { nil: undefined },
    ),
    status: fc.option(
      fc.record(
        {
          code: fc.integer({ min: 0, max: 2 }),
          message: fc.option(
            text.filter((message) => message !== ''),
            { nil: undefined },
          ),
        },
        { requiredKeys: ['code'] },
      ),
      { nil: undefined },
    ),
  });

  it('decode what the encoder wrote, span for span', () => {
    fc.assert(
      fc.property(fc.array(span, { maxLength: 12 }), (spans) => {
        const records = spans.map((record) => {
          const copy = { ...record } as SpanRecord;
          if (copy.scope === undefined) delete copy.scope;
          else if (copy.scope.version === undefined) copy.scope = { name: copy.scope.name };
          if (copy.status === undefined) delete copy.status;
          else if (copy.status.message === undefined) copy.status = { code: copy.status.code };
          return copy;
        });
        const result = decodeOtlpProtobuf(encodeOtlpProtobufRequest(records));
        expect(result.rejectedSpans).toBe(0);
        // The encoder groups spans by resource and scope: compare as sets keyed by span id.
        const byKey = (list: SpanRecord[]) =>
          new Map(list.map((record) => [`${record.traceId}:${record.spanId}:${record.name}`, record]));
        const expected = byKey(records);
        const decoded = byKey(result.spans);
        expect(decoded.size).toBe(expected.size);
        for (const [key, record] of expected) expect(decoded.get(key)).toEqual(record);
      }),
      { numRuns: 300 },
    );
  });
});
