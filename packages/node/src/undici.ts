import diagnosticsChannel from 'node:diagnostics_channel';
import { CLOCK_HEADER } from '@tickline/clock';
import type { OutgoingTarget } from './options.js';
import type { OutgoingStamper } from './outgoing.js';

/** The parts of undici's request object (undici 5 to 7) that the hooks use. */
interface UndiciRequest {
  origin?: unknown;
  path?: unknown;
  method?: unknown;
  headers?: unknown;
  addHeader?(name: string, value: string): unknown;
}

function targetOf(request: UndiciRequest): OutgoingTarget {
  return {
    origin: String(request.origin ?? ''),
    path: String(request.path ?? ''),
    method: String(request.method ?? ''),
  };
}

/** The `lamport-clock` value already on an undici request (headers are an array in undici 6+, a string in 5). */
function existingHeader(headers: unknown): string | undefined {
  if (Array.isArray(headers)) {
    for (let index = 0; index + 1 < headers.length; index += 2) {
      const name = headers[index];
      if (
        typeof name === 'string' &&
        name.length === CLOCK_HEADER.length &&
        name.toLowerCase() === CLOCK_HEADER
      ) {
        return String(headers[index + 1]);
      }
    }
    return undefined;
  }
  if (typeof headers === 'string' && headers.length > 0) {
    for (const line of headers.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon === CLOCK_HEADER.length && line.slice(0, colon).toLowerCase() === CLOCK_HEADER) {
        return line.slice(colon + 1).trim();
      }
    }
  }
  return undefined;
}

/** Response header values of `lamport-clock` from undici's `[name, value, name, value…]` Buffer array. */
function responseHeader(headers: unknown): string | string[] | undefined {
  if (!Array.isArray(headers)) return undefined;
  let found: string | string[] | undefined;
  for (let index = 0; index + 1 < headers.length; index += 2) {
    const name = headers[index] as { length: number; toString(encoding?: string): string } | string;
    if (name.length !== CLOCK_HEADER.length) continue;
    if (name.toString('latin1').toLowerCase() !== CLOCK_HEADER) continue;
    const raw = headers[index + 1] as { toString(encoding?: string): string } | string;
    const value = typeof raw === 'string' ? raw : raw.toString('latin1');
    if (found === undefined) found = value;
    else if (typeof found === 'string') found = [found, value];
    else found.push(value);
  }
  return found;
}

/**
 * Subscribes to undici's diagnostics channels, used by the global `fetch` and by the undici
 * package: `undici:request:create` stamps the send and adds the header (it runs synchronously in
 * the caller's turn), `undici:request:headers` merges the response. Returns the unsubscribe.
 */
export function subscribeUndici(stamper: OutgoingStamper): () => void {
  const onCreate = (message: unknown) => {
    const request = (message as { request?: UndiciRequest }).request;
    if (request === undefined || request === null || typeof request.addHeader !== 'function') return;
    try {
      const header = stamper.begin(request, existingHeader(request.headers));
      if (header !== undefined) request.addHeader(CLOCK_HEADER, header);
    } catch {
      // Never break the caller's request.
    }
  };
  const onHeaders = (message: unknown) => {
    const { request, response } = message as { request?: UndiciRequest; response?: { headers?: unknown } };
    if (request === undefined || request === null || !stamper.has(request)) return;
    try {
      stamper.respond(request, responseHeader(response?.headers), () => targetOf(request));
    } catch {
      // Never break the caller's response.
    }
  };
  diagnosticsChannel.subscribe('undici:request:create', onCreate);
  diagnosticsChannel.subscribe('undici:request:headers', onHeaders);
  return () => {
    diagnosticsChannel.unsubscribe('undici:request:create', onCreate);
    diagnosticsChannel.unsubscribe('undici:request:headers', onHeaders);
  };
}
