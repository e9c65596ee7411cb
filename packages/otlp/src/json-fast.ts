import { type ResultBuilder, setAttribute } from './common.js';
import type { Attributes, AttributeValue, SpanKind, SpanRecord } from './model.js';

/**
 * The fast path of the OTLP JSON decoder: one pass over the text that builds span records directly,
 * without `JSON.parse`'s tree of generic objects (decoding through that tree cost twice `JSON.parse`
 * itself). It handles the form exporters write (camelCase field names, hex ids, int64 as decimal
 * strings, numeric enums) and validates the JSON syntax of everything it reads or skips. Anything else
 * — escaped keys, snake_case names, duplicate fields, `null` where a value is expected, a span the
 * full decoder would reject, a syntax error — makes it give up ("bail"), and the caller decodes that
 * request with the full decoder, whose results and messages are the reference. So this path never
 * decides anything the full decoder would decide differently; `json-fast.test.ts` checks both agree.
 */

/** Thrown (never escapes this module's callers) when the fast path does not handle the input. */
const BAIL: { readonly bail: true } = Object.freeze({ bail: true });

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const UNDERSCORE = 0x5f;
const MAX_SKIP_DEPTH = 512;
const TWO_TO_64 = 2n ** 64n;

/**
 * The character codes of a short string: the tokens the scanner compares. Compared with the text's
 * bytes (ASCII texts) or its `charCodeAt`, never with `startsWith`: V8's `startsWith` costs ~45
 * instructions a character here (a generic character load per character, and a runtime call
 * unless both strings are sequential and not interned), and those calls were ~40% of decoding.
 */
function codesOf(text: string): Uint16Array {
  const codes = new Uint16Array(text.length);
  for (let index = 0; index < text.length; index++) codes[index] = text.charCodeAt(index);
  return codes;
}

/** The member tokens of the compact form exporters write. */
const T_STRING_VALUE = codesOf('"stringValue":');
const T_INT_VALUE = codesOf('"intValue":"');
const T_KEY = codesOf('"key":');
const T_VALUE = codesOf('"value":');
const T_OPEN_INT_VALUE = codesOf('{"intValue":"');
const T_OPEN_STRING_VALUE = codesOf('{"stringValue":"');
const T_TRACE_ID = codesOf('"traceId":');
const T_SPAN_ID = codesOf('"spanId":');
const T_START_TIME = codesOf('"startTimeUnixNano":');
const T_STATUS = codesOf('"status":');
const T_PARENT_SPAN_ID = codesOf('"parentSpanId":');
const T_NAME = codesOf('"name":');
const T_KIND = codesOf('"kind":');
const T_END_TIME = codesOf('"endTimeUnixNano":');
const T_ATTRIBUTES = codesOf('"attributes":');

const asciiEncoder = new TextEncoder();

/**
 * The UTF-8 bytes of `text` when it is ASCII (one byte per character), else undefined: to encode a
 * document once for several {@link scanJsonRequest} calls over parts of it (JSON lines).
 */
export function asciiBytesOf(text: string): Uint8Array | undefined {
  const bytes = new Uint8Array(text.length);
  const encoded = asciiEncoder.encodeInto(text, bytes);
  return encoded.read === text.length && encoded.written === text.length ? bytes : undefined;
}

/** Reused for the bytes of ASCII texts (see {@link scanJsonRequest}); replaced when too small. */
let scratchBytes = new Uint8Array(1 << 16);

/** `a.slice(from, from + b.length) === b` for a short `b`, without allocating (names in keys). */
function sameChars(text: string, position: number, part: string): boolean {
  const length = part.length;
  for (let index = 0; index < length; index++)
    if (text.charCodeAt(position + index) !== part.charCodeAt(index)) return false;
  return true;
}

function isHexCode(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x66) || (code >= 0x41 && code <= 0x46);
}

// Field bits, to give up on duplicate fields (JSON.parse keeps the last; the full decoder handles it).
const TRACE_ID = 1;
const SPAN_ID = 2;
const PARENT_SPAN_ID = 4;
const NAME = 8;
const KIND = 16;
const START_TIME = 32;
const END_TIME = 64;
const ATTRIBUTES = 128;
const STATUS = 256;

