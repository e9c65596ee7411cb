import {
  CLOCK_HEADER,
  MAX_CLOCK_DIGITS,
  MAX_HEADER_LENGTH,
  MAX_HEADER_MEMBERS,
  MAX_NODE_LENGTH,
} from './constants.js';

/** A clock stamp read from the `lamport-clock` header. */
export interface ClockStamp {
  /** The sender's clock value `T_m`. */
  clock: number;
  /** The sender's node id, when it sent one. */
  node?: string;
}

/** Why a header value was not used. `missing` means there was no header at all. */
export type HeaderRejection = 'missing' | 'too-long' | 'malformed';

/** The result of {@link parseClockHeader}. */
export type ParsedClockHeader =
  | ({ ok: true } & ClockStamp)
  | { ok: false; reason: HeaderRejection; message: string };

const SP = 0x20;
const HTAB = 0x09;
const COMMA = 0x2c;
const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isLcAlpha = (c: number) => c >= 0x61 && c <= 0x7a;
const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || isLcAlpha(c);
// RFC 9110 tchar, plus ":" and "/" as RFC 8941 §3.3.4 allows in tokens.
const TOKEN_CHARS = "!#$%&'*+-.^_`|~:/";
const isTokenChar = (c: number) =>
  isAlpha(c) || isDigit(c) || (c < 0x80 && TOKEN_CHARS.includes(String.fromCharCode(c)));
const isKeyChar = (c: number) =>
  isLcAlpha(c) || isDigit(c) || c === 0x5f || c === 0x2d || c === 0x2e || c === 0x2a;
const isBase64Char = (c: number) => isAlpha(c) || isDigit(c) || c === 0x2b || c === 0x2f || c === 0x3d;

/** Thrown internally while parsing one list member; never escapes {@link parseClockHeader}. */
class Malformed {
  constructor(readonly message: string) {}
}

/**
 * A cursor over one header value. Each `parse*` method follows the RFC 8941 §4.2 algorithm of
 * the same name.
 */
class Parser {
  position = 0;
  constructor(readonly input: string) {}

  peek(): number {
    return this.position < this.input.length ? this.input.charCodeAt(this.position) : -1;
  }

  fail(what: string): never {
    throw new Malformed(`${what} at offset ${this.position}`);
  }

  skipSpaces(): void {
    while (this.peek() === SP) this.position++;
  }

  skipOptionalWhitespace(): void {
    let c = this.peek();
    while (c === SP || c === HTAB) {
      this.position++;
      c = this.peek();
    }
  }

  /** §4.2.4 Integer or Decimal; returns the integer value, or NaN for a decimal. */
  parseNumber(): number {
    const start = this.position;
    let negative = false;
    if (this.peek() === 0x2d) {
      negative = true;
      this.position++;
    }
    if (!isDigit(this.peek())) this.fail('expected a digit');
    let digits = 0;
    let decimal = false;
    let c = this.peek();
    while (isDigit(c) || (c === 0x2e && !decimal)) {
      if (c === 0x2e) {
        if (digits > 12) this.fail('decimal with more than 12 integer digits');
        decimal = true;
      } else digits++;
      if (!decimal && digits > MAX_CLOCK_DIGITS)
        this.fail(`integer with more than ${MAX_CLOCK_DIGITS} digits`);
      this.position++;
      c = this.peek();
    }
    if (decimal) {
      if (this.input.charCodeAt(this.position - 1) === 0x2e) this.fail('decimal ends with "."');
      return Number.NaN;
    }
    const value = Number(this.input.slice(negative ? start + 1 : start, this.position));
    return negative ? -value : value;
  }

  /** §4.2.5 String; the opening quote is at the cursor. */
  parseString(): string {
    this.position++;
    let out = '';
    let runStart = this.position;
    for (;;) {
      const c = this.peek();
      if (c === -1) this.fail('unterminated string');
      if (c === DQUOTE) {
        out += this.input.slice(runStart, this.position);
        this.position++;
        return out;
      }
      if (c === BACKSLASH) {
        out += this.input.slice(runStart, this.position);
        this.position++;
        const escaped = this.peek();
        if (escaped !== DQUOTE && escaped !== BACKSLASH) this.fail('invalid escape in string');
        out += String.fromCharCode(escaped);
        this.position++;
        runStart = this.position;
        continue;
      }
      if (c < 0x20 || c > 0x7e) this.fail('control or non-ASCII character in string');
      this.position++;
    }
  }

