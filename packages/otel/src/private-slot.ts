/** A value attached to objects this package does not own (spans, exchanges). */
export interface PrivateSlot<T> {
  read(target: object): T | undefined;
  write(target: object, value: T): void;
  /** Forgets the value on `target` (what it referenced can be collected while `target` lives on). */
  clear(target: object): void;
}

/**
 * A slot backed by a property under the `Symbol.for` key on the target, so every copy of this
 * package shares it. Targets are spans and this package's exchanges, objects nobody spreads into
 * `Headers`; symbol keys stay out of `Object.keys`, `for…in` and `JSON.stringify`, so exporters
 * never see them. Measured on the otel benchmark's server: a WeakMap entry per span cost about
 * 1 µs (ephemeron bookkeeping in a table that grows until the next full GC), a private class field
 * added with the return-override idiom ~80 ns and ~1% of a request's CPU in profiles; a symbol
 * property is a plain property store. Objects that refuse new properties fall back to a WeakMap.
 */
export function privateSlot<T>(key: symbol): PrivateSlot<T> {
  const holder = globalThis as { [key: symbol]: PrivateSlot<T> | undefined };
  let slot = holder[key];
  if (slot !== undefined && typeof slot.clear !== 'function') {
    // Made by an older copy of this package, before slots could be cleared.
    const made = slot;
    slot.clear = (target) => made.write(target, undefined as T);
  }
  if (slot === undefined) {
    const fallback = new WeakMap<object, T>();
    let fallbackUsed = false;
    slot = {
      read(target: object): T | undefined {
        const value = (target as { [key: symbol]: T | undefined })[key];
        return value !== undefined || !fallbackUsed ? value : fallback.get(target);
      },
      write(target: object, value: T): void {
        try {
          (target as { [key: symbol]: T })[key] = value;
        } catch {
          // Frozen or non-extensible (modules are strict mode, so the store throws).
          fallbackUsed = true;
          fallback.set(target, value);
        }
      },
      clear(target: object): void {
        const slots = target as { [key: symbol]: T | undefined };
        if (slots[key] !== undefined) slots[key] = undefined;
        if (fallbackUsed) fallback.delete(target);
      },
    };
    holder[key] = slot;
  }
  return slot;
}
