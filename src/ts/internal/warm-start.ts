// Internal: a new tab starts warm from a live one. A new tab that knows of another live tab
// (internal/tab-presence.ts) asks, on a BroadcastChannel, for the memory entries of its user,
// takes in the first answer as other tabs' writes (the engine judges each as any: newer wins, the
// user must match) and starts as a cold tab when none comes within a few milliseconds. A tab
// alone waits for nothing.
import type { WasmCache } from "../wasm/cachebus.js";
import { tabPlatform, type TabPlatform } from "./tab-platform.js";
import type { TabPresence } from "./tab-presence.js";

/** How long a new tab waits for a live tab's entries before it starts cold. */
const ANSWER_WAIT_MS = 50;

/** A question (`ask`), or its answer: a flat `[key, tier, value, record, ...]`. */
interface WarmMessage {
  cb: "warm";
  user: string;
  /** The asking tab's question, which an answer names. */
  ask: string;
  entries?: unknown[];
}

/** The warm start of one cache, and its answers to the tabs that open later. */
export class WarmStart {
  readonly #inner: WasmCache;
  readonly #channel: BroadcastChannel;
  readonly #presence: TabPresence;
  /** The question this tab waits on an answer to, and who takes the answer. */
  #pending: { ask: string; answered: (entries: unknown[]) => void } | undefined;

  /**
   * The warm start for `inner`'s namespace, among the tabs `presence` knows, or `undefined`
   * without BroadcastChannel.
   */
  static open(inner: WasmCache, namespace: string, presence: TabPresence): WarmStart | undefined {
    const platform = tabPlatform(namespace, "warm");
    return platform && new WarmStart(inner, presence, platform);
  }

  private constructor(inner: WasmCache, presence: TabPresence, { channel }: TabPlatform) {
    this.#inner = inner;
    this.#presence = presence;
    this.#channel = channel;
    channel.onmessage = (event) => this.#receive(event.data);
  }

  /**
   * Takes in the memory entries of a live tab of the current user, if there is one; resolves with
   * how many it took.
   */
  async start(): Promise<number> {
    return this.#presence.alone ? 0 : this.#take(await this.#ask());
  }

  /** Stops answering the tabs that open later. */
  close(): void {
    this.#pending?.answered([]);
    this.#channel.close();
  }

  /** Asks the live tabs of this user for their entries: the first answer, or none after a while. */
  #ask(): Promise<unknown[]> {
    const ask = Math.random().toString(36).slice(2);
    const user = this.#inner.user ?? "";
    return new Promise((resolve) => {
      const timer = setTimeout(() => answered([]), ANSWER_WAIT_MS);
      const answered = (entries: unknown[]) => {
        clearTimeout(timer);
        this.#pending = undefined;
        resolve(entries);
      };
      this.#pending = { ask, answered };
      this.#channel.postMessage({ cb: "warm", user, ask } satisfies WarmMessage);
    });
  }

  /** Takes in `entries` of another tab of this user; returns how many the engine took. */
  #take(entries: unknown[]): number {
    const user = this.#inner.user ?? "";
    let taken = 0;
    for (let i = 0; i + 3 < entries.length; i += 4) {
      const key = entries[i];
      if (typeof key !== "string") continue;
      try {
        if (this.#inner.adoptAnswer(user, key, entries[i + 1], entries[i + 2], entries[i + 3])) taken += 1;
      } catch {
        // A key the engine refuses, or a closed cache: the others still count.
      }
    }
    return taken;
  }

  #receive(data: unknown): void {
    if (!isWarmMessage(data)) return;
    const user = this.#inner.user ?? "";
    if (data.user !== user) return;
    if (data.entries) {
      if (data.ask === this.#pending?.ask) this.#pending.answered(data.entries);
      return;
    }
    this.#answer(data.ask, user);
  }

  /** Answers another tab's question with this tab's memory entries (those structured clone takes). */
  #answer(ask: string, user: string): void {
    let entries: unknown[];
    try {
      entries = this.#inner.shareableEntries();
    } catch {
      return; // closed, or busy: the asking tab starts cold
    }
    const answer = (list: unknown[]) => this.#channel.postMessage({ cb: "warm", user, ask, entries: list } satisfies WarmMessage);
    try {
      answer(entries);
    } catch {
      // A value structured clone refuses: send the others.
      try {
        answer(clonable(entries));
      } catch {
        // The channel is closed.
      }
    }
  }
}

/** The `[key, tier, value, record]` groups of `entries` that structured clone takes. */
function clonable(entries: unknown[]): unknown[] {
  const kept: unknown[] = [];
  for (let i = 0; i + 3 < entries.length; i += 4) {
    const group = entries.slice(i, i + 4);
    try {
      structuredClone(group);
      kept.push(...group);
    } catch {
      // left out: this value stays in its own tab
    }
  }
  return kept;
}

function isWarmMessage(data: unknown): data is WarmMessage {
  if (typeof data !== "object" || data === null) return false;
  const { cb, user, ask, entries } = data as Partial<WarmMessage>;
  return cb === "warm" && typeof user === "string" && typeof ask === "string" && (entries === undefined || Array.isArray(entries));
}
