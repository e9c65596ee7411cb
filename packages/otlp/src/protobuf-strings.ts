/**
 * UTF-8 and hex strings straight from wire bytes, for the protobuf decoder. Short strings go through a
 * per-body cache keyed by their bytes, so the attribute keys and repeated values of a batch (service
 * names, span names, methods) are decoded and allocated once per body, not once per span.
 */

/** Longest string (in bytes) the cache holds; longer ones are rarely repeated. */
const CACHE_MAX_BYTES = 48;

type Utf8Slice = (this: Uint8Array, start: number, end: number) => string;
type Utf8Decoder = { decode(bytes: Uint8Array): string };

/** Node's native `Buffer#utf8Slice` when present (it takes any Uint8Array), else undefined (browsers). */
function nativeUtf8Slice(): Utf8Slice | undefined {
  const buffer = (globalThis as { Buffer?: { prototype?: { utf8Slice?: unknown } } }).Buffer;
  const slice = buffer?.prototype?.utf8Slice;
  return typeof slice === 'function' ? (slice as Utf8Slice) : undefined;
}

const HEX_CHAR_CODES = new Uint8Array([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

const HEX_BY_BYTE: readonly string[] = Array.from({ length: 256 }, (_, byte) =>
  byte.toString(16).padStart(2, '0'),
);

/** Lowercase hex of the 16 bytes at `start` (a trace id), built as one flat string. */
export function hex16(bytes: Uint8Array, start: number): string {
  const h = HEX_CHAR_CODES;
  const b = bytes;
  const p = start;
  return String.fromCharCode(
    h[(b[p] as number) >> 4] as number,
    h[(b[p] as number) & 15] as number,
    h[(b[p + 1] as number) >> 4] as number,
    h[(b[p + 1] as number) & 15] as number,
    h[(b[p + 2] as number) >> 4] as number,
    h[(b[p + 2] as number) & 15] as number,
    h[(b[p + 3] as number) >> 4] as number,
    h[(b[p + 3] as number) & 15] as number,
    h[(b[p + 4] as number) >> 4] as number,
    h[(b[p + 4] as number) & 15] as number,
    h[(b[p + 5] as number) >> 4] as number,
    h[(b[p + 5] as number) & 15] as number,
    h[(b[p + 6] as number) >> 4] as number,
    h[(b[p + 6] as number) & 15] as number,
    h[(b[p + 7] as number) >> 4] as number,
    h[(b[p + 7] as number) & 15] as number,
    h[(b[p + 8] as number) >> 4] as number,
    h[(b[p + 8] as number) & 15] as number,
    h[(b[p + 9] as number) >> 4] as number,
    h[(b[p + 9] as number) & 15] as number,
    h[(b[p + 10] as number) >> 4] as number,
    h[(b[p + 10] as number) & 15] as number,
    h[(b[p + 11] as number) >> 4] as number,
    h[(b[p + 11] as number) & 15] as number,
    h[(b[p + 12] as number) >> 4] as number,
    h[(b[p + 12] as number) & 15] as number,
    h[(b[p + 13] as number) >> 4] as number,
    h[(b[p + 13] as number) & 15] as number,
    h[(b[p + 14] as number) >> 4] as number,
    h[(b[p + 14] as number) & 15] as number,
    h[(b[p + 15] as number) >> 4] as number,
    h[(b[p + 15] as number) & 15] as number,
  );
}

/** Lowercase hex of the 8 bytes at `start` (a span id), built as one flat string. */
export function hex8(bytes: Uint8Array, start: number): string {
  const h = HEX_CHAR_CODES;
  const b = bytes;
  const p = start;
  return String.fromCharCode(
    h[(b[p] as number) >> 4] as number,
    h[(b[p] as number) & 15] as number,
    h[(b[p + 1] as number) >> 4] as number,
    h[(b[p + 1] as number) & 15] as number,
    h[(b[p + 2] as number) >> 4] as number,
    h[(b[p + 2] as number) & 15] as number,
    h[(b[p + 3] as number) >> 4] as number,
    h[(b[p + 3] as number) & 15] as number,
    h[(b[p + 4] as number) >> 4] as number,
    h[(b[p + 4] as number) & 15] as number,
    h[(b[p + 5] as number) >> 4] as number,
    h[(b[p + 5] as number) & 15] as number,
    h[(b[p + 6] as number) >> 4] as number,
    h[(b[p + 6] as number) & 15] as number,
    h[(b[p + 7] as number) >> 4] as number,
    h[(b[p + 7] as number) & 15] as number,
  );
}

/** Lowercase hex of bytes [start, end) (bytesValue attributes). */
export function hexRange(bytes: Uint8Array, start: number, end: number): string {
  let hex = '';
  for (let index = start; index < end; index++) hex += HEX_BY_BYTE[bytes[index] as number];
  return hex;
}

/** True when the `length` bytes at `start` are all zero (an invalid trace or span id). */
export function isZeroRange(bytes: Uint8Array, start: number, length: number): boolean {
  for (let index = start; index < start + length; index++) if (bytes[index] !== 0) return false;
  return true;
}

/** Decodes UTF-8 ranges of one body, caching short strings by content (one instance per body). */
export class WireStrings {
  readonly #bytes: Uint8Array;
  readonly #slice: Utf8Slice | undefined;
  readonly #decoder: Utf8Decoder | undefined;
  readonly #mask: number;
  /** Per slot: start of the cached string's bytes in the body, and their length (0 = empty slot). */
  readonly #starts: Int32Array;
  readonly #lengths: Int32Array;
  readonly #strings: string[];

  /** `native: false` forces the TextDecoder path that browsers take (for tests). */
  constructor(bytes: Uint8Array, native = true) {
    this.#bytes = bytes;
    this.#slice = native ? nativeUtf8Slice() : undefined;
    this.#decoder = this.#slice === undefined ? new TextDecoder() : undefined;
    // About one slot per 32 body bytes, between 64 and 4,096 slots.
    let slots = 64;
    while (slots < 4096 && slots * 32 < bytes.length) slots *= 2;
    this.#mask = slots - 1;
    this.#starts = new Int32Array(slots);
    this.#lengths = new Int32Array(slots);
    this.#strings = new Array<string>(slots).fill('');
  }

  /** The UTF-8 text of bytes [start, end) (invalid sequences become U+FFFD). */
  read(start: number, end: number): string {
    const length = end - start;
    if (length === 0) return '';
    if (length > CACHE_MAX_BYTES) return this.#decode(start, end);
    const bytes = this.#bytes;
    // Hash the length and at most eight bytes (both ends and two inner points): a collision only
    // costs a decode, the comparison below decides.
    let hash = length;
    if (length <= 8) {
      for (let index = start; index < end; index++)
        hash = Math.imul(hash ^ (bytes[index] as number), 0x01000193);
    } else {
      hash = Math.imul(hash ^ (bytes[start] as number), 0x01000193);
      hash = Math.imul(hash ^ (bytes[start + 1] as number), 0x01000193);
      hash = Math.imul(hash ^ (bytes[start + 2] as number), 0x01000193);
      hash = Math.imul(hash ^ (bytes[start + (length >>> 2)] as number), 0x01000193);
      hash = Math.imul(hash ^ (bytes[start + (length >>> 1)] as number), 0x01000193);
      hash = Math.imul(hash ^ (bytes[end - 3] as number), 0x01000193);
      hash = Math.imul(hash ^ (bytes[end - 2] as number), 0x01000193);
      hash = Math.imul(hash ^ (bytes[end - 1] as number), 0x01000193);
    }
    const slot = (hash ^ (hash >>> 15)) & this.#mask;
    if (this.#lengths[slot] === length) {
      const cachedStart = this.#starts[slot] as number;
      let same = true;
      for (let offset = 0; offset < length; offset++) {
        if (bytes[cachedStart + offset] !== bytes[start + offset]) {
          same = false;
          break;
        }
      }
      if (same) return this.#strings[slot] as string;
    }
    const text = this.#decode(start, end);
    this.#starts[slot] = start;
    this.#lengths[slot] = length;
    this.#strings[slot] = text;
    return text;
  }

  #decode(start: number, end: number): string {
    if (this.#slice !== undefined) return this.#slice.call(this.#bytes, start, end);
    return (this.#decoder as Utf8Decoder).decode(this.#bytes.subarray(start, end));
  }
}