/** One fast-path decoding of a text: the scanner state and the caches of repeated strings. */
class FastJsonScanner {
  readonly text: string;
  position = 0;
  end = 0;
  readonly maxDepth: number;
  /**
   * The text has no backslash (and, when it is not ASCII, no control character but newline),
   * checked once: the next quote closes a string. An ASCII text's strings are checked for control
   * characters one by one as they are read (strings compared with earlier ones, ids and numbers
   * never are read so): one regular expression over the whole text cost ~10% of decoding.
   */
  plain = false;
  /** In a plain text: the index of the next newline after the string being read (2^32 - 1 when none). */
  nextNewline = -1;
  /** Set by {@link stringEnd}: the string had escapes. */
  escaped = false;
  keyStart = 0;
  keyLength = 0;
  /**
   * The text's UTF-16 code units as bytes, from text index `base` on, when the text is ASCII (then
   * each character is one byte): comparisons read these instead of `charCodeAt`. Else undefined.
   */
  bytes: Uint8Array | undefined = undefined;
  base = 0;
  lastTraceId = '';
  /** Where `lastTraceId` starts in the text (its characters as written there). */
  lastTraceIdStart = -1;
  /**
   * Attribute keys and unescaped string values seen at each position of the previous list, reused
   * when equal, and where each starts in the text (compared there, character by character).
   */
  readonly keyCache: string[] = [];
  readonly keyStarts: number[] = [];
  readonly valueCache: string[] = [];
  readonly valueStarts: number[] = [];
  readonly nameCache: string[] = [];
  readonly nameStarts: number[] = [];
  /** `{"key":"<keyCache[i]>","value":{`: the compact start of attribute i, when its key was cached. */
  readonly attributePrefix: (Uint16Array | undefined)[] = [];
  /** Where the span being read is, for notes: resourceSpans and scopeSpans indexes. */
  resourceIndex = 0;
  groupIndex = 0;
  /** Notes about spans that end before they start, by record index (as the full decoder words them). */
  readonly notes = new Map<number, string>();
  readonly prefix: string;

  constructor(text: string, maxDepth: number, prefix: string) {
    this.text = text;
    this.maxDepth = maxDepth;
    this.prefix = prefix;
  }

  bail(): never {
    throw BAIL;
  }

  skipWhitespace(): void {
    const text = this.text;
    let position = this.position;
    const end = this.end;
    while (position < end) {
      const code = text.charCodeAt(position);
      if (code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09) position++;
      else break;
    }
    this.position = position;
  }

  /** The next non-whitespace character code (NaN at the end). */
  peek(): number {
    if (this.position < this.end) {
      const code = this.text.charCodeAt(this.position);
      if (code > 0x20) return code;
    }
    this.skipWhitespace();
    return this.position < this.end ? this.text.charCodeAt(this.position) : Number.NaN;
  }

  /** Consumes `token` (e.g. `"name":`, the form compact JSON has) when the text has it here. */
  token(token: Uint16Array): boolean {
    const position = this.position;
    const length = token.length;
    if (position + length > this.end) return false;
    const bytes = this.bytes;
    if (bytes !== undefined) {
      const offset = position - this.base;
      for (let index = 0; index < length; index++) if (bytes[offset + index] !== token[index]) return false;
    } else {
      const text = this.text;
      for (let index = 0; index < length; index++)
        if (text.charCodeAt(position + index) !== token[index]) return false;
    }
    this.position = position + length;
    return true;
  }

  /** True when the `length` characters at `at` equal those at `from` (`at + length` within the end). */
  sameAs(at: number, from: number, length: number): boolean {
    const bytes = this.bytes;
    if (bytes !== undefined) {
      const offset = at - from;
      for (let index = from - this.base, last = index + length; index < last; index++)
        if (bytes[index + offset] !== bytes[index]) return false;
      return true;
    }
    const text = this.text;
    for (let index = 0; index < length; index++)
      if (text.charCodeAt(at + index) !== text.charCodeAt(from + index)) return false;
    return true;
  }

  expect(code: number): void {
    if (this.peek() !== code) this.bail();
    this.position++;
  }

  /** After a member or element: true at `,` (consumed), false at `close` (consumed). */
  more(close: number): boolean {
    const code = this.peek();
    this.position++;
    if (code === COMMA) return true;
    if (code !== close) this.bail();
    return false;
  }

  /** True (consumed) when the object or array just opened is empty. */
  empty(close: number): boolean {
    if (this.peek() !== close) return false;
    this.position++;
    return true;
  }

  /** From the opening quote at `position`, the index of the closing quote; validates the string. */
  stringEnd(): number {
    const text = this.text;
    const end = this.end;
    if (this.plain) {
      // No backslash: the next quote closes the string.
      const close = text.indexOf('"', this.position + 1);
      if (close < 0 || close >= end) this.bail();
      const bytes = this.bytes;
      if (bytes !== undefined) {
        // Control characters (newline too) are not JSON inside strings.
        for (let index = this.position + 1 - this.base, last = close - this.base; index < last; index++)
          if ((bytes[index] as number) < 0x20) this.bail();
      } else {
        // No control character anywhere but newline, which is not JSON inside a string.
        if (this.nextNewline <= this.position) this.nextNewline = text.indexOf('\n', this.position + 1) >>> 0;
        if (this.nextNewline < close) this.bail();
      }
      this.escaped = false;
      return close;
    }
    let position = this.position + 1;
    let escaped = false;
    for (;;) {
      if (position >= end) this.bail();
      const code = text.charCodeAt(position);
      if (code === QUOTE) break;
      if (code === BACKSLASH) {
        escaped = true;
        const next = text.charCodeAt(position + 1);
        if (next === 0x75) {
          for (let digit = 2; digit < 6; digit++)
            if (!isHexCode(text.charCodeAt(position + digit))) this.bail();
          position += 6;
        } else if (
          next === QUOTE ||
          next === BACKSLASH ||
          next === 0x2f ||
          next === 0x62 ||
          next === 0x66 ||
          next === 0x6e ||
          next === 0x72 ||
          next === 0x74
        ) {
          position += 2;
        } else {
          this.bail();
        }
        continue;
      }
      if (code < 0x20) this.bail();
      position++;
    }
    if (position >= end) this.bail();
    this.escaped = escaped;
    return position;
  }

