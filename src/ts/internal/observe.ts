// Internal (not in the package's exports map): a read of a cache's value that counts no hit or
// miss, for the React hooks, whose renders are not the application's reads.

import { observeValue, type Reads } from "./values.js";

const observables = new WeakMap<object, Reads>();

/** Registers the wasm side of `cache` (called by the cache's constructor). */
export function registerObservable(cache: object, inner: Reads): void {
  observables.set(cache, inner);
}

/** The value `cache.get(key)` would return, without counting a read. */
export function observe<T>(cache: object, key: string): T | undefined {
  const inner = observables.get(cache);
  return inner && (observeValue(inner, key) as T | undefined);
}
