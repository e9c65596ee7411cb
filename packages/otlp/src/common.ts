import type { Attributes, AttributeValue, SpanKind, SpanRecord } from './model.js';
import type { DecodeOptions, DecodeResult } from './types.js';
import { DEFAULT_MAX_ATTRIBUTE_DEPTH, DEFAULT_MAX_ERRORS } from './types.js';

/** Thrown inside a converter for one bad span; caught by the span loop, which rejects the span. */
export class SpanRejection extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

/** Accumulates a {@link DecodeResult}, keeping only the first few messages. */
export class ResultBuilder {
  readonly spans: SpanRecord[] = [];
  rejectedSpans = 0;
  readonly errors: string[] = [];
  readonly maxAttributeDepth: number;
  readonly maxErrors: number;

  constructor(options: DecodeOptions) {
    this.maxAttributeDepth = options.maxAttributeDepth ?? DEFAULT_MAX_ATTRIBUTE_DEPTH;
    this.maxErrors = options.maxErrors ?? DEFAULT_MAX_ERRORS;
  }

  reject(count: number, message: string): void {
    this.rejectedSpans += count;
    this.note(message);
  }

  note(message: string): void {
    if (this.errors.length < this.maxErrors) this.errors.push(message);
  }

  /** Adds the span, noting (not rejecting) one that ends before it starts. */
  accept(span: SpanRecord, path: string): void {
    if (span.endTimeUnixNano < span.startTimeUnixNano) {
      this.note(`${path}: endTimeUnixNano is before startTimeUnixNano (span kept)`);
    }
    this.spans.push(span);
  }

  result(): DecodeResult {
    return { spans: this.spans, rejectedSpans: this.rejectedSpans, errors: this.errors };
  }
}

/** Sets `key` on `attributes`, safely for `__proto__`. Later duplicates win, as in OTel SDKs. */
export function setAttribute(attributes: Attributes, key: string, value: AttributeValue): void {
  if (key === '__proto__') {
    Object.defineProperty(attributes, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    attributes[key] = value;
  }
}

const SPAN_KIND_BY_NAME: Record<string, SpanKind> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
};

const STATUS_CODE_BY_NAME: Record<string, number> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
  UNSET: 0,
  OK: 1,
  ERROR: 2,
};

/** A span kind from an enum number or name; unknown numbers (future kinds) become UNSPECIFIED. */
export function spanKindFrom(value: unknown, path: string): SpanKind {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 && value <= 5 ? (value as SpanKind) : 0;
  }
  if (typeof value === 'string') {
    const kind = SPAN_KIND_BY_NAME[value.toUpperCase()];
    if (kind !== undefined) return kind;
  }
  throw new SpanRejection(path, `expected a SpanKind number or name, got ${describe(value)}`);
}

/** A status code from an enum number or name. */
export function statusCodeFrom(value: unknown, path: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string') {
    const code = STATUS_CODE_BY_NAME[value.toUpperCase()];
    if (code !== undefined) return code;
  }
  throw new SpanRejection(path, `expected a StatusCode number or name, got ${describe(value)}`);
}

/** A short description of an unexpected JSON value, for messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