  readString(): string {
    if (this.peek() !== QUOTE) this.bail();
    const start = this.position;
    const close = this.stringEnd();
    this.position = close + 1;
    return this.escaped
      ? (JSON.parse(this.text.slice(start, close + 1)) as string)
      : this.text.slice(start + 1, close);
  }

  /**
   * A string value, reusing `cache[slot]` when the text holds the same (unescaped) characters as
   * where that value was read (`starts[slot]`).
   */
  readCachedString(cache: string[], starts: number[], slot: number): string {
    if (this.peek() !== QUOTE) this.bail();
    const start = this.position + 1;
    const cached = cache[slot];
    // Cached values were unescaped strings, so equal characters are a valid string.
    if (cached !== undefined) {
      const length = cached.length;
      if (
        start + length < this.end &&
        this.text.charCodeAt(start + length) === QUOTE &&
        this.sameAs(start, starts[slot] as number, length)
      ) {
        this.position = start + length + 1;
        return cached;
      }
    }
    const value = this.readString();
    if (!this.escaped) {
      cache[slot] = value;
      starts[slot] = start;
    }
    return value;
  }

  /** Reads a member name and its colon; names with escapes are left to the full decoder. */
  readKey(): void {
    if (this.peek() !== QUOTE) this.bail();
    const close = this.stringEnd();
    if (this.escaped) this.bail();
    this.keyStart = this.position + 1;
    this.keyLength = close - this.keyStart;
    this.position = close + 1;
    this.expect(COLON);
  }

  keyIs(name: string): boolean {
    return this.keyLength === name.length && sameChars(this.text, this.keyStart, name);
  }

  /** snake_case names and other spellings the full decoder maps are not handled here. */
  bailOnUnderscoreKey(): void {
    const text = this.text;
    for (let index = this.keyStart; index < this.keyStart + this.keyLength; index++)
      if (text.charCodeAt(index) === UNDERSCORE) this.bail();
  }

  /** The end of the run of decimal digits starting at `position`. */
  digitsEnd(position: number): number {
    const text = this.text;
    const end = this.end;
    while (position < end) {
      const code = text.charCodeAt(position);
      if (code < ZERO || code > NINE) break;
      position++;
    }
    return position;
  }

  /** Validates a JSON number at `position` and returns its end. */
  numberEnd(): number {
    const text = this.text;
    let position = this.position;
    if (text.charCodeAt(position) === MINUS) position++;
    const first = this.codeAt(position);
    if (first === ZERO) position++;
    else if (first > ZERO && first <= NINE) position = this.digitsEnd(position + 1);
    else this.bail();
    if (this.codeAt(position) === 0x2e) {
      const digits = position + 1;
      position = this.digitsEnd(digits);
      if (position === digits) this.bail();
    }
    const exponent = this.codeAt(position);
    if (exponent === 0x65 || exponent === 0x45) {
      position++;
      const sign = this.codeAt(position);
      if (sign === 0x2b || sign === MINUS) position++;
      const digits = position;
      position = this.digitsEnd(digits);
      if (position === digits) this.bail();
    }
    return position;
  }

  /** The character code at `position`, NaN at or past the end. */
  codeAt(position: number): number {
    return position < this.end ? this.text.charCodeAt(position) : Number.NaN;
  }

  readNumber(): number {
    this.skipWhitespace();
    const start = this.position;
    const end = this.numberEnd();
    this.position = end;
    return Number(this.text.slice(start, end));
  }

  literal(word: string): void {
    if (this.position + word.length > this.end || !sameChars(this.text, this.position, word)) this.bail();
    this.position += word.length;
  }

  /** True at `null` (consumed). */
  isNull(): boolean {
    if (this.peek() !== 0x6e) return false;
    this.literal('null');
    return true;
  }

  /** Skips (and validates) any JSON value. */
  skipValue(depth: number): void {
    const code = this.peek();
    if (code === QUOTE) {
      this.position = this.stringEnd() + 1;
    } else if (code === OPEN_BRACE) {
      if (depth >= MAX_SKIP_DEPTH) this.bail();
      this.position++;
      if (this.empty(CLOSE_BRACE)) return;
      do {
        if (this.peek() !== QUOTE) this.bail();
        this.position = this.stringEnd() + 1;
        this.expect(COLON);
        this.skipValue(depth + 1);
      } while (this.more(CLOSE_BRACE));
    } else if (code === OPEN_BRACKET) {
      if (depth >= MAX_SKIP_DEPTH) this.bail();
      this.position++;
      if (this.empty(CLOSE_BRACKET)) return;
      do this.skipValue(depth + 1);
      while (this.more(CLOSE_BRACKET));
    } else if (code === 0x74) {
      this.literal('true');
    } else if (code === 0x66) {
      this.literal('false');
    } else if (code === 0x6e) {
      this.literal('null');
    } else if (code === MINUS || (code >= ZERO && code <= NINE)) {
      this.position = this.numberEnd();
    } else {
      this.bail();
    }
  }

