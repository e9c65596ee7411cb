/**
 * Values this package attaches to objects it does not own (spans, exchanges) live in a property
 * under a `Symbol.for` key on the target, so every copy of this package shares them. Targets are
 * spans and this package's exchanges, objects nobody spreads into `Headers`; symbol keys stay out
 * of `Object.keys`, `for…in` and `JSON.stringify`, so exporters never see them. Measured on the
 * otel benchmark's server: a WeakMap entry per span cost about 1 µs (ephemeron bookkeeping in a
 * table that grows until the next full GC), a private class field added with the return-override
 * idiom ~80 ns and ~1% of a request's CPU in profiles; a symbol property is a plain property store.
 *
 * Each key has its own accessor functions with the key written in them (see outgoing-links.ts):
 * one generic accessor taking the key saw every key and every kind of target, and V8's property
 * caches in it went megamorphic (~0.7k instructions a request in bench/otel/pipeline.bench.mjs).
 */

/**
 * Where the values go for targets that refuse a new property (frozen, sealed, non-extensible):
 * a WeakMap, shared by every copy of this package under `key`, and read only once used.
 */
export interface SlotFallback<T> {
  used: boolean;
  readonly values: WeakMap<object, T>;
}

/** The fallback for the slot named `key` (a `Symbol.for` key of its own). */
export function slotFallback<T>(key: symbol): SlotFallback<T> {
  const holder = globalThis as { [key: symbol]: SlotFallback<T> | undefined };
  let fallback = holder[key];
  if (fallback === undefined) {
    fallback = { used: false, values: new WeakMap() };
    holder[key] = fallback;
  }
  return fallback;
}

/** Stores `value` in the fallback (the target refused the property). */
export function storeInFallback<T>(fallback: SlotFallback<T>, target: object, value: T | undefined): void {
  if (value === undefined) {
    fallback.values.delete(target);
    return;
  }
  fallback.used = true;
  fallback.values.set(target, value);
}
