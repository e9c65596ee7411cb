import { describe, expect, it } from 'vitest';
import { decodeOtlp } from './decode.js';
import { OtlpDecodeError } from './errors.js';
import { encodeOtlpJsonRequest } from './json.js';
import { encodeOtlpProtobufRequest } from './protobuf.js';
import { sampleSpans } from './test-fixtures.js';

const encoder = new TextEncoder();

describe('decodeOtlp', () => {
  const spans = sampleSpans();
  const json = JSON.stringify(encodeOtlpJsonRequest(spans));

  it('sniffs protobuf and JSON bytes', () => {
    expect(decodeOtlp(encodeOtlpProtobufRequest(spans)).spans).toEqual(spans);
    expect(decodeOtlp(encoder.encode(`\ufeff  ${json}`)).spans).toEqual(spans);
    expect(decodeOtlp(json).spans).toEqual(spans);
  });

  it('follows the content type', () => {
    expect(
      decodeOtlp(encoder.encode(json), { contentType: 'application/json; charset=utf-8' }).spans,
    ).toHaveLength(3);
    expect(() => decodeOtlp(encoder.encode(json), { contentType: 'application/x-protobuf' })).toThrow(
      OtlpDecodeError,
    );
  });

  it('reads an array of requests and JSON lines', () => {
    const one = JSON.stringify(encodeOtlpJsonRequest(spans.slice(0, 1)));
    const two = JSON.stringify(encodeOtlpJsonRequest(spans.slice(1)));
    expect(decodeOtlp(`[${one},${two}]`).spans).toEqual(spans);
    expect(decodeOtlp(encoder.encode(`${one}\n\n${two}\n`)).spans).toEqual(spans);
  });

  it('says which line is malformed', () => {
    expect(() => decodeOtlp(`${json}\n{oops`)).toThrow(/line 2: not JSON/);
    const badShape = JSON.stringify({ resourceSpans: [{ scopeSpans: 5 }] });
    expect(() => decodeOtlp(`${json}\n${badShape}`)).toThrow(
      /line 2: resourceSpans\[0\]\.scopeSpans: expected an array/,
    );
    expect(() => decodeOtlp(`[${json}, 7]`)).toThrow(/\[1\]: expected an ExportTraceServiceRequest object/);
  });

  it('rejects invalid UTF-8 JSON', () => {
    expect(() => decodeOtlp(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))).toThrow(/not valid UTF-8/);
  });
});
