/** A value attached to objects this package does not own (spans, exchanges). */
export interface PrivateSlot<T> {
  read(target: object): T | undefined;
  write(target: object, value: T): void;
}

/**
 * A slot backed by a private class field added to the target (the return-override idiom), shared
 * by every copy of this package through a `Symbol.for` key on `globalThis`. A WeakMap entry per
 * span cost about 1 µs here (ephemeron bookkeeping in a table that grows until the next full
 * GC), more than all the rest of the processor's work; a private field costs tens of ns and is
 * invisible to `Reflect.ownKeys`, spread and serialisation. Objects that refuse the field fall
 * back to a WeakMap.
 */
export function privateSlot<T>(key: symbol): PrivateSlot<T> {
  const holder = globalThis as { [key: symbol]: PrivateSlot<T> | undefined };
  let slot = holder[key];
  if (slot === undefined) {
    const fallback = new WeakMap<object, T>();
    class ReturnsTarget {
      constructor(target: object) {
        // biome-ignore lint/correctness/noConstructorReturn: the standard way to add a private field to an existing object.
        return target;
      }
    }
    class Field extends ReturnsTarget {
      #value: T | undefined;
      static read(target: object): T | undefined {
        return #value in target ? (target as Field).#value : fallback.get(target);
      }
      static write(target: object, value: T): void {
        try {
          if (!(#value in target)) new Field(target);
          (target as Field).#value = value;
        } catch {
          fallback.set(target, value);
        }
      }
    }
    slot = { read: Field.read, write: Field.write };
    holder[key] = slot;
  }
  return slot;
}
