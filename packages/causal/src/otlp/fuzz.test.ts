import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeOtlp } from './decode.js';
import { OtlpDecodeError } from './errors.js';
import { decodeOtlpJson, encodeOtlpJsonRequest } from './json.js';
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
