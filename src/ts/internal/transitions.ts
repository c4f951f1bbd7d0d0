// Internal: wakes a key's subscribers when its entry turns stale or expires with time, which no
// call announces (the engine decides freshness when asked), so hooks show `isStale` and
// revalidate at `staleAt` without waiting for an unrelated render.
import type { EntryInfo } from "../types.js";
import type { Subscriptions } from "./subscriptions.js";

/** setTimeout's longest delay; later instants are not scheduled (nothing waits 24 days). */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** One timer per subscribed key, set for the entry's next instant of change. */
export class Transitions {
  readonly #peek: (key: string) => EntryInfo | undefined;
  readonly #subscriptions: Subscriptions;
  readonly #timers = new Map<string, { at: number; timer: ReturnType<typeof setTimeout> }>();

  /** `peek(key)` reads an entry's metadata without counting a read. */
  constructor(peek: (key: string) => EntryInfo | undefined, subscriptions: Subscriptions) {
    this.#peek = peek;
    this.#subscriptions = subscriptions;
  }

  /** Sets, moves or clears the timer of `key` to match its subscribers and its entry. */
  sync(key: string): void {
    const at = this.#subscriptions.has(key) ? nextChange(this.#info(key)) : undefined;
    const running = this.#timers.get(key);
    if (running?.at === at) return;
    if (running) clearTimeout(running.timer);
    this.#timers.delete(key);
    if (at === undefined) return;
    const delay = Math.max(0, at - Date.now()) + 1; // just past the instant, when the state has changed
    if (delay > MAX_DELAY_MS) return;
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      // Peeking an expired entry makes the engine announce its expiry (a change, which notifies
      // and re-syncs); a stale one it does not announce, so that is told here.
      if (this.#info(key) === undefined) return;
      this.#subscriptions.notify([key]);
      this.sync(key);
    }, delay);
    this.#timers.set(key, { at, timer });
  }

  /** Syncs each of `keys`: nothing to do while no key is subscribed and no timer runs. */
  syncAll(keys: Iterable<string>): void {
    if (this.#timers.size === 0 && this.#subscriptions.isEmpty()) return;
    for (const key of keys) this.sync(key);
  }

  /** The entry's metadata; `undefined` once the cache is closed (a late unsubscribe, say). */
  #info(key: string): EntryInfo | undefined {
    try {
      return this.#peek(key);
    } catch {
      return undefined;
    }
  }

  /** Clears every timer. */
  stop(): void {
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}

/** When the entry changes by itself next: fresh → stale at `staleAt`, then gone at `expiresAt`. */
function nextChange(info: EntryInfo | undefined): number | undefined {
  if (!info) return undefined;
  if (info.state === "fresh" && info.staleAt !== null) return info.staleAt;
  return info.expiresAt ?? undefined;
}