  /** A hex id of `length` characters, lowercased; all-zero, wrong length or non-hex ids give up. */
  readId(length: number): string {
    if (this.peek() !== QUOTE) this.bail();
    const text = this.text;
    const start = this.position + 1;
    if (text.charCodeAt(start + length) !== QUOTE || start + length >= this.end) this.bail();
    let upper = false;
    let zero = true;
    for (let index = start; index < start + length; index++) {
      const code = text.charCodeAt(index);
      if (!isHexCode(code)) this.bail();
      if (code >= 0x41 && code <= 0x46) upper = true;
      if (code !== ZERO) zero = false;
    }
    if (zero) this.bail();
    this.position = start + length + 1;
    const id = text.slice(start, start + length);
    return upper ? id.toLowerCase() : id;
  }

  readTraceId(): string {
    if (this.peek() !== QUOTE) this.bail();
    const start = this.position + 1;
    if (
      this.lastTraceIdStart >= 0 &&
      start + 32 < this.end &&
      this.text.charCodeAt(start + 32) === QUOTE &&
      this.sameAs(start, this.lastTraceIdStart, 32)
    ) {
      this.position = start + 33;
      return this.lastTraceId;
    }
    const id = this.readId(32);
    this.lastTraceId = id;
    this.lastTraceIdStart = start;
    return id;
  }

  /** `startTimeUnixNano` / `endTimeUnixNano`: an unsigned int64 as a decimal string, not "0". */
  readNanos(): bigint {
    if (this.peek() !== QUOTE) this.bail();
    const text = this.text;
    const start = this.position + 1;
    let index = start;
    while (index < this.end) {
      const code = text.charCodeAt(index);
      if (code === QUOTE) break;
      if (code < ZERO || code > NINE) this.bail();
      index++;
    }
    const length = index - start;
    if (index >= this.end || length === 0 || length > 20 || (length === 1 && text.charCodeAt(start) === ZERO))
      this.bail();
    const nanos = BigInt(text.slice(start, index));
    if (length === 20 && nanos >= TWO_TO_64) this.bail();
    this.position = index + 1;
    return nanos;
  }

  /**
   * `intValue` as a decimal string, when it is a safe integer (the digits accumulate exactly while
   * the value stays at most 2^53; a larger value ends above Number.MAX_SAFE_INTEGER and gives up).
   */
  readIntString(): number {
    const text = this.text;
    const start = this.position + 1;
    let index = start;
    let negative = false;
    if (text.charCodeAt(index) === MINUS) {
      negative = true;
      index++;
    }
    const digits = index;
    let value = 0;
    while (index < this.end) {
      const code = text.charCodeAt(index);
      if (code === QUOTE) break;
      if (code < ZERO || code > NINE) this.bail();
      value = value * 10 + (code - ZERO);
      index++;
    }
    if (index >= this.end || index === digits || value > Number.MAX_SAFE_INTEGER) this.bail();
    this.position = index + 1;
    return negative ? 0 - value : value;
  }

  /** An OTLP AnyValue object; `undefined` for `null`. */
  readAnyValue(depth: number): AttributeValue {
    if (this.isNull()) return null;
    this.expect(OPEN_BRACE);
    if (this.empty(CLOSE_BRACE)) return null;
    this.readKey();
    let value: AttributeValue;
    if (this.keyIs('stringValue')) {
      value = this.readString();
    } else if (this.keyIs('intValue')) {
      const code = this.peek();
      if (code === QUOTE) {
        value = this.readIntString();
      } else {
        const number = this.readNumber();
        if (!Number.isSafeInteger(number)) this.bail();
        value = number;
      }
    } else if (this.keyIs('boolValue')) {
      const code = this.peek();
      if (code === 0x74) {
        this.literal('true');
        value = true;
      } else if (code === 0x66) {
        this.literal('false');
        value = false;
      } else {
        this.bail();
      }
    } else if (this.keyIs('doubleValue')) {
      const code = this.peek();
      if (code !== MINUS && !(code >= ZERO && code <= NINE)) this.bail();
      value = this.readNumber();
    } else if (this.keyIs('arrayValue')) {
      if (depth >= this.maxDepth) this.bail();
      value = this.readArrayValue(depth + 1);
    } else if (this.keyIs('kvlistValue')) {
      if (depth >= this.maxDepth) this.bail();
      value = this.readKeyValueListValue(depth + 1);
    } else {
      this.bail();
    }
    // One field per AnyValue: anything more (or bytesValue, nulls) is the full decoder's.
    if (this.more(CLOSE_BRACE)) this.bail();
    return value;
  }

