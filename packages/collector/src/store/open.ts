import { PostgresSpanStore } from './postgres.js';
import { SqliteSpanStore } from './sqlite.js';
import type { SpanStore } from './types.js';

/** The default store location, relative to the working directory. */
export const DEFAULT_STORE = 'sqlite:.tickline/tickline.db';

/** A store URL that is neither `sqlite:PATH` nor `postgres://…`. */
export class StoreUrlError extends Error {
  override name = 'StoreUrlError';
  constructor(url: string) {
    super(
      `@tickline/collector: unsupported store '${url}'. Use sqlite:PATH (e.g. sqlite:.tickline/tickline.db, optionally ?synchronous=full) or postgres://user@host:port/database.`,
    );
  }
}

/** The store could not be opened (database unreachable, file not writable, …). */
export class StoreOpenError extends Error {
  override name = 'StoreOpenError';
  constructor(url: string, cause: unknown) {
    super(
      `@tickline/collector: cannot open store ${url}: ${cause instanceof Error ? cause.message : String(cause)}. Check the path or URL, permissions, and that the database server is running.`,
      { cause },
    );
  }
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}

/**
 * Opens a store from a URL: `sqlite:PATH[?synchronous=full]` or `postgres://…` / `postgresql://…`.
 */
export async function openStore(url: string): Promise<SpanStore> {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    try {
      return await PostgresSpanStore.open(url);
    } catch (error) {
      throw new StoreOpenError(redactUrl(url), error);
    }
  }
  if (url.startsWith('sqlite:')) {
    const [path = '', query = ''] = url.slice('sqlite:'.length).split('?', 2);
    if (path === '') throw new StoreUrlError(url);
    const synchronous = new URLSearchParams(query).get('synchronous');
    if (synchronous !== null && synchronous !== 'normal' && synchronous !== 'full')
      throw new StoreUrlError(url);
    try {
      return SqliteSpanStore.open(path, synchronous === null ? {} : { synchronous });
    } catch (error) {
      throw new StoreOpenError(url, error);
    }
  }
  throw new StoreUrlError(url);
}
