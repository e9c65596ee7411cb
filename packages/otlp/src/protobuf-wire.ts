/**
 * A small protobuf wire-format reader (varints, fixed 32/64-bit, length-delimited, groups) with strict
 * bounds: every read takes the end of the enclosing message and never reads past it. Written for the
 * OTLP decoder in protobuf-decode.ts; no message objects, no per-field allocation.
 */

/** A malformed wire encoding; the decoder turns it into an `OtlpDecodeError` for the whole body. */
export class WireError extends Error {}

/** Wire types (https://protobuf.dev/programming-guides/encoding/#structure). */
export const WireType = {
  VARINT: 0,
  FIXED64: 1,
  LENGTH_DELIMITED: 2,
  START_GROUP: 3,
  END_GROUP: 4,
  FIXED32: 5,
} as const;

/** Deepest nesting of messages or groups accepted (protobufjs's recursion limit). */
export const MAX_MESSAGE_DEPTH = 100;

/** Reading position over one body. `lo`/`hi` receive the halves of the last {@link WireCursor.varint64}. */
export class WireCursor {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  pos = 0;
  lo = 0;
  hi = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** A varint's low 32 bits, unsigned (tags, enums, int32 after `| 0`). */
  varint32(end: number): number {
    const bytes = this.bytes;
    let pos = this.pos;
    if (pos >= end) throw truncated(pos);
    let byte = bytes[pos++] as number;
    if (byte < 0x80) {
      this.pos = pos;
      return byte;
    }
    let value = byte & 0x7f;
    for (let shift = 7; shift < 28; shift += 7) {
      if (pos >= end) throw truncated(pos);
      byte = bytes[pos++] as number;
      value |= (byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.pos = pos;
        return value >>> 0;
      }
    }
    // Fifth byte: bits 28..31 kept, the rest (up to ten bytes in all) dropped.
    for (let count = 4; count < 10; count++) {
      if (pos >= end) throw truncated(pos);
      byte = bytes[pos++] as number;
      if (count === 4) value |= (byte & 0x0f) << 28;
      if (byte < 0x80) {
        this.pos = pos;
        return value >>> 0;
      }
    }
    throw new WireError(`varint longer than 10 bytes at byte ${pos - 10}`);
  }

  /** A full 64-bit varint into {@link lo} and {@link hi} (unsigned 32-bit halves). */
  varint64(end: number): void {
    const bytes = this.bytes;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let byte = 0;
    let index = 0;
    for (; index < 10; index++) {
      if (pos >= end) throw truncated(pos);
      byte = bytes[pos++] as number;
      const bits = byte & 0x7f;
      if (index < 4) lo |= bits << (7 * index);
      else if (index === 4) {
        lo |= bits << 28;
        hi |= bits >>> 4;
      } else hi |= bits << (7 * index - 32);
      if (byte < 0x80) break;
    }
    if (index === 10) throw new WireError(`varint longer than 10 bytes at byte ${pos - 10}`);
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** A length prefix, checked to fit before `end`; returns the length. */
  length(end: number): number {
    const start = this.pos;
    const bytes = this.bytes;
    let pos = start;
    let value = 0;
    let scale = 1;
    for (let index = 0; ; index++) {
      if (index === 10) throw new WireError(`varint longer than 10 bytes at byte ${start}`);
      if (pos >= end) throw truncated(pos);
      const byte = bytes[pos++] as number;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
      scale *= 128;
    }
    if (value > end - pos) {
      throw new WireError(
        `length ${value} at byte ${start} runs past the end of its message (${end - pos} bytes left)`,
      );
    }
    this.pos = pos;
    return value;
  }

  /** Checks that `size` bytes remain before `end` (for fixed32/fixed64 fields). */
  need(size: number, end: number): void {
    if (end - this.pos < size) throw truncated(end);
  }

  /** Skips the value of a field with tag `tag` (any wire type; groups to their end tag). */
  skip(tag: number, end: number, depth: number): void {
    switch (tag & 7) {
      case WireType.VARINT: {
        const bytes = this.bytes;
        const start = this.pos;
        let pos = start;
        for (;;) {
          if (pos >= end) throw truncated(pos);
          if (pos - start === 10) throw new WireError(`varint longer than 10 bytes at byte ${start}`);
          if ((bytes[pos++] as number) < 0x80) break;
        }
        this.pos = pos;
        return;
      }
      case WireType.FIXED64:
        this.need(8, end);
        this.pos += 8;
        return;
      case WireType.LENGTH_DELIMITED: {
        const length = this.length(end); // before reading `pos`: length() moves it past the prefix
        this.pos += length;
        return;
      }
      case WireType.FIXED32:
        this.need(4, end);
        this.pos += 4;
        return;
      case WireType.START_GROUP: {
        if (depth >= MAX_MESSAGE_DEPTH) throw new WireError('max depth exceeded');
        const field = tag >>> 3;
        for (;;) {
          const inner = this.tag(end);
          if ((inner & 7) === WireType.END_GROUP) {
            if (inner >>> 3 !== field)
              throw new WireError(`end of group ${inner >>> 3} inside group ${field} at byte ${this.pos}`);
            return;
          }
          this.skip(inner, end, depth + 1);
        }
      }
      case WireType.END_GROUP:
        throw new WireError(`end of group ${tag >>> 3} without a start at byte ${this.pos}`);
      default:
        throw new WireError(`invalid wire type ${tag & 7} at byte ${this.pos}`);
    }
  }

  /** A field tag; rejects field number 0. */
  tag(end: number): number {
    const start = this.pos;
    const tag = this.varint32(end);
    if (tag >>> 3 === 0) throw new WireError(`invalid field number 0 at byte ${start}`);
    return tag;
  }
}

function truncated(pos: number): WireError {
  return new WireError(`truncated at byte ${pos}`);
}