  /** `{"values":[AnyValue, …]}` */
  readArrayValue(depth: number): AttributeValue[] {
    this.expect(OPEN_BRACE);
    const values: AttributeValue[] = [];
    if (this.empty(CLOSE_BRACE)) return values;
    this.readKey();
    if (!this.keyIs('values')) this.bail();
    this.expect(OPEN_BRACKET);
    if (!this.empty(CLOSE_BRACKET)) {
      do values.push(this.readAnyValue(depth));
      while (this.more(CLOSE_BRACKET));
    }
    if (this.more(CLOSE_BRACE)) this.bail();
    return values;
  }

  /** `{"values":[KeyValue, …]}` */
  readKeyValueListValue(depth: number): Attributes {
    this.expect(OPEN_BRACE);
    if (this.empty(CLOSE_BRACE)) return {};
    this.readKey();
    if (!this.keyIs('values')) this.bail();
    const attributes = this.readKeyValues(depth, false);
    if (this.more(CLOSE_BRACE)) this.bail();
    return attributes;
  }

  /** `[KeyValue, …]` (or null) into an attributes object. */
  readKeyValues(depth: number, cached: boolean): Attributes {
    const attributes: Attributes = {};
    if (this.isNull()) return attributes;
    this.expect(OPEN_BRACKET);
    if (this.empty(CLOSE_BRACKET)) return attributes;
    let index = 0;
    do {
      // Compact exporter form, with the key the previous list had at this index:
      // `{"key":"<key>","value":{` then `"stringValue":"…"` or `"intValue":"…"`, `}}`.
      const prefix = cached && depth === 0 ? this.attributePrefix[index] : undefined;
      if (prefix !== undefined && this.token(prefix)) {
        const key = this.keyCache[index] as string;
        let value: AttributeValue;
        if (this.token(T_STRING_VALUE)) {
          value = this.readCachedString(this.valueCache, this.valueStarts, index);
        } else if (this.token(T_INT_VALUE)) {
          this.position--;
          value = this.readIntString();
        } else {
          this.position--; // back to the AnyValue's `{`
          value = this.readAnyValue(depth);
          this.position--; // readAnyValue consumed its `}`: close it again below
        }
        if (this.more(CLOSE_BRACE) || this.more(CLOSE_BRACE)) this.bail();
        setAttribute(attributes, key, value);
        index++;
        continue;
      }
      this.expect(OPEN_BRACE);
      let key: string | undefined;
      let value: AttributeValue = null;
      let seenValue = false;
      if (!this.empty(CLOSE_BRACE)) {
        do {
          let member = 0;
          if (this.token(T_KEY)) member = 1;
          else if (this.token(T_VALUE)) member = 2;
          else {
            this.readKey();
            member = this.keyIs('key') ? 1 : this.keyIs('value') ? 2 : 0;
          }
          if (member === 1) {
            if (key !== undefined) this.bail();
            key = cached ? this.readCachedString(this.keyCache, this.keyStarts, index) : this.readString();
          } else if (member === 2) {
            if (seenValue) this.bail();
            seenValue = true;
            if (cached && depth === 0 && this.peekStringValue()) {
              value = this.readCachedString(this.valueCache, this.valueStarts, index);
              if (this.more(CLOSE_BRACE)) this.bail();
            } else if (this.token(T_OPEN_INT_VALUE)) {
              // The compact form of the most common value (every lamport.* clock and time).
              this.position--;
              value = this.readIntString();
              if (this.more(CLOSE_BRACE)) this.bail();
            } else {
              value = this.readAnyValue(depth);
            }
          } else {
            this.skipValue(0);
          }
        } while (this.more(CLOSE_BRACE));
      }
      if (key === undefined) this.bail();
      if (cached && depth === 0 && this.keyCache[index] === key && key.indexOf('"') < 0)
        this.attributePrefix[index] = codesOf(`{"key":"${key}","value":{`);
      setAttribute(attributes, key, value);
      index++;
    } while (this.more(CLOSE_BRACKET));
    return attributes;
  }

  /** At `{"stringValue":` of an AnyValue: consumes through the colon and returns true. */
  peekStringValue(): boolean {
    if (this.token(T_OPEN_STRING_VALUE)) {
      this.position--;
      return true;
    }
    if (this.peek() !== OPEN_BRACE) return false;
    const saved = this.position;
    this.position++;
    if (this.peek() === QUOTE) {
      this.readKey();
      if (this.keyIs('stringValue') && this.peek() === QUOTE) return true;
    }
    this.position = saved;
    return false;
  }

