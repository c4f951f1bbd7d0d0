// Internal: background revalidation of subscribed keys on focus, reconnect and intervals.
import type { FetchOptions } from "../http.js";
import type { Flights } from "./flights.js";
import type { Subscriptions } from "./subscriptions.js";

/** Default minimum time between two focus/visibility revalidations. */
export const DEFAULT_FOCUS_THROTTLE_MS = 5_000;

/** The page whose focus, visibility and connectivity trigger revalidations. */
export interface Page {
  window: Pick<EventTarget, "addEventListener" | "removeEventListener">;
  document: Pick<EventTarget, "addEventListener" | "removeEventListener"> & { readonly visibilityState: DocumentVisibilityState };
}

/**
 * Listens to the window (focus, `visibilitychange` to visible, `online`) and runs the
 * `refreshIntervalMs` timers; each trigger revalidates the subscribed keys that opted in, through
 * the fetches' dedup.
 */
export class Revalidator {
  readonly #fetches: Flights;
  readonly #subscriptions: Subscriptions;
  readonly #focusThrottleMs: number;
  readonly #timers = new Map<string, { every: number; timer: ReturnType<typeof setInterval> }>();
  /** `undefined` outside a page (a worker, Node): no triggers but the intervals. */
  readonly #page: Page | undefined;
  #lastFocus = Number.NEGATIVE_INFINITY;

  /** `page` is the global window and document, when there is a window (the unit tests pass their own). */
  constructor(
    fetches: Flights,
    subscriptions: Subscriptions,
    focusThrottleMs: number,
    page: Page | undefined = typeof window === "undefined" ? undefined : { window, document },
  ) {
    this.#fetches = fetches;
    this.#subscriptions = subscriptions;
    this.#focusThrottleMs = focusThrottleMs;
    this.#page = page;
    if (!page) return;
    page.window.addEventListener("focus", this.#onFocus);
    page.document.addEventListener("visibilitychange", this.#onFocus);
    page.window.addEventListener("online", this.#onOnline);
  }

  /** Starts, changes or stops the interval of `key` to match its subscribers and last fetch. */
  sync(key: string): void {
    const every = this.#subscriptions.has(key) ? this.#fetches.known(key)?.options.refreshIntervalMs : undefined;
    const running = this.#timers.get(key);
    if (running?.every === every) return;
    if (running) clearInterval(running.timer);
    this.#timers.delete(key);
    if (every === undefined || !(every > 0)) return;
    const timer = setInterval(() => {
      const hidden = this.#page?.document.visibilityState === "hidden";
      if (hidden && !this.#fetches.known(key)?.options.refreshWhenHidden) return;
      this.#fetches.revalidate(key);
    }, every);
    this.#timers.set(key, { every, timer });
  }

  /** Removes the listeners and timers. */
  stop(): void {
    for (const { timer } of this.#timers.values()) clearInterval(timer);
    this.#timers.clear();
    const page = this.#page;
    if (!page) return;
    page.window.removeEventListener("focus", this.#onFocus);
    page.document.removeEventListener("visibilitychange", this.#onFocus);
    page.window.removeEventListener("online", this.#onOnline);
  }

  readonly #onFocus = (): void => {
    if (this.#page?.document.visibilityState !== "visible") return;
    const now = Date.now();
    if (now - this.#lastFocus < this.#focusThrottleMs) return;
    this.#lastFocus = now;
    this.#revalidateSubscribed((options) => options.revalidateOnFocus !== false);
  };

  readonly #onOnline = (): void => {
    this.#revalidateSubscribed((options) => options.revalidateOnReconnect !== false);
  };

  #revalidateSubscribed(optedIn: (options: FetchOptions) => boolean): void {
    for (const key of this.#subscriptions.keys()) {
      const known = this.#fetches.known(key);
      if (known && optedIn(known.options)) this.#fetches.revalidate(key);
    }
  }
}
