/**
 * Test support (Node only, never bundled): a static server for the built viewer that also answers the
 * collector's JSON API from spans analysed with @tickline/causal, so the browser test does not depend
 * on the collector package.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze, toAnalysisJson } from '@tickline/causal';
import { decodeOtlpJson, type SpanRecord } from '@tickline/otlp';

/** apps/viewer. */
export const VIEWER_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** apps/viewer/dist. */
export const DIST = join(VIEWER_ROOT, 'dist');
/** The hand-written fixture: two hosts, host-b 40 ms behind, two backwards messages, two traces. */
export const TWO_HOSTS_FIXTURE = join(VIEWER_ROOT, 'test-fixtures', 'two-hosts.otlp.json');
/** The repository's shared fixture, when another part of the project has produced it. */
export const SHARED_FIXTURE = fileURLToPath(
  new URL('../../../fixtures/three-services.otlp.json', import.meta.url),
);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Reads the spans of an OTLP JSON file. */
export function loadSpans(path: string): SpanRecord[] {
  const decoded = decodeOtlpJson(readFileSync(path, 'utf8'));
  if (decoded.rejectedSpans > 0)
    throw new Error(`viewer test: ${path} has rejected spans: ${decoded.errors.join('; ')}`);
  return decoded.spans;
}

async function newestModification(directory: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestModification(path));
    else newest = Math.max(newest, (await stat(path)).mtimeMs);
  }
  return newest;
}

/** Builds dist with vite when it is missing or older than the sources. */
export async function ensureBuilt(): Promise<void> {
  const index = join(DIST, 'index.html');
  if (existsSync(index)) {
    const built = statSync(index).mtimeMs;
    const sources = Math.max(
      await newestModification(join(VIEWER_ROOT, 'src')),
      statSync(join(VIEWER_ROOT, 'index.html')).mtimeMs,
    );
    if (built >= sources) return;
  }
  const { build } = await import('vite');
  await build({ root: VIEWER_ROOT, configFile: join(VIEWER_ROOT, 'vite.config.ts'), logLevel: 'warn' });
}

/** Options of {@link startViewerServer}. */
export interface ViewerServerOptions {
  /** Spans the API answers from; without them the server has no API (like a plain static host). */
  spans?: SpanRecord[];
  /** Bearer token the API requires. Default: none. */
  token?: string;
}

/** A running server. */
export interface ViewerServer {
  url: string;
  close(): Promise<void>;
}

function json(response: import('node:http').ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  response.end(JSON.stringify(body));
}

/** Serves dist and the collector's JSON API on 127.0.0.1 with a free port. */
export async function startViewerServer(options: ViewerServerOptions = {}): Promise<ViewerServer> {
  const spans = options.spans;
  const byTrace = new Map<string, SpanRecord[]>();
  for (const span of spans ?? []) {
    const list = byTrace.get(span.traceId);
    if (list === undefined) byTrace.set(span.traceId, [span]);
    else list.push(span);
  }
  const root = resolve(DIST);
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    if (path.startsWith('/api/')) {
      if (spans === undefined) {
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('Not found');
        return;
      }
      if (options.token !== undefined && request.headers.authorization !== `Bearer ${options.token}`) {
        json(response, 401, { code: 16, message: 'test collector: missing or wrong bearer token' });
        return;
      }
      if (path === '/api/health') return json(response, 200, { status: 'ok' });
      if (path === '/api/traces') {
        const traces = [...byTrace].map(([traceId, traceSpans]) => {
          let start = traceSpans[0]!.startTimeUnixNano;
          let end = traceSpans[0]!.endTimeUnixNano;
          for (const span of traceSpans) {
            if (span.startTimeUnixNano < start) start = span.startTimeUnixNano;
            if (span.endTimeUnixNano > end) end = span.endTimeUnixNano;
          }
          return {
            traceId,
            services: [...new Set(traceSpans.map((span) => String(span.resource['service.name'])))].sort(),
            spanCount: traceSpans.length,
            start: Number(start / 1_000_000n),
            durationMs: Number(end - start) / 1e6,
            anomalyCount: analyze(traceSpans).anomalies.length,
          };
        });
        return json(response, 200, { traces, next: null });
      }
      const trace = /^\/api\/traces\/([0-9a-f]{32})$/.exec(path);
      if (trace) {
        const traceSpans = byTrace.get(trace[1]!);
        if (traceSpans === undefined) return json(response, 404, { code: 5, message: 'no such trace' });
        return json(response, 200, toAnalysisJson(analyze(traceSpans)));
      }
      if (path === '/api/window') return json(response, 200, toAnalysisJson(analyze(spans)));
      if (path === '/api/anomalies') return json(response, 200, { anomalies: analyze(spans).anomalies });
      if (path === '/api/offsets') return json(response, 200, { offsets: analyze(spans).offsets });
      return json(response, 404, { code: 5, message: `no route ${path}` });
    }
    const file = resolve(root, `.${path === '/' ? '/index.html' : decodeURIComponent(path)}`);
    if (!file.startsWith(root + sep)) {
      response.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) => {
        response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
        response.end(body);
      },
      () => {
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('Not found');
      },
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