  /** Reads a span member name and its colon; returns the field's bit, 0 for names read otherwise. */
  spanKey(): number {
    if (this.peek() !== QUOTE) this.bail();
    switch (this.text.charCodeAt(this.position + 1)) {
      case 0x74:
        if (this.token(T_TRACE_ID)) return TRACE_ID;
        break;
      case 0x73:
        if (this.token(T_SPAN_ID)) return SPAN_ID;
        if (this.token(T_START_TIME)) return START_TIME;
        if (this.token(T_STATUS)) return STATUS;
        break;
      case 0x70:
        if (this.token(T_PARENT_SPAN_ID)) return PARENT_SPAN_ID;
        break;
      case 0x6e:
        if (this.token(T_NAME)) return NAME;
        break;
      case 0x6b:
        if (this.token(T_KIND)) return KIND;
        break;
      case 0x65:
        if (this.token(T_END_TIME)) return END_TIME;
        break;
      case 0x61:
        if (this.token(T_ATTRIBUTES)) return ATTRIBUTES;
        break;
    }
    // Whitespace before the colon, or another name.
    this.readKey();
    for (const [name, bit] of SPAN_FIELDS) if (this.keyIs(name)) return bit;
    return 0;
  }

  readSpan(resource: Attributes, scope: SpanRecord['scope']): SpanRecord {
    this.expect(OPEN_BRACE);
    let seen = 0;
    let traceId = '';
    let spanId = '';
    let parentSpanId: string | undefined;
    let name = '';
    let kind: SpanKind = 0;
    let startTimeUnixNano = 0n;
    let endTimeUnixNano = 0n;
    let attributes: Attributes | undefined;
    let status: SpanRecord['status'];
    if (!this.empty(CLOSE_BRACE)) {
      do {
        const bit = this.spanKey();
        switch (bit) {
          case TRACE_ID:
            traceId = this.readTraceId();
            break;
          case SPAN_ID:
            spanId = this.readId(16);
            break;
          case STATUS:
            status = this.readStatus();
            break;
          case PARENT_SPAN_ID:
            parentSpanId = this.readParentSpanId();
            break;
          case NAME:
            name = this.isNull() ? '' : this.readString();
            break;
          case KIND: {
            const code = this.peek();
            const next = this.codeAt(this.position + 1);
            if (code >= ZERO && code <= 0x35 && (next === COMMA || next === CLOSE_BRACE)) {
              // The usual form: one digit 0-5.
              kind = (code - ZERO) as SpanKind;
              this.position++;
              break;
            }
            if (code !== MINUS && !(code >= ZERO && code <= NINE)) this.bail();
            const number = this.readNumber();
            kind = (Number.isInteger(number) && number >= 0 && number <= 5 ? number : 0) as SpanKind;
            break;
          }
          case START_TIME:
            startTimeUnixNano = this.readNanos();
            break;
          case END_TIME:
            endTimeUnixNano = this.readNanos();
            break;
          case ATTRIBUTES:
            attributes = this.readKeyValues(0, true);
            break;
        }
        if (bit === 0) {
          this.bailOnUnderscoreKey();
          this.skipValue(0);
        } else {
          if ((seen & bit) !== 0) this.bail();
          seen |= bit;
        }
      } while (this.more(CLOSE_BRACE));
    }
    if (
      (seen & (TRACE_ID | SPAN_ID | START_TIME | END_TIME)) !==
      (TRACE_ID | SPAN_ID | START_TIME | END_TIME)
    )
      this.bail();
    // The common shape in one literal (every field in the object itself, no property array
    // allocated for fields added later); the same fields in the same order as the full decoder.
    if (scope !== undefined && status !== undefined) {
      return {
        traceId,
        spanId,
        parentSpanId,
        name,
        kind,
        startTimeUnixNano,
        endTimeUnixNano,
        attributes: attributes ?? {},
        resource,
        scope,
        status,
      };
    }
    const record: SpanRecord = {
      traceId,
      spanId,
      parentSpanId,
      name,
      kind,
      startTimeUnixNano,
      endTimeUnixNano,
      attributes: attributes ?? {},
      resource,
    };
    if (scope !== undefined) record.scope = scope;
    if (status !== undefined) record.status = status;
    return record;
  }

  readParentSpanId(): string | undefined {
    if (this.isNull()) return undefined;
    if (this.peek() !== QUOTE) this.bail();
    const text = this.text;
    const start = this.position + 1;
    let index = start;
    while (index < this.end && text.charCodeAt(index) === ZERO) index++;
    if (index < this.end && text.charCodeAt(index) === QUOTE) {
      // '' and all-zero parents mean a root span.
      this.position = index + 1;
      return undefined;
    }
    return this.readId(16);
  }

  readStatus(): SpanRecord['status'] {
    if (this.isNull()) return undefined;
    this.expect(OPEN_BRACE);
    let code = 0;
    let message: string | undefined;
    let seen = 0;
    if (!this.empty(CLOSE_BRACE)) {
      do {
        this.readKey();
        if (this.keyIs('code')) {
          if ((seen & 1) !== 0) this.bail();
          seen |= 1;
          if (this.isNull()) {
            code = 0;
          } else {
            const next = this.peek();
            if (next !== MINUS && !(next >= ZERO && next <= NINE)) this.bail();
            code = this.readNumber();
            if (!Number.isInteger(code)) this.bail();
          }
        } else if (this.keyIs('message')) {
          if ((seen & 2) !== 0) this.bail();
          seen |= 2;
          if (this.peek() === QUOTE) message = this.readString();
          else this.skipValue(0);
        } else {
          this.skipValue(0);
        }
      } while (this.more(CLOSE_BRACE));
    }
    return message !== undefined && message !== '' ? { code, message } : { code };
  }

