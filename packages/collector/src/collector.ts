import type { FastifyInstance } from 'fastify';
import { type AppOptions, buildApp } from './app.js';
import { DEFAULT_STORE, openStore } from './store/open.js';
import type { SpanStore } from './store/types.js';
import { defaultViewerDir } from './viewer.js';
import type { WriteQueue } from './write-queue.js';

/** Options of {@link createCollector}. */
export interface CollectorOptions extends Omit<AppOptions, 'viewerDir'> {
  /** A store URL (`sqlite:PATH`, `postgres://…`) or an open store. Default `sqlite:.tickline/tickline.db`. */
  store?: string | SpanStore;
  /** Port to listen on; 0 picks a free one. Default 4318 (OTLP/HTTP). */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Delete traces that ended more than this many hours ago (checked every 10 minutes). Default: keep all. */
  retainHours?: number;
  /** Viewer files; default apps/viewer/dist of this monorepo when built, else a "not built" page. null: always that page. */
  viewerDir?: string | null;
}

/** A running (or ready to run) collector. */
export interface Collector {
  /** The fastify app (use `app.inject()` in tests). */
  app: FastifyInstance;
  /** The store spans are committed to. */
  store: SpanStore;
  /** The group-commit write queue. */
  queue: WriteQueue;
  /** Starts listening; resolves to the base URL, e.g. `http://127.0.0.1:4318`. */
  listen(): Promise<string>;
  /** Stops accepting, finishes in-flight requests, commits queued spans, closes the store (when it opened it). */
  close(): Promise<void>;
}

/**
 * Creates a collector: OTLP/HTTP receiver, durable store and query API.
 * @example
 * const collector = await createCollector({ store: 'sqlite:.tickline/tickline.db', port: 4318 });
 * console.log(await collector.listen());
 */
export async function createCollector(options: CollectorOptions = {}): Promise<Collector> {
  const ownsStore = typeof options.store !== 'object';
  const store =
    typeof options.store === 'object' ? options.store : await openStore(options.store ?? DEFAULT_STORE);
  const viewerDir = options.viewerDir === null ? undefined : (options.viewerDir ?? defaultViewerDir());
  const {
    store: _store,
    port: _port,
    host: _host,
    retainHours: _retainHours,
    viewerDir: _viewerDir,
    ...appOptions
  } = options;
  const { app, queue } = buildApp(store, {
    ...appOptions,
    ...(viewerDir === undefined ? {} : { viewerDir }),
  });
  const now = options.now ?? Date.now;
  let retention: ReturnType<typeof setInterval> | undefined;
  let closing: Promise<void> | undefined;
  const retainHours = options.retainHours;
  const collect = async () => {
    if (retainHours === undefined) return;
    try {
      await store.deleteEndedBefore(now() - retainHours * 3_600_000);
    } catch (error) {
      app.log.error(error);
    }
  };
  return {
    app,
    store,
    queue,
    async listen() {
      const address = await app.listen({ port: options.port ?? 4318, host: options.host ?? '127.0.0.1' });
      if (retainHours !== undefined) {
        void collect();
        retention = setInterval(collect, 10 * 60 * 1000);
        retention.unref();
      }
      return address;
    },
    close() {
      closing ??= (async () => {
        if (retention !== undefined) clearInterval(retention);
        await app.close();
        await queue.drain();
        if (ownsStore) await store.close();
      })();
      return closing;
    },
  };
}
