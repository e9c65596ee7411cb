import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hex8, hex16, hexRange, WireStrings } from './protobuf-strings.js';

describe('WireStrings', () => {
  it('decodes UTF-8 ranges the same with Node and browser decoders, cached or not', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 70 }), { maxLength: 40 }), (texts) => {
        const encoded = texts.map((text) => new TextEncoder().encode(text));
        const bytes = new Uint8Array(encoded.reduce((sum, part) => sum + part.length, 0));
        const ranges: Array<[number, number]> = [];
        let offset = 0;
        for (const part of encoded) {
          bytes.set(part, offset);
          ranges.push([offset, offset + part.length]);
          offset += part.length;
        }
        for (const native of [true, false]) {
          const strings = new WireStrings(bytes, native);
          // Twice: the second pass reads from the cache.
          for (let pass = 0; pass < 2; pass++) {
            expect(ranges.map(([start, end]) => strings.read(start, end))).toEqual(texts);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('replaces invalid UTF-8 with U+FFFD on both paths', () => {
    const bytes = new Uint8Array([0x61, 0xff, 0x62]);
    expect(new WireStrings(bytes).read(0, 3)).toBe('a\ufffdb');
    expect(new WireStrings(bytes, false).read(0, 3)).toBe('a\ufffdb');
  });
});

describe('hex helpers', () => {
  it('match a byte-by-byte hex encoding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 24, maxLength: 24 }), (bytes) => {
        const expected = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
        expect(hex16(bytes, 0)).toBe(expected.slice(0, 32));
        expect(hex8(bytes, 16)).toBe(expected.slice(32));
        expect(hexRange(bytes, 3, 24)).toBe(expected.slice(6));
      }),
      { numRuns: 200 },
    );
  });
});
