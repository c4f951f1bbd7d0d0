// Internal: who listens to which key.

/** Listeners by key; a listener that throws is reported and does not stop the others. */
export class Subscriptions {
  readonly #listeners = new Map<string, Set<() => void>>();

  /** Adds `listener` for `key`; returns the function that removes it. */
  add(key: string, listener: () => void): () => void {
    let set = this.#listeners.get(key);
    if (!set) this.#listeners.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(key) === set) this.#listeners.delete(key);
    };
  }

  /** Calls the listeners of each of `keys`. */
  notify(keys: Iterable<string>): void {
    if (this.#listeners.size === 0) return; // a write loop's thousands of keys, nobody listening
    for (const key of keys) {
      const set = this.#listeners.get(key);
      if (!set) continue;
      for (const listener of [...set]) {
        try {
          listener();
        } catch (error) {
          reportError(error); // the platform's: an `error` event on window, like an uncaught throw
        }
      }
    }
  }

  /** Whether no key has listeners. */
  isEmpty(): boolean {
    return this.#listeners.size === 0;
  }

  /** Whether `key` has listeners. */
  has(key: string): boolean {
    return this.#listeners.has(key);
  }

  /** The keys that have listeners. */
  keys(): IterableIterator<string> {
    return this.#listeners.keys();
  }
}
