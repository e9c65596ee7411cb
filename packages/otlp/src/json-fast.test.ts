import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeOtlp } from './decode.js';
import { OtlpDecodeError } from './errors.js';
import { decodeJsonRequests, decodeOtlpJson, encodeOtlpJsonRequest } from './json.js';
import { scanJsonRequest } from './json-fast.js';
import { sampleSpans } from './test-fixtures.js';
import type { DecodeResult } from './types.js';

// The fast path must decide exactly what the full decoder decides. The full decoder is reached with
// an already parsed object (decodeOtlpJson(JSON.parse(text))), the fast path with the text.

type Outcome = DecodeResult | { error: string };

function outcome(decode: () => DecodeResult): Outcome {
  try {
    return decode();
  } catch (error) {
    if (!(error instanceof OtlpDecodeError)) throw error;
    return { error: error.message };
  }
}

function full(text: string): Outcome {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { error: 'not JSON' };
  }
  return outcome(() => decodeOtlpJson(parsed));
}

function fast(text: string): Outcome {
  const result = outcome(() => decodeOtlpJson(text));
  return 'error' in result && result.error.includes('not JSON') ? { error: 'not JSON' } : result;
}

/** Same spans (deep, including which spans share a resource), counts and messages. */
function expectSame(text: string): void {
  const expected = full(text);
  const actual = fast(text);
  expect(actual).toEqual(expected);
  expect(isDeepStrictEqual(actual, expected)).toBe(true);
  if (!('error' in actual) && !('error' in expected)) {
    actual.spans.forEach((span, index) => {
      const other = expected.spans[index];
      const firstWithResource = actual.spans.findIndex((candidate) => candidate.resource === span.resource);
      expect(expected.spans[firstWithResource]?.resource === other?.resource).toBe(true);
    });
  }
}

const fixture = readFileSync(new URL('../../../fixtures/three-services.otlp.json', import.meta.url), 'utf8');
const sample = JSON.stringify(encodeOtlpJsonRequest(sampleSpans()));

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';
const baseSpan = {
  traceId: TRACE_ID,
  spanId: SPAN_ID,
  parentSpanId: '1111111111111111',
  name: 'GET /a',
  kind: 2,
  startTimeUnixNano: '1763780000000000000',
  endTimeUnixNano: '1763780000100000000',
  attributes: [
    { key: 'lamport.node', value: { stringValue: 'orders/1' } },
    { key: 'lamport.start', value: { intValue: '12' } },
  ],
  status: { code: 1 },
};

function requestText(span: unknown, around: Record<string, unknown> = {}): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'orders' } }] },
        scopeSpans: [
          {
            scope: { name: 'test', version: '1' },
            spans: [span, { ...baseSpan, spanId: '2222222222222222' }],
          },
        ],
        ...around,
      },
    ],
  });
}

