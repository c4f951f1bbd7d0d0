// Internal: fetches shared by the tabs of one namespace and user. When several tabs want the
// same key at about the same time (mount, focus, interval, the refetch after a change), the one
// that takes the key's Web Lock runs its fetcher and posts the answer on a BroadcastChannel before
// letting go; the others wait for that answer and take it into their engine, which judges it as it
// judges any other tab's write (an answer whose data predates a change made here is not taken
// fresh), then plan again: served, or fetched here after all. A tab never runs a fetcher for
// another tab: each waits with its own, and runs it when the answer does not do.
import type { WasmCache } from "../wasm/cachebus.js";
import { tabPlatform, type TabPlatform } from "./tab-platform.js";
import type { TabPresence } from "./tab-presence.js";

/**
 * How long a tab granted the key's lock waits for the holder's answer it has not heard yet: the
 * lock and the channel are separate queues, so the answer, posted before the lock was let go,
 * may arrive a moment after the grant.
 */
const ANSWER_GRACE_MS = 50;

/** A message on the channel: an answer (`tier`, `value`, `record`) or, without them, the end of a fetch that has none to share. */
interface FetchMessage {
  cb: "fetch";
  user: string;
  key: string;
  answer?: [tier: string, value: unknown, record: unknown];
}

/** Shared fetches of one cache. */
export class SharedFetches {
  readonly #inner: WasmCache;
  readonly #namespace: string;
  readonly #channel: BroadcastChannel;
  readonly #locks: LockManager;
  readonly #presence: TabPresence;
  /** Fetches run here whose answer was posted to the other tabs. */
  #answered = 0;
  /** Per user and key, the tabs' waits for another tab's answer: called when it comes or the fetch ends. */
  readonly #waiting = new Map<string, Set<() => void>>();

  /**
   * Shared fetches for `inner`'s namespace, or `undefined` where the platform lacks Web Locks or
   * BroadcastChannel (or refuses them, in a sandboxed frame): each tab then fetches alone.
   */
  static open(inner: WasmCache, namespace: string, presence: TabPresence): SharedFetches | undefined {
    const platform = tabPlatform(namespace, "fetches");
    return platform && new SharedFetches(inner, namespace, presence, platform);
  }

  private constructor(inner: WasmCache, namespace: string, presence: TabPresence, { locks, channel }: TabPlatform) {
    this.#inner = inner;
    this.#namespace = namespace;
    this.#presence = presence;
    this.#locks = locks;
    this.#channel = channel;
    channel.onmessage = (event) => this.#receive(event.data);
  }

  /**
   * Whether a fetch should go through `run`: another tab is live that may want the same key. A
   * tab alone fetches as if uncoordinated, with no lock round trip before its fetcher runs.
   */
  get withOthers(): boolean {
    return !this.#presence.alone;
  }

  /**
   * Runs `fetchHere` (which stores its answer) when no other tab of `user` is fetching `key`, and
   * shares the answer; resolves with `{ answer }`. When another tab is, waits until its answer
   * came (or its fetch ended without one) and resolves with `undefined`: the caller plans again.
   */
  async run<T>(user: string, key: string, fetchHere: () => Promise<T>): Promise<{ answer: T } | undefined> {
    const name = this.#lockName(user, key);
    let ran: { answer: T } | undefined;
    await this.#locks.request(name, { ifAvailable: true }, async (lock) => {
      if (!lock) return;
      try {
        ran = { answer: await fetchHere() };
      } finally {
        this.#share(user, key, ran !== undefined); // before the lock is let go
      }
    });
    if (!ran) await this.#holderDone(name, user, key);
    return ran;
  }

  /**
   * Holds the key's lock, when it is free, while `fetching` (a fetch this tab started without the
   * lock: alone, or forced) runs, and shares its answer if another tab is live by its end: a tab
   * that opens meanwhile and wants the key waits for this answer instead of fetching too.
   */
  cover(user: string, key: string, fetching: Promise<unknown>): void {
    void this.#locks
      .request(this.#lockName(user, key), { ifAvailable: true }, async (lock) => {
        if (!lock) return;
        const stored = await fetching.then(
          () => true,
          () => false,
        );
        if (this.withOthers) this.#share(user, key, stored);
      })
      .catch(() => {
        // The lock manager refused: the fetch runs uncovered, as a tab alone.
      });
  }

  /** How many fetches this tab ran for the others: their answers posted on the channel. */
  get answered(): number {
    return this.#answered;
  }

  /** Closes the channel; waits in progress end at once. */
  close(): void {
    this.#channel.close();
    for (const waits of this.#waiting.values()) for (const done of waits) done();
    this.#waiting.clear();
  }

  /** The lock of `user`'s fetches of `key` (neither a namespace nor a user holds a `:`). */
  #lockName(user: string, key: string): string {
    return `cachebus:${this.#namespace}:fetch:${user}:${key}`;
  }

  /** Posts the answer now under `key` when `stored` and still `user`'s, else the end of the fetch. */
  #share(user: string, key: string, stored: boolean): void {
    const message: FetchMessage = { cb: "fetch", user, key };
    try {
      const answer = stored && (this.#inner.user ?? "") === user ? this.#inner.shareable(key) : undefined;
      if (answer) message.answer = answer as FetchMessage["answer"];
      this.#channel.postMessage(message);
      if (answer) this.#answered += 1;
    } catch {
      // Closed, or a value structured clone refuses: the others learn the fetch ended, and fetch.
      delete message.answer;
      try {
        this.#channel.postMessage(message);
      } catch {
        // The channel is closed: the others' lock grant ends their wait.
      }
    }
  }

  /** Resolves when the fetch of the lock's holder ended: its message, or its lock let go. */
  #holderDone(name: string, user: string, key: string): Promise<void> {
    return new Promise((resolve) => {
      const id = `${user}\0${key}`;
      const waits = this.#waiting.get(id) ?? new Set();
      this.#waiting.set(id, waits);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        clearTimeout(timer);
        if (!waits.delete(done)) return;
        if (waits.size === 0 && this.#waiting.get(id) === waits) this.#waiting.delete(id);
        resolve();
      };
      waits.add(done);
      // Granted once the holder let go (or its tab closed): held for no longer than this call.
      this.#locks.request(name, () => void (timer = setTimeout(done, ANSWER_GRACE_MS))).catch(done);
    });
  }

  #receive(data: unknown): void {
    if (!isFetchMessage(data)) return;
    const { user, key, answer } = data;
    if (answer && (this.#inner.user ?? "") === user) {
      try {
        this.#inner.adoptAnswer(user, key, answer[0], answer[1], answer[2]);
      } catch {
        // Closed, or the key is refused: the waits below end, and each tab fetches for itself.
      }
    }
    for (const done of [...(this.#waiting.get(`${user}\0${key}`) ?? [])]) done();
  }
}

function isFetchMessage(data: unknown): data is FetchMessage {
  if (typeof data !== "object" || data === null) return false;
  const { cb, user, key, answer } = data as Partial<FetchMessage>;
  return (
    cb === "fetch" &&
    typeof user === "string" &&
    typeof key === "string" &&
    (answer === undefined || (Array.isArray(answer) && answer.length === 3))
  );
}