  /** §4.2.1.2 Bare Item, for parameters we do not use: validated and discarded. */
  skipBareItem(): unknown {
    const c = this.peek();
    if (c === 0x2d || isDigit(c)) return this.parseNumber();
    if (c === DQUOTE) return this.parseString();
    if (c === 0x3f) {
      this.position++;
      const bit = this.peek();
      if (bit !== 0x30 && bit !== 0x31) this.fail('invalid boolean');
      this.position++;
      return bit === 0x31;
    }
    if (c === 0x3a) {
      this.position++;
      while (isBase64Char(this.peek())) this.position++;
      if (this.peek() !== 0x3a) this.fail('unterminated byte sequence');
      this.position++;
      return undefined;
    }
    if (isAlpha(c) || c === 0x2a) {
      this.position++;
      while (isTokenChar(this.peek())) this.position++;
      return undefined;
    }
    return this.fail('expected a bare item');
  }

  /** §4.2.3.3 Key. */
  parseKey(): string {
    const start = this.position;
    const first = this.peek();
    if (!isLcAlpha(first) && first !== 0x2a) this.fail('parameter key must start with a-z or "*"');
    this.position++;
    while (isKeyChar(this.peek())) this.position++;
    return this.input.slice(start, this.position);
  }

  /** One list member: an Integer clock with parameters (§4.2.3 Item). `c` is kept for the HLC header. */
  parseMember(): ClockStamp & { logical?: number } {
    const c = this.peek();
    if (c === 0x2d) this.fail('clock must not be negative');
    if (!isDigit(c)) this.fail('expected an Integer clock value');
    const clock = this.parseNumber();
    if (Number.isNaN(clock)) this.fail('clock must be an Integer, not a Decimal');
    if (clock < 0) this.fail('clock must not be negative');
    let node: string | undefined;
    let nodeSeen = false;
    let logical: number | undefined;
    while (this.peek() === SEMICOLON) {
      this.position++;
      this.skipSpaces();
      const key = this.parseKey();
      let value: unknown = true;
      if (this.peek() === EQUALS) {
        this.position++;
        if (key === 'node') {
          if (this.peek() !== DQUOTE) this.fail('node parameter must be a String');
          value = this.parseString();
        } else value = this.skipBareItem();
      }
      if (key === 'node') {
        if (typeof value !== 'string') this.fail('node parameter must be a String');
        if (value.length === 0) this.fail('node parameter is empty');
        if (value.length > MAX_NODE_LENGTH)
          this.fail(`node parameter longer than ${MAX_NODE_LENGTH} characters`);
        node = value;
        nodeSeen = true;
      } else if (key === 'c') {
        // Only the HLC header gives `c` a meaning; -1 marks a value it cannot use.
        logical = typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : -1;
      }
    }
    const stamp: ClockStamp & { logical?: number } = nodeSeen ? { clock, node: node as string } : { clock };
    if (logical !== undefined) stamp.logical = logical;
    return stamp;
  }
}

function parseList(
  value: string,
  members: Array<ClockStamp & { logical?: number }>,
  failures: string[],
): void {
  const parser = new Parser(value);
  parser.skipSpaces();
  if (parser.peek() === -1) {
    failures.push('empty value');
    return;
  }
  while (parser.peek() !== -1) {
    if (members.length + failures.length >= MAX_HEADER_MEMBERS) {
      failures.push(`more than ${MAX_HEADER_MEMBERS} members`);
      return;
    }
    try {
      const member = parser.parseMember();
      parser.skipOptionalWhitespace();
      const next = parser.peek();
      if (next !== -1 && next !== COMMA) parser.fail('unexpected character after the Item');
      members.push(member);
      if (next === -1) return;
    } catch (error) {
      if (!(error instanceof Malformed)) throw error;
      failures.push(error.message);
      // Resynchronise at the next comma outside a string, so one bad member does not hide a good one.
      let inString = false;
      for (let c = parser.peek(); c !== -1; c = parser.peek()) {
        if (inString && c === BACKSLASH) parser.position++;
        else if (c === DQUOTE) inString = !inString;
        else if (c === COMMA && !inString) break;
        parser.position++;
      }
      if (parser.peek() === -1) return;
    }
    parser.position++; // the comma
    parser.skipOptionalWhitespace();
    if (parser.peek() === -1) {
      failures.push('trailing comma');
      return;
    }
  }
}

const NODE_PREFIX = ';node="';

/** The last `;node="…"` suffix parsed and its node id: a peer sends the same one over and over. */
const nodeCache = { suffix: '', node: '' };

/**
 * @internal The form every Tickline sender writes, `<digits>` or `<digits>;node="<plain string>"`,
 * read without the general parser: the hot path of every request. Returns the sender's stamp as a
 * new object (a receive keeps it as its `remote`). Anything else (escapes, other parameters,
 * lists, spaces) returns undefined and goes through the full RFC 8941 parser.
 */