describe('the fast OTLP JSON path', () => {
  it('reads what exporters write without falling back', () => {
    for (const text of [
      fixture,
      sample,
      requestText(baseSpan),
      JSON.stringify(JSON.parse(sample), null, 2),
    ]) {
      expect(scanJsonRequest(text, 0, text.length, '', 32)).toBeDefined();
      expectSame(text);
    }
  });

  it('agrees with the full decoder on every variant', () => {
    const variants: unknown[] = [
      { ...baseSpan, name: 'quote " backslash \\ newline \n unicode é \u2028 tab \t' },
      { ...baseSpan, traceId: TRACE_ID.toUpperCase(), spanId: SPAN_ID.toUpperCase() },
      { ...baseSpan, parentSpanId: '' },
      { ...baseSpan, parentSpanId: '0000000000000000' },
      { ...baseSpan, parentSpanId: null },
      { ...baseSpan, parentSpanId: '00000000000000zz' },
      { ...baseSpan, traceId: '00000000000000000000000000000000' },
      { ...baseSpan, traceId: 'W4717peAOBA9Jpthz8YMDA==' },
      { ...baseSpan, spanId: 123 },
      { ...baseSpan, name: null },
      { ...baseSpan, name: 5 },
      { ...baseSpan, kind: 'SPAN_KIND_CLIENT' },
      { ...baseSpan, kind: 9 },
      { ...baseSpan, kind: 2.5 },
      { ...baseSpan, kind: -1 },
      { ...baseSpan, kind: null },
      { ...baseSpan, startTimeUnixNano: 1763780000000000 },
      { ...baseSpan, startTimeUnixNano: '0' },
      { ...baseSpan, startTimeUnixNano: '00' },
      { ...baseSpan, startTimeUnixNano: '-5' },
      { ...baseSpan, startTimeUnixNano: '18446744073709551616' },
      { ...baseSpan, endTimeUnixNano: '1763779999000000000' },
      { ...baseSpan, attributes: null },
      { ...baseSpan, attributes: {} },
      { ...baseSpan, status: null },
      { ...baseSpan, status: { code: 'STATUS_CODE_ERROR', message: 'x' } },
      { ...baseSpan, status: { code: 2, message: '' } },
      { ...baseSpan, status: { code: 2, message: 7 } },
      { ...baseSpan, status: { code: 1.5 } },
      { ...baseSpan, status: 'ok' },
      { ...baseSpan, trace_id: TRACE_ID },
      {
        ...baseSpan,
        events: [{ name: 'e', attributes: [{ key: 'x', value: { arrayValue: { values: [{}] } } }] }],
      },
      {
        ...baseSpan,
        links: [{ traceId: 'not hex' }],
        flags: 257,
        traceState: 'a=b',
        droppedAttributesCount: 0,
      },
      'not a span',
      null,
      [],
    ];
    const attributeValues: unknown[] = [
      { stringValue: 'x' },
      { stringValue: 'a\\"b' },
      { stringValue: '' },
      { intValue: '-0' },
      { intValue: '007' },
      { intValue: '9007199254740991' },
      { intValue: '9007199254740992' },
      { intValue: '-9007199254740993' },
      { intValue: '9223372036854775808' },
      { intValue: 12 },
      { intValue: 1.5 },
      { intValue: 1e300 },
      { intValue: '' },
      { intValue: '1e3' },
      { boolValue: true },
      { boolValue: 'true' },
      { doubleValue: 0.25 },
      { doubleValue: -1e-7 },
      { doubleValue: 'NaN' },
      { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '1' }, {}, null] } },
      { arrayValue: {} },
      { arrayValue: { values: null } },
      { kvlistValue: { values: [{ key: 'inner', value: { kvlistValue: { values: [] } } }] } },
      { bytesValue: 'AQID' },
      { stringValue: 'x', intValue: '1' },
      { stringValue: null, intValue: '1' },
      { unknownValue: 1 },
      {},
      null,
      'bare string',
    ];
    for (const value of attributeValues) {
      variants.push({ ...baseSpan, attributes: [{ key: 'k', value }] });
      variants.push({ ...baseSpan, attributes: [{ key: 'k', value, extra: [1, { a: null }] }] });
    }
    variants.push({ ...baseSpan, attributes: [{ key: '__proto__', value: { stringValue: 'p' } }] });
    variants.push({
      ...baseSpan,
      attributes: [
        { key: 'dup', value: { intValue: '1' } },
        { key: 'dup', value: { intValue: '2' } },
      ],
    });
    variants.push({ ...baseSpan, attributes: [{ value: { intValue: '1' } }] });
    variants.push({ ...baseSpan, attributes: [{ key: 1, value: { intValue: '1' } }] });
    variants.push({ ...baseSpan, attributes: [{ key: 'k' }] });
    variants.push({ ...baseSpan, attributes: ['x'] });
    let deep: unknown = { stringValue: 'bottom' };
    for (let level = 0; level < 40; level++) deep = { arrayValue: { values: [deep] } };
    variants.push({ ...baseSpan, attributes: [{ key: 'deep', value: deep }] });
    for (const span of variants) expectSame(requestText(span));
  });

  it('agrees on the shape around the spans', () => {
    const span = JSON.stringify(baseSpan);
    const texts = [
      '{}',
      '{"resourceSpans":null}',
      '{"resourceSpans":[]}',
      '{"resourceSpans":{}}',
      '{"resourceSpans":[null]}',
      '{"resourceSpans":[{}]}',
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${span}]}]}]}`,
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${span}]}],"resource":{"attributes":[{"key":"a","value":{"stringValue":"b"}}]}}]}`,
      `{"resourceSpans":[{"resource":null,"scopeSpans":[{"spans":[${span}]}]}]}`,
      `{"resourceSpans":[{"resource":5,"scopeSpans":[{"spans":[${span}]}]}]}`,
      `{"resourceSpans":[{"resource":{"attributes":[{"key":"a","value":{"bytesValue":"!!"}}]},"scopeSpans":[{"spans":[${span}]}]}]}`,
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${span}],"scope":{"name":"late"}}]}]}`,
      `{"resourceSpans":[{"scopeSpans":[{"scope":{"name":5,"version":""},"spans":[${span}]},{"spans":null},{"scope":null}]}]}`,
      `{"resourceSpans":[{"scopeSpans":[null]}]}`,
      `{"resourceSpans":[{"scopeSpans":[{"spans":{}}]}]}`,
      `{"resourceSpans":[{"instrumentationLibrarySpans":[{"instrumentationLibrary":{"name":"old"},"spans":[${span}]}]}]}`,
      `{"resource_spans":[{"scope_spans":[{"spans":[${span}]}]}]}`,
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${span}]}]}],"resourceSpans":[]}`,
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${span}]}]}]} trailing`,
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${span},]}]}]}`,
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${span}]}]}]`,
      ` \n\t{"resourceSpans":[{"scopeSpans":[{"spans":[${span}]}]}]}\r\n `,
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${span.replace('"GET /a"', '"GET\n/a"')}]}]}]}`,
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${span.replace('"GET /a"', '"GET\t/a"')}]}]}]}`,
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${span.replace('"GET /a"', '"GET \\x"')}]}]}]}`,
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${span.replace('"GET /a"', '"GET \\u00e9\\ud800"')}]}]}]}`,
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${span.replace('"kind":2', '"kind":02')}]}]}]}`,
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${span.replace('"kind":2', '"kind":2.0e0')}]}]}]}`,
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${span.replace('"kind":2', '"\\u006bind":3')}]}]}]}`,
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${span.replace('"kind":2', '"kind":2,"kind":3')}]}]}]}`,
      `{"unknown":{"deep":[1,-2.5e+3,true,false,null,"s",{"":{}}]},"resourceSpans":[{"scopeSpans":[{"spans":[${span}]}]}]}`,
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${span}]}]}],"bad":tru}`,
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${span}]}]}],"bad":-}`,
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${span}]}]}],"bad":1.}`,
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${span}]}]}],"bad":"\u0001"}`,
      `${'['.repeat(600)}${']'.repeat(600)}`,
      `{"x":${'['.repeat(600)}${']'.repeat(600)},"resourceSpans":[]}`,
      '\ufeff{}',
      '',
    ];
    for (const text of texts) expectSame(text);
  });

  it('reuses a repeated string only when every character is equal', () => {
    // Consecutive spans whose trace ids, attribute keys, attribute values and scope names differ from
    // the previous span's in one character only (first, middle or last), in ASCII and other texts.
    const vary = (text: string, at: number): string =>
      text.slice(0, at) + (text[at] === 'a' ? 'b' : 'a') + text.slice(at + 1);
    for (const extra of ['', 'é']) {
      for (const at of [0, 3, -1]) {
        const position = (text: string) => (at < 0 ? text.length - 1 : at);
        const first = { ...baseSpan, name: `n${extra}` };
        const second = {
          ...baseSpan,
          spanId: '2222222222222222',
          traceId: vary(TRACE_ID, position(TRACE_ID)),
          attributes: [
            { key: vary('lamport.node', position('lamport.node')), value: { stringValue: 'orders/1' } },
            { key: 'lamport.start', value: { stringValue: vary('orders/1', position('orders/1')) } },
          ],
        };
        const text = JSON.stringify({
          resourceSpans: [
            {
              scopeSpans: [
                { scope: { name: 'scope-a' }, spans: [first, second] },
                { scope: { name: vary('scope-a', position('scope-a')) }, spans: [first] },
              ],
            },
          ],
        });
        expectSame(text);
        const spans = (fast(text) as DecodeResult).spans;
        expect(spans[1]?.traceId).toBe(second.traceId);
        expect(Object.keys(spans[1]?.attributes ?? {})).toEqual(second.attributes.map((a) => a.key));
        expect(spans[1]?.attributes['lamport.start']).toBe(second.attributes[1]?.value.stringValue);
        expect(spans[2]?.scope?.name).not.toBe('scope-a');
      }
    }
  });

  it('agrees on corrupted requests (property)', () => {
    const alphabet = [
      '{',
      '}',
      '[',
      ']',
      '"',
      ',',
      ':',
      '\\',
      '0',
      '9',
      '-',
      'e',
      '.',
      ' ',
      '\n',
      'n',
      't',
      'x',
      // Control characters (invalid inside strings, whitespace or invalid outside) and non-ASCII
      // characters (the scanner reads ASCII texts as bytes, other texts by character).
      '\t',
      '\r',
      '\u0001',
      '\u001f',
      'é',
      '\u2028',
      '\ud83d\ude00',
      '\ud83d',
    ];
    // The same request in a text that is not ASCII (one resource attribute), so the caches of
    // repeated strings are exercised on both ways of reading.
    const nonAscii = sample.replace(
      '"attributes":[',
      '"attributes":[{"key":"région","value":{"stringValue":"é"}},',
    );
    expect(nonAscii).not.toBe(sample);
    fc.assert(
      fc.property(
        fc.constantFrom(sample, nonAscii, fixture.slice(0, 6000), requestText(baseSpan)),
        fc.array(
          fc.record({
            at: fc.nat(),
            remove: fc.nat({ max: 3 }),
            insert: fc.array(fc.constantFrom(...alphabet), { maxLength: 3 }),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        (base, edits) => {
          let text = base;
          for (const { at, remove, insert } of edits) {
            const index = at % (text.length + 1);
            text = text.slice(0, index) + insert.join('') + text.slice(index + remove);
          }
          expectSame(text);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('agrees on random JSON in unknown fields and attribute values (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (unknown, value) => {
        expectSame(requestText({ ...baseSpan, mystery: unknown, attributes: [{ key: 'v', value }] }));
      }),
      { numRuns: 500 },
    );
  });

  it('reads JSON lines line by line, falling back only for the lines it cannot read', () => {
    const good = requestText(baseSpan);
    const odd = requestText({ ...baseSpan, kind: 'SPAN_KIND_CLIENT', endTimeUnixNano: '1' });
    const lines = [good, '', odd, `${good}\r`, '   ', good];
    const text = `${lines.join('\n')}\n`;
    const expected = decodeJsonRequests(
      lines.flatMap((line, index) =>
        line.trim() === '' ? [] : [{ request: JSON.parse(line), prefix: `line ${index + 1}: ` }],
      ),
      {},
    );
    expect(decodeOtlp(text)).toEqual(expected);
    // As bytes: ASCII (read as they are), with a byte order mark, and not ASCII.
    expect(decodeOtlp(new TextEncoder().encode(text))).toEqual(expected);
    expect(decodeOtlp(new TextEncoder().encode(`\ufeff${text}`))).toEqual(expected);
    const accented = text.replaceAll('GET /a', 'GET /é');
    expect(decodeOtlp(new TextEncoder().encode(accented)).spans.map((span) => span.name)).toEqual(
      expected.spans.map(() => 'GET /é'),
    );
    expect(expected.errors).toEqual([
      'line 3: resourceSpans[0].scopeSpans[0].spans[0]: endTimeUnixNano is before startTimeUnixNano (span kept)',
    ]);
    expect(() => decodeOtlp(`${good}\n{"resourceSpans":[}\n${good}`)).toThrow(/line 2/);
  });
});