  readScope(): SpanRecord['scope'] {
    if (this.peek() !== OPEN_BRACE) {
      this.skipValue(0);
      return undefined;
    }
    this.position++;
    let name = '';
    let version: string | undefined;
    let seen = 0;
    if (!this.empty(CLOSE_BRACE)) {
      do {
        this.readKey();
        if (this.keyIs('name')) {
          if ((seen & 1) !== 0) this.bail();
          seen |= 1;
          if (this.peek() === QUOTE) name = this.readCachedString(this.nameCache, this.nameStarts, 0);
          else this.skipValue(0);
        } else if (this.keyIs('version')) {
          if ((seen & 2) !== 0) this.bail();
          seen |= 2;
          if (this.peek() === QUOTE) version = this.readCachedString(this.nameCache, this.nameStarts, 1);
          else this.skipValue(0);
        } else {
          this.skipValue(0);
        }
      } while (this.more(CLOSE_BRACE));
    }
    return version !== undefined && version !== '' ? { name, version } : { name };
  }

  readResource(): Attributes {
    if (this.isNull()) return {};
    this.expect(OPEN_BRACE);
    let attributes: Attributes | undefined;
    if (!this.empty(CLOSE_BRACE)) {
      do {
        this.readKey();
        if (this.keyIs('attributes')) {
          if (attributes !== undefined) this.bail();
          attributes = this.readKeyValues(0, false);
        } else {
          this.bailOnUnderscoreKey();
          this.skipValue(0);
        }
      } while (this.more(CLOSE_BRACE));
    }
    return attributes ?? {};
  }

  /** One `scopeSpans` entry; spans go to `records` with `resource` (patched later if it comes after). */
  readScopeSpans(records: SpanRecord[], resource: Attributes): void {
    this.expect(OPEN_BRACE);
    if (this.empty(CLOSE_BRACE)) return;
    let scope: SpanRecord['scope'];
    let spansStart = -1;
    let spansEnd = -1;
    let seen = 0;
    do {
      this.readKey();
      if (this.keyIs('scope')) {
        if ((seen & 1) !== 0) this.bail();
        seen |= 1;
        scope = this.readScope();
      } else if (this.keyIs('spans')) {
        if ((seen & 2) !== 0) this.bail();
        seen |= 2;
        if (scope === undefined && (seen & 1) === 0) {
          // The scope may follow the spans: remember where they are and read them after.
          this.skipWhitespace();
          spansStart = this.position;
          this.skipValue(0);
          spansEnd = this.position;
        } else {
          this.readSpans(records, resource, scope);
        }
      } else {
        if (this.keyIs('instrumentationLibrary')) this.bail();
        this.bailOnUnderscoreKey();
        this.skipValue(0);
      }
    } while (this.more(CLOSE_BRACE));
    if (spansStart >= 0) {
      const after = this.position;
      const end = this.end;
      this.position = spansStart;
      this.end = spansEnd;
      this.readSpans(records, resource, scope);
      this.position = after;
      this.end = end;
    }
  }

  readSpans(records: SpanRecord[], resource: Attributes, scope: SpanRecord['scope']): void {
    if (this.isNull()) return;
    this.expect(OPEN_BRACKET);
    if (this.empty(CLOSE_BRACKET)) return;
    let spanIndex = 0;
    do {
      const record = this.readSpan(resource, scope);
      if (record.endTimeUnixNano < record.startTimeUnixNano) {
        this.notes.set(
          records.length,
          `${this.prefix}resourceSpans[${this.resourceIndex}].scopeSpans[${this.groupIndex}].spans[${spanIndex}]`,
        );
      }
      records.push(record);
      spanIndex++;
    } while (this.more(CLOSE_BRACKET));
  }

  readResourceSpans(records: SpanRecord[]): void {
    this.expect(OPEN_BRACE);
    if (this.empty(CLOSE_BRACE)) return;
    const first = records.length;
    let resource: Attributes | undefined;
    let resourceSeen = false;
    let groupsSeen = false;
    do {
      this.readKey();
      if (this.keyIs('resource')) {
        if (resourceSeen) this.bail();
        resourceSeen = true;
        resource = this.readResource();
        for (let index = first; index < records.length; index++)
          (records[index] as SpanRecord).resource = resource;
      } else if (this.keyIs('scopeSpans')) {
        if (groupsSeen) this.bail();
        groupsSeen = true;
        if (!this.isNull()) {
          this.expect(OPEN_BRACKET);
          if (!this.empty(CLOSE_BRACKET)) {
            // Without a resource yet, spans get a placeholder replaced when (and if) it comes.
            const target = resource ?? PENDING_RESOURCE;
            this.groupIndex = 0;
            do {
              this.readScopeSpans(records, target);
              this.groupIndex++;
            } while (this.more(CLOSE_BRACKET));
          }
        }
      } else {
        if (this.keyIs('instrumentationLibrarySpans')) this.bail();
        this.bailOnUnderscoreKey();
        this.skipValue(0);
      }
    } while (this.more(CLOSE_BRACE));
    if (resource === undefined && records.length > first) {
      resource = {};
      for (let index = first; index < records.length; index++)
        (records[index] as SpanRecord).resource = resource;
    }
  }

