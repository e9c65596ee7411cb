import { OtlpDecodeError } from './errors.js';
import { decodeJsonRequests, parseJsonBody } from './json.js';
import { asciiBytesOf, type FastJsonRequest, scanJsonRequest } from './json-fast.js';
import { decodeOtlpProtobuf } from './protobuf.js';
import type { DecodeOtlpOptions, DecodeResult } from './types.js';
import { DEFAULT_MAX_ATTRIBUTE_DEPTH } from './types.js';

/** JSON starts with `{` or `[` after optional whitespace / BOM; an OTLP protobuf request starts with tag 0x0a. */
function looksLikeJson(bytes: Uint8Array): boolean {
  for (let index = 0; index < bytes.length && index < 64; index++) {
    const byte = bytes[index] as number;
    if (
      byte === 0x20 ||
      byte === 0x09 ||
      byte === 0x0a ||
      byte === 0x0d ||
      byte === 0xef ||
      byte === 0xbb ||
      byte === 0xbf
    ) {
      // 0x0a is also protobuf's first tag: a JSON body cannot start with a lone newline followed by binary.
      if (byte === 0x0a && index === 0 && bytes.length > 1 && !isJsonStart(bytes, 1)) return false;
      continue;
    }
    return byte === 0x7b || byte === 0x5b;
  }
  return false;
}

function isJsonStart(bytes: Uint8Array, from: number): boolean {
  for (let index = from; index < bytes.length && index < 64; index++) {
    const byte = bytes[index] as number;
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte === 0x7b || byte === 0x5b;
  }
  return false;
}

/**
 * One JSON document, an array of requests, or JSON lines. `asciiBytes`: the bytes `text` was decoded
 * from, when it is ASCII (see `scanJsonRequest`).
 */
function decodeJsonDocument(text: string, options: DecodeOtlpOptions, asciiBytes?: Uint8Array): DecodeResult {
  const bom = text.charCodeAt(0) === 0xfeff;
  const body = bom ? text.slice(1) : text;
  // Encoded once for the whole document and every line of it, when the caller has no bytes.
  const bytes = !bom && asciiBytes !== undefined ? asciiBytes : asciiBytesOf(body);
  const maxDepth = options.maxAttributeDepth ?? DEFAULT_MAX_ATTRIBUTE_DEPTH;
  const single = scanJsonRequest(body, 0, body.length, '', maxDepth, bytes);
  if (single !== undefined) return decodeJsonRequests([single], options);
  // A first line that is a whole request, with more after it, is JSON lines: no JSON.parse of the body.
  let firstLineEnd = body.indexOf('\n');
  if (firstLineEnd < 0) firstLineEnd = body.length;
  const firstLine =
    firstLineEnd < body.length
      ? scanJsonRequest(body, 0, firstLineEnd, 'line 1: ', maxDepth, bytes)
      : undefined;
  let document: unknown;
  let notJson: unknown;
  if (firstLine === undefined) {
    try {
      document = JSON.parse(body);
    } catch (error) {
      notJson = error;
    }
  }
  if (firstLine !== undefined || notJson !== undefined) {
    // JSON lines: each line one request, read by the fast path when it can, else parsed (all lines
    // are parsed before any is decoded, so the first unparsable line is the error).
    const requests: ({ request: unknown; prefix: string } | FastJsonRequest)[] = [];
    let lineNumber = 0;
    for (let start = 0; start <= body.length; ) {
      let end = body.indexOf('\n', start);
      if (end < 0) end = body.length;
      lineNumber++;
      if (lineNumber === 1 && firstLine !== undefined) {
        requests.push(firstLine);
      } else if (body.slice(start, end).trim() !== '') {
        const prefix = `line ${lineNumber}: `;
        const fast = scanJsonRequest(body, start, end, prefix, maxDepth, bytes);
        requests.push(
          fast ?? { request: parseJsonBody(body.slice(start, end), `line ${lineNumber}`), prefix },
        );
      }
      start = end + 1;
    }
    if (requests.length <= 1 && notJson !== undefined) {
      throw new OtlpDecodeError(
        '',
        `not JSON (${notJson instanceof Error ? notJson.message : String(notJson)})`,
      );
    }
    return decodeJsonRequests(requests, options);
  }
  if (Array.isArray(document)) {
    return decodeJsonRequests(
      document.map((request, index) => ({ request, prefix: `[${index}].` })),
      options,
    );
  }
  return decodeJsonRequests([{ request: document, prefix: '' }], options);
}

/**
 * Decodes an OTLP trace file or body: protobuf or JSON, chosen by `contentType` when given, else
 * sniffed (JSON starts with `{` or `[`). JSON may be one request, an array of requests, or JSON lines
 * (one request per line, as the OpenTelemetry Collector's file exporter writes).
 */
export function decodeOtlp(input: Uint8Array | string, options: DecodeOtlpOptions = {}): DecodeResult {
  if (typeof input === 'string') return decodeJsonDocument(input, options);
  const contentType = options.contentType?.toLowerCase() ?? '';
  const isJson = contentType.includes('protobuf')
    ? false
    : contentType.includes('json')
      ? true
      : looksLikeJson(input);
  if (!isJson) return decodeOtlpProtobuf(input, options);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    throw new OtlpDecodeError('', 'JSON body is not valid UTF-8');
  }
  // Decoded UTF-8 with as many characters as bytes is ASCII: the fast path reads the bytes as they are.
  return decodeJsonDocument(text, options, text.length === input.length ? input : undefined);
}
