/** The collector's JSON API (docs/design.md §8), with the optional bearer token. */

/** One row of `GET /api/traces`. */
export interface TraceRow {
  traceId: string;
  services: string[];
  spanCount: number;
  /** Unix ms. */
  start: number;
  durationMs: number;
  anomalyCount: number;
}

/** A page of `GET /api/traces`. */
export interface TracePage {
  traces: TraceRow[];
  next: string | null;
}

/** The API answered with an HTTP error (401: a token is needed or wrong). */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The API could not be reached or did not answer JSON: there is no collector behind this page. */
export class NoCollectorError extends Error {
  override name = 'NoCollectorError';
}

/** Where the token lives: sessionStorage, so it is gone when the tab closes. */
export const TOKEN_STORAGE_KEY = 'tickline.token';

/** Reads the API relative to the page, so the viewer works under any path. */
export class CollectorClient {
  readonly #base: URL;
  readonly #storage: Storage | undefined;

  constructor(pageUrl: string, storage: Storage | undefined) {
    const page = new URL(pageUrl);
    page.hash = '';
    page.search = '';
    this.#base = new URL('api/', page);
    this.#storage = storage;
  }

  get token(): string | null {
    return this.#storage?.getItem(TOKEN_STORAGE_KEY) ?? null;
  }

  set token(value: string | null) {
    if (value === null || value === '') this.#storage?.removeItem(TOKEN_STORAGE_KEY);
    else this.#storage?.setItem(TOKEN_STORAGE_KEY, value);
  }

  async get(
    path: string,
    query: Record<string, string | number | boolean | undefined> = {},
  ): Promise<unknown> {
    const url = new URL(path, this.#base);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = this.token;
    if (token !== null && token !== '') headers.authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await fetch(url, { headers });
    } catch (error) {
      throw new NoCollectorError(
        `viewer: cannot reach the collector at ${this.#base.href} (${String(error)})`,
      );
    }
    const type = response.headers.get('content-type') ?? '';
    if (!type.includes('json')) {
      throw new NoCollectorError(`viewer: ${url.pathname} answered ${response.status} without JSON`);
    }
    const body: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      const message =
        typeof body === 'object' &&
        body !== null &&
        typeof (body as { message?: unknown }).message === 'string'
          ? (body as { message: string }).message
          : `HTTP ${response.status}`;
      throw new ApiError(response.status, message);
    }
    return body;
  }

  health(): Promise<unknown> {
    return this.get('health');
  }

  async traces(query: {
    limit?: number;
    cursor?: string;
    anomalous?: boolean;
    service?: string;
  }): Promise<TracePage> {
    const body = (await this.get('traces', query)) as { traces?: unknown; next?: unknown } | null;
    const traces = Array.isArray(body?.traces) ? body.traces : [];
    return {
      traces: traces
        .filter((row): row is Record<string, unknown> => typeof row === 'object' && row !== null)
        .map((row) => ({
          traceId: String(row.traceId ?? ''),
          services: Array.isArray(row.services) ? row.services.map(String) : [],
          spanCount: Number(row.spanCount ?? 0),
          start: Number(row.start ?? 0),
          durationMs: Number(row.durationMs ?? 0),
          anomalyCount: Number(row.anomalyCount ?? 0),
        }))
        .filter((row) => row.traceId !== ''),
      next: typeof body?.next === 'string' && body.next !== '' ? body.next : null,
    };
  }

  trace(traceId: string): Promise<unknown> {
    return this.get(`traces/${encodeURIComponent(traceId)}`);
  }

  window(fromMs: number, toMs: number): Promise<unknown> {
    return this.get('window', { from: Math.floor(fromMs), to: Math.ceil(toMs) });
  }
}