export function parseCommonClockStamp(value: string): ClockStamp | undefined {
  const length = value.length;
  if (length === 0 || length > MAX_NODE_LENGTH + 32) return undefined;
  let clock = 0;
  let i = 0;
  for (; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    clock = clock * 10 + (c - 0x30);
  }
  if (i === 0 || i > MAX_CLOCK_DIGITS) return undefined;
  if (i === length) return { clock };
  const cached = nodeCache.suffix;
  if (length - i === cached.length && value.endsWith(cached)) return { clock, node: nodeCache.node };
  const suffix = value.slice(i);
  if (!suffix.startsWith(NODE_PREFIX) || suffix.charCodeAt(suffix.length - 1) !== DQUOTE) return undefined;
  const end = suffix.length - 1;
  if (end <= NODE_PREFIX.length || end - NODE_PREFIX.length > MAX_NODE_LENGTH) return undefined;
  for (let j = NODE_PREFIX.length; j < end; j++) {
    const c = suffix.charCodeAt(j);
    if (c < 0x20 || c > 0x7e || c === DQUOTE || c === BACKSLASH) return undefined;
  }
  const node = suffix.slice(NODE_PREFIX.length, end);
  nodeCache.suffix = suffix;
  nodeCache.node = node;
  return { clock, node };
}

/** @internal Parses every member of every line; shared by the Lamport and HLC header parsers. */
export function parseMembers(
  value: string | readonly string[] | undefined | null,
  header: string,
):
  | { ok: true; members: Array<ClockStamp & { logical?: number }> }
  | { ok: false; reason: HeaderRejection; message: string } {
  if (value === undefined || value === null)
    return { ok: false, reason: 'missing', message: `no ${header} header` };
  const lines = typeof value === 'string' ? [value] : value;
  if (lines.length === 0) return { ok: false, reason: 'missing', message: `no ${header} header` };
  if (lines.length > MAX_HEADER_MEMBERS) {
    return {
      ok: false,
      reason: 'too-long',
      message: `more than ${MAX_HEADER_MEMBERS} ${header} header lines`,
    };
  }
  let total = 0;
  for (const line of lines) {
    if (typeof line !== 'string')
      return { ok: false, reason: 'malformed', message: 'header value is not a string' };
    total += line.length;
  }
  if (total > MAX_HEADER_LENGTH) {
    return {
      ok: false,
      reason: 'too-long',
      message: `${header} longer than ${MAX_HEADER_LENGTH} characters`,
    };
  }
  const members: Array<ClockStamp & { logical?: number }> = [];
  const failures: string[] = [];
  for (const line of lines) parseList(line, members, failures);
  if (members.length === 0) {
    return {
      ok: false,
      reason: 'malformed',
      message: `malformed ${header}: ${failures[0] ?? 'empty value'}`,
    };
  }
  return { ok: true, members };
}

/**
 * Parses a `lamport-clock` header value: an RFC 8941 Integer (0 to 15 digits' worth, never
 * negative) with parameters, of which `node` (an sf-string of at most 128 characters) is read
 * and the rest are validated and ignored. Several header lines, or a comma-joined list, yield
 * the largest valid member. Never throws; hostile input is rejected in time linear in at most
 * {@link MAX_HEADER_LENGTH} characters.
 */
export function parseClockHeader(value: string | readonly string[] | undefined | null): ParsedClockHeader {
  if (typeof value === 'string') {
    const fast = parseCommonClockStamp(value);
    if (fast !== undefined)
      return fast.node === undefined
        ? { ok: true, clock: fast.clock }
        : { ok: true, clock: fast.clock, node: fast.node };
  }
  const parsed = parseMembers(value, CLOCK_HEADER);
  if (!parsed.ok) return parsed;
  let best = parsed.members[0] as ClockStamp;
  for (const member of parsed.members) if (member.clock > best.clock) best = member;
  return best.node === undefined
    ? { ok: true, clock: best.clock }
    : { ok: true, clock: best.clock, node: best.node };
}

/** @internal RFC 8941 §4.1.6 sf-string serialisation, for printable ASCII only. */
export function serializeString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e)
      throw new RangeError(
        `@tickline/clock: node id contains a character RFC 8941 strings cannot carry (code ${c}); use printable ASCII`,
      );
    if (c === DQUOTE || c === BACKSLASH) out += '\\';
    out += value[i];
  }
  return `${out}"`;
}

/**
 * Formats a `lamport-clock` header value, e.g. `1042;node="orders/7f3c2a1b"`.
 * Throws a RangeError for a clock that is not a safe integer of at most 15 digits, or a node id
 * that is empty, longer than 128 characters or not printable ASCII.
 */
export function formatClockHeader(clock: number, node?: string): string {
  if (!Number.isSafeInteger(clock) || clock < 0 || clock > 999_999_999_999_999) {
    throw new RangeError(
      `@tickline/clock: clock ${clock} cannot be sent: it must be an integer from 0 to 999999999999999`,
    );
  }
  if (node === undefined) return String(clock);
  if (node.length === 0 || node.length > MAX_NODE_LENGTH) {
    throw new RangeError(
      `@tickline/clock: node id must have 1 to ${MAX_NODE_LENGTH} characters, got ${node.length}`,
    );
  }
  return `${clock};node=${serializeString(node)}`;
}
