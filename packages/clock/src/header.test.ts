import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_NODE_LENGTH, MAX_WIRE_CLOCK } from './constants.js';
import { formatClockHeader, parseClockHeader } from './header.js';
import { FAR_AHEAD_CLOCK_HEADERS, HOSTILE_CLOCK_HEADERS, LENIENT_CLOCK_HEADERS } from './testing.js';

const nodeId = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: MAX_NODE_LENGTH,
});
const wireClock = fc.integer({ min: 0, max: MAX_WIRE_CLOCK });

/** Bad and hostile values: every one must be rejected. */

describe('parseClockHeader', () => {
  it('reads the clock and the node of a valid value', () => {
    expect(parseClockHeader('1042;node="orders/7f3c2a1b"')).toEqual({
      ok: true,
      clock: 1042,
      node: 'orders/7f3c2a1b',
    });
    expect(parseClockHeader('7')).toEqual({ ok: true, clock: 7 });
  });

  it('ignores unknown parameters of every RFC 8941 bare-item type', () => {
    expect(parseClockHeader('12;a=1;b=2.5;c="s";d=tok/en;e=:YWJj:;f=?0;g;node="n";*h=-3')).toEqual({
      ok: true,
      clock: 12,
      node: 'n',
    });
  });

  it('unescapes quotes and backslashes in the node id', () => {
    expect(parseClockHeader('3;node="a\\"b\\\\c"')).toEqual({ ok: true, clock: 3, node: 'a"b\\c' });
  });

  it('takes the largest valid member of a joined list or of several lines', () => {
    expect(parseClockHeader('5, 7;node="b", 6')).toEqual({ ok: true, clock: 7, node: 'b' });
    expect(parseClockHeader(['5;node="a"', '9;node="b"'])).toEqual({ ok: true, clock: 9, node: 'b' });
    expect(parseClockHeader('5, garbage, 3')).toEqual({ ok: true, clock: 5 });
    expect(parseClockHeader('  11  ')).toEqual({ ok: true, clock: 11 });
  });

  it('says the header is missing when there is none', () => {
    expect(parseClockHeader(undefined)).toMatchObject({ ok: false, reason: 'missing' });
    expect(parseClockHeader([])).toMatchObject({ ok: false, reason: 'missing' });
  });

  it.each(
    HOSTILE_CLOCK_HEADERS.map((value) => [
      value.length > 40 ? `${value.slice(0, 20)}… (${value.length} chars)` : JSON.stringify(value),
      value,
    ]),
  )('rejects %s', (_label, value) => {
    const parsed = parseClockHeader(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message.length).toBeGreaterThan(0);
  });

  it('reads lenient lists and far-ahead values (the middleware decides about those)', () => {
    for (const value of LENIENT_CLOCK_HEADERS)
      expect(parseClockHeader(value)).toEqual({ ok: true, clock: 6 });
    for (const value of FAR_AHEAD_CLOCK_HEADERS) expect(parseClockHeader(value).ok).toBe(true);
  });

  it('rejects a 1 MB value quickly', () => {
    const huge = '1'.repeat(1 << 20);
    const started = performance.now();
    for (let i = 0; i < 1000; i++) parseClockHeader(huge);
    expect(performance.now() - started).toBeLessThan(200);
    expect(parseClockHeader(huge)).toMatchObject({ ok: false, reason: 'too-long' });
    expect(parseClockHeader(Array(20).fill('1'))).toMatchObject({ ok: false, reason: 'too-long' });
  });

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.array(fc.string(), { maxLength: 20 }),
        ),
        (value) => {
          const parsed = parseClockHeader(value);
          if (parsed.ok) {
            expect(Number.isSafeInteger(parsed.clock)).toBe(true);
            expect(parsed.clock).toBeGreaterThanOrEqual(0);
            expect(parsed.clock).toBeLessThanOrEqual(MAX_WIRE_CLOCK);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('accepts only what RFC 8941 allows for the integer: a decimal string round trips exactly', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('0', '1', '9', '-', '+', '.', 'e', 'x', ' '), maxLength: 20 }),
        (value) => {
          const parsed = parseClockHeader(value);
          const trimmed = value.trim();
          const valid = /^\d{1,15}$/.test(trimmed);
          if (!value.includes(',')) expect(parsed.ok).toBe(valid);
          if (parsed.ok && valid) expect(parsed.clock).toBe(Number(trimmed));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('round-trips every formatted value', () => {
    fc.assert(
      fc.property(wireClock, fc.option(nodeId, { nil: undefined }), (clock, node) => {
        const parsed = parseClockHeader(formatClockHeader(clock, node));
        expect(parsed).toEqual(node === undefined ? { ok: true, clock } : { ok: true, clock, node });
      }),
      { numRuns: 5000 },
    );
  });
});

describe('formatClockHeader', () => {
  it('writes an RFC 8941 Integer with a node parameter', () => {
    expect(formatClockHeader(1042, 'orders/7f3c2a1b')).toBe('1042;node="orders/7f3c2a1b"');
  });

  it('refuses values the header cannot carry', () => {
    expect(() => formatClockHeader(-1)).toThrow(RangeError);
    expect(() => formatClockHeader(1.5)).toThrow(RangeError);
    expect(() => formatClockHeader(MAX_WIRE_CLOCK + 1)).toThrow(/999999999999999/);
    expect(() => formatClockHeader(1, '')).toThrow(RangeError);
    expect(() => formatClockHeader(1, 'é')).toThrow(/printable ASCII/);
  });
});
