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

/**
 * Opens a store from a URL: `sqlite:PATH[?synchronous=full]` or `postgres://…` / `postgresql://…`.
 */
export async function openStore(url: string): Promise<SpanStore> {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return PostgresSpanStore.open(url);
  if (url.startsWith('sqlite:')) {
    const [path = '', query = ''] = url.slice('sqlite:'.length).split('?', 2);
    if (path === '') throw new StoreUrlError(url);
    const synchronous = new URLSearchParams(query).get('synchronous');
    if (synchronous !== null && synchronous !== 'normal' && synchronous !== 'full')
      throw new StoreUrlError(url);
    return SqliteSpanStore.open(path, synchronous === null ? {} : { synchronous });
  }
  throw new StoreUrlError(url);
}
