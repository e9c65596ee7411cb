import { timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { AnalyzeOptions } from '@tickline/causal';
import {
  type DecodeResult,
  decodeOtlpJson,
  decodeOtlpProtobuf,
  encodeExportTraceServiceResponse,
  encodeExportTraceServiceResponseJson,
  encodeRpcStatus,
  OtlpDecodeError,
} from '@tickline/otlp';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { analyzeSpans, TraceAnomalyCache } from './analysis-cache.js';
import { decodeCursor } from './store/rows.js';
import type { SpanStore, TraceSummary } from './store/types.js';
import { serveViewer } from './viewer.js';
import { WriteQueue, WriteQueueFullError, type WriteQueueOptions } from './write-queue.js';

const gunzipAsync = promisify(gunzip);

/** Options of {@link buildApp}. */
export interface AppOptions {
  /** Bearer token required on `/v1/traces` and `/api/*` when set. Default: none. */
  token?: string;
  /** Largest request body, compressed and after gunzip, in bytes. Default 64 MiB. */
  maxBodyBytes?: number;
  /** Directory of the viewer's built files; undefined serves a page saying the viewer is not built. */
  viewerDir?: string;
  /** Write queue bounds (group commit). */
  queue?: WriteQueueOptions;
  /** Seconds clients are told to wait (Retry-After) when the queue is full or the store fails. Default 1. */
  retryAfterSeconds?: number;
  /** Options passed to the analysis (`minLatencyMs`, `referenceDomain`). */
  analysis?: AnalyzeOptions;
  /** Most spans `/api/window`, `/api/anomalies` and `/api/offsets` analyse. Default 100,000. */
  maxWindowSpans?: number;
  /** Window used by the window endpoints when `from`/`to` are absent, ms. Default 1 hour. */
  defaultWindowMs?: number;
  /** Wall clock, ms since the epoch (injected for tests). Default `Date.now`. */
  now?: () => number;
  /** fastify's logger option (`true`, or pino options such as `{ level: 'warn' }`). Default false. */
  logger?: boolean | { level: string };
}

/** gRPC status codes used in google.rpc.Status error bodies (OTLP/HTTP §Failures). */
const GRPC_CODE_BY_HTTP_STATUS: Record<number, number> = {
  400: 3, // INVALID_ARGUMENT
  401: 16, // UNAUTHENTICATED
  404: 5, // NOT_FOUND
  413: 8, // RESOURCE_EXHAUSTED
  415: 3,
  429: 8,
  500: 13, // INTERNAL
  503: 14, // UNAVAILABLE
};

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';
const HEX_TRACE_ID = /^[0-9a-fA-F]{32}$/;

function mediaType(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** An OTLP/HTTP error reply: google.rpc.Status, protobuf for protobuf requests, else JSON. */
function sendStatus(
  request: FastifyRequest,
  reply: FastifyReply,
  httpStatus: number,
  message: string,
): FastifyReply {
  const code = GRPC_CODE_BY_HTTP_STATUS[httpStatus] ?? 2;
  reply.code(httpStatus);
  if (mediaType(request) === PROTOBUF && request.url.startsWith('/v1/')) {
    return reply.type(PROTOBUF).send(Buffer.from(encodeRpcStatus({ code, message })));
  }
  return reply.type(JSON_TYPE).send({ code, message });
}

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

function parseMillis(value: unknown, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !/^-?\d{1,16}(\.\d+)?$/.test(value)) {
    throw new HttpError(
      400,
      `@tickline/collector: '${name}' must be Unix milliseconds, got ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}

function parseBoolean(value: unknown, name: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new HttpError(
    400,
    `@tickline/collector: '${name}' must be true or false, got ${JSON.stringify(value)}`,
  );
}

function tokenMatches(header: string | undefined, token: string): boolean {
  if (header === undefined) return false;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (match === null) return false;
  const given = Buffer.from(match[1] as string);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Builds the collector's fastify app on a store: `POST /v1/traces` (OTLP/HTTP), the JSON API under
 * `/api/`, and the viewer's files. Testable with `app.inject()`; the caller listens and closes.
 * Returns the app and its write queue (drain it after `app.close()`).
 */
export function buildApp(
  store: SpanStore,
  options: AppOptions = {},
): { app: FastifyInstance; queue: WriteQueue } {
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  const analysisOptions = options.analysis ?? {};
  const maxWindowSpans = options.maxWindowSpans ?? 100_000;
  const defaultWindowMs = options.defaultWindowMs ?? 60 * 60 * 1000;
  const now = options.now ?? Date.now;
  const queue = new WriteQueue(store, options.queue);
  const anomalyCache = new TraceAnomalyCache(analysisOptions);
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: maxBodyBytes,
    // On close: idle keep-alive connections are closed, in-flight requests finish (and commit).
    forceCloseConnections: 'idle',
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBodyBytes }, (_request, body, done) => {
    done(null, body);
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error instanceof HttpError) return sendStatus(request, reply, error.statusCode, error.message);
    const status = error.statusCode ?? 500;
    if (status === 413) {
      return sendStatus(
        request,
        reply,
        413,
        `@tickline/collector: request body over ${maxBodyBytes} bytes; send smaller batches`,
      );
    }
    if (status >= 400 && status < 500)
      return sendStatus(request, reply, status, `@tickline/collector: ${error.message}`);
    request.log.error(error);
    return sendStatus(request, reply, 500, '@tickline/collector: internal error');
  });

  app.addHook('onRequest', async (request, reply) => {
    if (options.token === undefined) return;
    const path = request.url;
    if (!path.startsWith('/v1/') && !path.startsWith('/api/')) return;
    if (!tokenMatches(request.headers.authorization, options.token)) {
      reply.header('www-authenticate', 'Bearer');
      return sendStatus(
        request,
        reply,
        401,
        '@tickline/collector: missing or wrong bearer token; send Authorization: Bearer <token>',
      );
    }
  });

  app.post('/v1/traces', async (request, reply) => {
    const type = mediaType(request);
    if (type !== PROTOBUF && type !== JSON_TYPE) {
      return sendStatus(
        request,
        reply,
        415,
        `@tickline/collector: unsupported content type '${type}'; send ${PROTOBUF} or ${JSON_TYPE}`,
      );
    }
    if (queue.full) {
      reply.header('retry-after', retryAfter);
      return sendStatus(
        request,
        reply,
        503,
        `@tickline/collector: write queue full (${queue.pendingSpans} spans pending); retry later`,
      );
    }
    let body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding === 'gzip' || encoding === 'x-gzip') {
      try {
        body = await gunzipAsync(body, { maxOutputLength: maxBodyBytes });
      } catch (error) {
        if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
          return sendStatus(
            request,
            reply,
            413,
            `@tickline/collector: body over ${maxBodyBytes} bytes after gunzip; send smaller batches`,
          );
        }
        return sendStatus(
          request,
          reply,
          400,
          `@tickline/collector: body is not valid gzip (${(error as Error).message})`,
        );
      }
    } else if (encoding !== 'identity' && encoding !== '') {
      return sendStatus(
        request,
        reply,
        415,
        `@tickline/collector: unsupported content encoding '${encoding}'; use gzip or none`,
      );
    }
    let result: DecodeResult;
    try {
      result =
        type === PROTOBUF
          ? decodeOtlpProtobuf(body, { maxErrors: 5 })
          : decodeOtlpJson(body.toString('utf8'), { maxErrors: 5 });
    } catch (error) {
      if (error instanceof OtlpDecodeError) return sendStatus(request, reply, 400, error.message);
      throw error;
    }
    try {
      await queue.enqueue(result.spans);
    } catch (error) {
      reply.header('retry-after', retryAfter);
      if (error instanceof WriteQueueFullError) return sendStatus(request, reply, 503, error.message);
      request.log.error(error);
      return sendStatus(
        request,
        reply,
        503,
        `@tickline/collector: the store failed to commit (${(error as Error).message}); retry later`,
      );
    }
    const partial = {
      rejectedSpans: result.rejectedSpans,
      errorMessage: result.errors.join('; '),
    };
    if (type === PROTOBUF)
      return reply
        .code(200)
        .type(PROTOBUF)
        .send(Buffer.from(encodeExportTraceServiceResponse(partial)));
    return reply.code(200).type(JSON_TYPE).send(encodeExportTraceServiceResponseJson(partial));
  });

  app.get('/api/health', async () => ({
    status: 'ok',
    store: store.description,
    pendingSpans: queue.pendingSpans,
  }));

  app.get('/api/traces', async (request) => {
    const query = request.query as Record<string, string | undefined>;
    const limitText = query.limit ?? '50';
    if (!/^\d{1,4}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 1000) {
      throw new HttpError(
        400,
        `@tickline/collector: 'limit' must be 1..1000, got ${JSON.stringify(limitText)}`,
      );
    }
    const limit = Number(limitText);
    const from = parseMillis(query.from, 'from');
    const to = parseMillis(query.to, 'to');
    const anomalous = parseBoolean(query.anomalous, 'anomalous');
    const service = query.service === undefined || query.service === '' ? undefined : query.service;
    const result: (TraceSummary & { anomalyCount: number })[] = [];
    let cursor = query.cursor === undefined || query.cursor === '' ? undefined : query.cursor;
    if (cursor !== undefined && decodeCursor(cursor) === undefined) {
      throw new HttpError(400, `@tickline/collector: 'cursor' is not a cursor from a previous page's 'next'`);
    }
    let scanned = 0;
    let next: string | undefined;
    let lastCursor: string | undefined;
    // With `anomalous`, pages are scanned until enough traces match (at most 2,000 traces per request).
    for (;;) {
      const page = await store.listTraces({
        limit: anomalous === undefined ? limit : Math.min(200, limit * 4),
        ...(service === undefined ? {} : { service }),
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const [index, trace] of page.traces.entries()) {
        let anomalyCount = anomalyCache.get(trace.traceId, trace.spanCount);
        if (anomalyCount === undefined)
          anomalyCount = anomalyCache.compute(trace.traceId, await store.traceSpans(trace.traceId));
        scanned++;
        if (anomalous === undefined || anomalous === anomalyCount > 0)
          result.push({ ...trace, anomalyCount });
        if (result.length === limit) {
          if (index < page.traces.length - 1) lastCursor = page.cursors[index];
          break;
        }
      }
      next = page.next;
      if (anomalous === undefined || result.length >= limit || next === undefined || scanned >= 2000) break;
      cursor = next;
    }
    if (lastCursor !== undefined) next = lastCursor;
    return { traces: result, next: next ?? null };
  });

  app.get('/api/traces/:traceId', async (request, reply) => {
    const { traceId } = request.params as { traceId: string };
    if (!HEX_TRACE_ID.test(traceId)) {
      throw new HttpError(
        400,
        `@tickline/collector: trace id must be 32 hex characters, got ${JSON.stringify(traceId)}`,
      );
    }
    const spans = await store.traceSpans(traceId.toLowerCase());
    if (spans.length === 0)
      return sendStatus(
        request,
        reply,
        404,
        `@tickline/collector: no spans stored for trace ${traceId.toLowerCase()}`,
      );
    return analyzeSpans(spans, analysisOptions);
  });

  const windowSpans = async (request: FastifyRequest, reply: FastifyReply) => {
    const query = request.query as Record<string, string | undefined>;
    const to = parseMillis(query.to, 'to') ?? now();
    const from = parseMillis(query.from, 'from') ?? to - defaultWindowMs;
    if (from > to) throw new HttpError(400, `@tickline/collector: 'from' (${from}) is after 'to' (${to})`);
    const spans = await store.windowSpans(from, to, maxWindowSpans);
    if (spans.length >= maxWindowSpans) reply.header('tickline-truncated', String(maxWindowSpans));
    return spans;
  };

  app.get('/api/window', async (request, reply) =>
    analyzeSpans(await windowSpans(request, reply), analysisOptions),
  );
  app.get('/api/anomalies', async (request, reply) => ({
    anomalies: analyzeSpans(await windowSpans(request, reply), analysisOptions, false).anomalies,
  }));
  app.get('/api/offsets', async (request, reply) => ({
    offsets: analyzeSpans(await windowSpans(request, reply), analysisOptions, false).offsets,
  }));

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url;
    if (
      path.startsWith('/api/') ||
      path.startsWith('/v1/') ||
      (request.method !== 'GET' && request.method !== 'HEAD')
    ) {
      return sendStatus(
        request,
        reply,
        404,
        `@tickline/collector: no route ${request.method} ${path.split('?')[0]}`,
      );
    }
    return serveViewer(options.viewerDir, request, reply);
  });

  return { app, queue };
}
