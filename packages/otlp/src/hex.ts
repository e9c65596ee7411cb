/** Byte ↔ hex and base64 helpers without Buffer, so the decoders run in the browser too. */

const HEX_BY_BYTE: readonly string[] = Array.from({ length: 256 }, (_, byte) =>
  byte.toString(16).padStart(2, '0'),
);

const NIBBLE_BY_CHAR_CODE: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let digit = 0; digit < 10; digit++) table[48 + digit] = digit;
  for (let letter = 0; letter < 6; letter++) {
    table[65 + letter] = 10 + letter;
    table[97 + letter] = 10 + letter;
  }
  return table;
})();

/** Lowercase hex of `bytes`. */
export function bytesToHex(bytes: Uint8Array): string {
  let hex = '';
  for (let index = 0; index < bytes.length; index++) hex += HEX_BY_BYTE[bytes[index] as number];
  return hex;
}

/** True when every byte is zero (an invalid OTLP trace or span id). */
export function isAllZero(bytes: Uint8Array): boolean {
  for (let index = 0; index < bytes.length; index++) if (bytes[index] !== 0) return false;
  return true;
}

/** True when `text` is only hex digits. */
export function isHex(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 128 || (NIBBLE_BY_CHAR_CODE[code] as number) < 0) return false;
  }
  return true;
}

/** Bytes of an even-length hex string (validated by the caller with {@link isHex}). */
export function hexToBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length >>> 1);
  for (let index = 0; index < bytes.length; index++) {
    bytes[index] =
      ((NIBBLE_BY_CHAR_CODE[hex.charCodeAt(2 * index)] as number) << 4) |
      (NIBBLE_BY_CHAR_CODE[hex.charCodeAt(2 * index + 1)] as number);
  }
  return bytes;
}

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

const SEXTET_BY_CHAR_CODE: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let index = 0; index < 64; index++) table[BASE64_ALPHABET.charCodeAt(index)] = index;
  table['-'.charCodeAt(0)] = 62;
  table['_'.charCodeAt(0)] = 63;
  return table;
})();

/** Bytes of a base64 or base64url string (padding optional), or undefined when it is not base64. */
export function base64ToBytes(text: string): Uint8Array | undefined {
  let length = text.length;
  while (length > 0 && text.charCodeAt(length - 1) === 61) length--;
  if (length % 4 === 1) return undefined;
  const bytes = new Uint8Array((length * 3) >>> 2);
  let buffer = 0;
  let bits = 0;
  let out = 0;
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index);
    const sextet = code < 128 ? (SEXTET_BY_CHAR_CODE[code] as number) : -1;
    if (sextet < 0) return undefined;
    buffer = ((buffer << 6) | sextet) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[out++] = (buffer >>> bits) & 0xff;
    }
  }
  return bytes;
}

/** Standard padded base64 of `bytes`. */
export function bytesToBase64(bytes: Uint8Array): string {
  let text = '';
  let index = 0;
  for (; index + 2 < bytes.length; index += 3) {
    const chunk =
      ((bytes[index] as number) << 16) | ((bytes[index + 1] as number) << 8) | (bytes[index + 2] as number);
    text +=
      BASE64_ALPHABET.charAt(chunk >>> 18) +
      BASE64_ALPHABET.charAt((chunk >>> 12) & 63) +
      BASE64_ALPHABET.charAt((chunk >>> 6) & 63) +
      BASE64_ALPHABET.charAt(chunk & 63);
  }
  const rest = bytes.length - index;
  if (rest === 1) {
    const chunk = (bytes[index] as number) << 16;
    text += `${BASE64_ALPHABET.charAt(chunk >>> 18)}${BASE64_ALPHABET.charAt((chunk >>> 12) & 63)}==`;
  } else if (rest === 2) {
    const chunk = ((bytes[index] as number) << 16) | ((bytes[index + 1] as number) << 8);
    text += `${BASE64_ALPHABET.charAt(chunk >>> 18)}${BASE64_ALPHABET.charAt((chunk >>> 12) & 63)}${BASE64_ALPHABET.charAt((chunk >>> 6) & 63)}=`;
  }
  return text;
}