  /** One `ExportTraceServiceRequest` object. */
  readRequest(records: SpanRecord[]): void {
    this.expect(OPEN_BRACE);
    if (this.empty(CLOSE_BRACE)) return;
    let seen = false;
    do {
      this.readKey();
      if (this.keyIs('resourceSpans')) {
        if (seen) this.bail();
        seen = true;
        if (!this.isNull()) {
          this.expect(OPEN_BRACKET);
          if (!this.empty(CLOSE_BRACKET)) {
            this.resourceIndex = 0;
            do {
              this.readResourceSpans(records);
              this.resourceIndex++;
            } while (this.more(CLOSE_BRACKET));
          }
        }
      } else {
        this.bailOnUnderscoreKey();
        this.skipValue(0);
      }
    } while (this.more(CLOSE_BRACE));
  }
}

/** Characters that need a character-by-character string scan: backslash, and controls but newline. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point
const NOT_PLAIN = /[\u0000-\u0009\u000b-\u001f\\]/;

/** The span fields the fast path reads, by name. */
const SPAN_FIELDS: readonly (readonly [string, number])[] = [
  ['traceId', TRACE_ID],
  ['spanId', SPAN_ID],
  ['parentSpanId', PARENT_SPAN_ID],
  ['name', NAME],
  ['kind', KIND],
  ['startTimeUnixNano', START_TIME],
  ['endTimeUnixNano', END_TIME],
  ['attributes', ATTRIBUTES],
  ['status', STATUS],
];

const PENDING_RESOURCE: Attributes = Object.freeze({}) as Attributes;

/** What the fast path read from one request: its span records, and notes by record index. */
export interface FastJsonRequest {
  records: SpanRecord[];
  notes: Map<number, string>;
}

/**
 * Decodes the one `ExportTraceServiceRequest` in `text[start, end)` (whitespace around it allowed), or
 * returns undefined when the fast path does not handle it (then the full decoder must). `prefix`
 * starts the location in notes (a span that ends before it starts), as in the full decoder.
 * `asciiBytes`: the UTF-8 bytes the whole `text` was decoded from, when it is ASCII (one byte per
 * character, e.g. `text.length === bytes.length`), so that it need not be encoded again.
 */
export function scanJsonRequest(
  text: string,
  start: number,
  end: number,
  prefix: string,
  maxAttributeDepth: number,
  asciiBytes?: Uint8Array,
): FastJsonRequest | undefined {
  const scanner = new FastJsonScanner(text, maxAttributeDepth, prefix);
  scanner.position = start;
  scanner.end = end;
  if (asciiBytes !== undefined && asciiBytes.length === text.length) {
    scanner.bytes = asciiBytes;
    scanner.base = 0;
  } else {
    // An ASCII text's characters are its UTF-8 bytes, one each: the scanner reads those.
    const range = start === 0 && end === text.length ? text : text.slice(start, end);
    if (scratchBytes.length < range.length)
      scratchBytes = new Uint8Array(Math.max(range.length, 2 * scratchBytes.length));
    const encoded = asciiEncoder.encodeInto(range, scratchBytes);
    if (encoded.read === range.length && encoded.written === range.length) {
      scanner.bytes = scratchBytes;
      scanner.base = start;
    } else {
      scanner.plain = !NOT_PLAIN.test(range);
    }
  }
  if (scanner.bytes !== undefined) {
    const backslash = text.indexOf('\\', start);
    scanner.plain = backslash < 0 || backslash >= end;
  }
  const records: SpanRecord[] = [];
  try {
    scanner.readRequest(records);
    scanner.skipWhitespace();
    if (scanner.position !== end) return undefined;
  } catch (error) {
    if (error === BAIL) return undefined;
    throw error;
  } finally {
    // Do not keep the bytes of one large document for the life of the process.
    if (scratchBytes.length > 1 << 24) scratchBytes = new Uint8Array(1 << 16);
  }
  return { records, notes: scanner.notes };
}

/** Adds what {@link scanJsonRequest} read to `builder`, as the full decoder would have. */
export function acceptJsonRequest(builder: ResultBuilder, request: FastJsonRequest): void {
  const { records, notes } = request;
  for (let index = 0; index < records.length; index++) {
    builder.accept(records[index] as SpanRecord, notes.size === 0 ? '' : (notes.get(index) ?? ''));
  }
}
