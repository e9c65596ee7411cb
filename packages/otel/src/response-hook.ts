import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  CLOCK_HEADER,
  findIncoming,
  receiveResponse,
  registerCarrierReader,
  stampReply,
} from '@tickline/clock';
import { getOutgoingExchange } from './outgoing-links.js';

/** Options of {@link lamportResponseHook}. */
export interface LamportResponseHookOptions {
  /**
   * When a server reply carries `lamport-clock`: `'if-carried'` only when the request carried
   * one (docs/design.md §3, so public clients learn nothing), `'always'` on every reply.
   * Default `'if-carried'`.
   */
  respond?: 'if-carried' | 'always';
}

/** What @opentelemetry/instrumentation-undici passes to its `responseHook`. */
interface UndiciResponseInfo {
  response: { headers: readonly unknown[] };
}

const isServerResponse = (value: object): value is ServerResponse =>
  typeof (value as ServerResponse).writeHead === 'function' &&
  typeof (value as ServerResponse).req === 'object';

const isIncomingMessage = (value: object): value is IncomingMessage =>
  typeof (value as IncomingMessage).headers === 'object' &&
  typeof (value as IncomingMessage).statusCode === 'number';

const isUndiciResponseInfo = (value: object): value is UndiciResponseInfo =>
  Array.isArray((value as Partial<UndiciResponseInfo>).response?.headers);

/** The `lamport-clock` values of an undici raw header list (`[name, value, name, value, …]` as Buffers). */
function undiciHeaderValues(headers: readonly unknown[]): string[] | undefined {
  const values: string[] = [];
  for (let index = 0; index + 1 < headers.length; index += 2) {
    if (String(headers[index]).toLowerCase() === CLOCK_HEADER) values.push(String(headers[index + 1]));
  }
  return values.length === 0 ? undefined : values;
}

function stampReplyWhenHeadersAreWritten(response: ServerResponse, respond: 'if-carried' | 'always'): void {
  const exchange = findIncoming(response.req.headers);
  if (exchange === undefined) return;
  const writeHead = response.writeHead;
  // node's implicit headers (res.end() without writeHead) go through writeHead too.
  response.writeHead = function writeHeadWithClock(this: ServerResponse, ...args: unknown[]) {
    try {
      if (!this.headersSent) {
        const header = stampReply(exchange);
        if (exchange.receive.carried || respond === 'always') this.setHeader(CLOCK_HEADER, header);
      }
    } catch {
      // Never break the response.
    }
    return (writeHead as (...args: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
}

/**
 * A `responseHook` for @opentelemetry/instrumentation-http and instrumentation-undici that makes
 * the OpenTelemetry instrumentation carry the clock on responses too, without the express or
 * fastify middleware or @tickline/node:
 *
 * - server (instrumentation-http): stamps the reply when its headers are written and adds the
 *   `lamport-clock` header; the SERVER span's end is that send.
 * - client (instrumentation-http and -undici): merges the response's `lamport-clock` header; the
 *   CLIENT span's end is that receive.
 *
 * Every event is stamped once even when the middleware or @tickline/node are installed as well.
 * It never throws.
 */
export function lamportResponseHook(
  options: LamportResponseHookOptions = {},
): (span: object, response: unknown) => void {
  const respond = options.respond ?? 'if-carried';
  registerCarrierReader();
  return (span, response) => {
    try {
      if (response === null || typeof response !== 'object') return;
      if (isServerResponse(response)) {
        stampReplyWhenHeadersAreWritten(response, respond);
        return;
      }
      const outgoing = getOutgoingExchange(span);
      if (outgoing === undefined) return;
      if (isIncomingMessage(response)) receiveResponse(outgoing, response.headers[CLOCK_HEADER]);
      else if (isUndiciResponseInfo(response)) {
        receiveResponse(outgoing, undiciHeaderValues(response.response.headers));
      }
    } catch {
      // Never break the traced code.
    }
  };
}
