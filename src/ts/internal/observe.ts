// Internal (not in the package's exports map): a read of a cache's value that counts no hit or
// miss, for the React hooks, whose renders are not the application's reads.

/** What this module needs of a cache's wasm side. */
interface Observable {
  observe(key: string): unknown;
}

const observables = new WeakMap<object, Observable>();

/** Registers the wasm side of `cache` (called by the cache's constructor). */
export function registerObservable(cache: object, inner: Observable): void {
  observables.set(cache, inner);
}

/** The value `cache.get(key)` would return, without counting a read. */
export function observe<T>(cache: object, key: string): T | undefined {
  return observables.get(cache)?.observe(key) as T | undefined;
}
