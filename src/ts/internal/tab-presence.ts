// Internal: which coordinated tabs of a namespace are live. Each tab holds a presence lock named
// for it for as long as it lives, and says hello on the namespace's channel once it holds it; a
// tab learns of the live ones from the lock manager when it starts and of later ones from their
// hello, and waits on each one's lock, which the browser grants when that tab closes or crashes.
// A tab that knows of no other one fetches and starts as a tab alone does (internal/shared-fetches.ts,
// internal/warm-start.ts): it pays no lock round trip for company it does not have.
import { tabPlatform, type TabPlatform } from "./tab-platform.js";

/** A hello on the channel: the presence lock a tab now holds. */
interface HelloMessage {
  cb: "tab";
  lock: string;
}

/** This tab's presence among the coordinated tabs of one namespace. */
export class TabPresence {
  readonly #locks: LockManager;
  readonly #channel: BroadcastChannel;
  /** The prefix of every presence lock of the namespace. */
  readonly #prefix: string;
  /** This tab's presence lock. */
  readonly #lock: string;
  /** The presence locks of the other live tabs. */
  readonly #others = new Set<string>();
  /** Ends this tab's waits on the others' locks. */
  readonly #stop = new AbortController();
  /** Lets go of this tab's presence lock. */
  #leave = () => {};

  /** The presence of a tab in `namespace`, or `undefined` without Web Locks or BroadcastChannel. */
  static open(namespace: string): TabPresence | undefined {
    const platform = tabPlatform(namespace, "tabs");
    return platform && new TabPresence(namespace, platform);
  }

  private constructor(namespace: string, { locks, channel }: TabPlatform) {
    this.#locks = locks;
    this.#channel = channel;
    this.#prefix = `cachebus:${namespace}:tab:`;
    this.#lock = this.#prefix + Math.random().toString(36).slice(2);
    channel.onmessage = (event) => {
      const { cb, lock } = (event.data ?? {}) as Partial<HelloMessage>;
      if (cb === "tab" && typeof lock === "string" && lock.startsWith(this.#prefix)) this.#meet(lock);
    };
  }

  /**
   * Asks for this tab's presence lock (it says hello once granted) and learns which tabs are live
   * already; resolves once it knows, without waiting for the grant: the lock manager answers the
   * two in one round trip. A lock manager that refuses (a sandboxed frame) leaves the tab alone.
   */
  async start(): Promise<void> {
    const stop = this.#stop.signal;
    this.#locks
      .request(this.#lock, { signal: stop }, () => {
        if (stop.aborted) return undefined;
        this.#channel.postMessage({ cb: "tab", lock: this.#lock } satisfies HelloMessage);
        return new Promise<void>((resolve) => (this.#leave = resolve));
      })
      .catch(() => {
        // Closed before the grant, or refused: the others never count this tab.
      });
    try {
      const { held = [] } = await this.#locks.query();
      for (const { name } of held) if (name?.startsWith(this.#prefix)) this.#meet(name);
    } catch {
      // Refused: this tab counts itself alone.
    }
  }

  /** Whether another coordinated tab of the namespace is live. */
  get alone(): boolean {
    return this.#others.size === 0;
  }

  /** How many tabs of the namespace are live, this one included. */
  get live(): number {
    return this.#others.size + 1;
  }

  /** Leaves: lets go of the presence lock and stops watching the others. */
  close(): void {
    this.#leave();
    this.#stop.abort();
    this.#others.clear();
    this.#channel.close();
  }

  /** Counts the tab holding `lock` among the live ones until the browser lets go of its lock. */
  #meet(lock: string): void {
    if (lock === this.#lock || this.#others.has(lock) || this.#stop.signal.aborted) return;
    this.#others.add(lock);
    const gone = () => void this.#others.delete(lock);
    this.#locks.request(lock, { signal: this.#stop.signal }, gone).catch(gone);
  }
}
