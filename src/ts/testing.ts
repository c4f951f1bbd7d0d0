/**
 * cachebus for app tests (Vitest, Jest, Testing Library): a provider wrapper giving each test a
 * cache of its own, a wait for the fetches it runs, and the cleanup that closes them.
 *
 * ```ts
 * const { cache, wrapper } = await createTestProvider();
 * cache.set("balance", { tokens: 5 });
 * render(<Balance />, { wrapper });
 * await waitForFetches(cache);
 * // afterEach: Testing Library's cleanup(), then this module's cleanup()
 * ```
 *
 * A separate entry point: an app that does not import it ships none of it.
 */
import * as React from "react";
import { createElement, type ReactNode } from "react";
// By the package's names, as an app imports them: under Node they resolve to the `node` entry
// (the wasm read from disk), and the provider is the one the app's components find.
import { CacheError, createCache, type Cache, type CacheOptions, type Fetcher, type FetchOptions } from "cachebus";
import { CacheProvider } from "cachebus/react";

/** Options of {@link createTestProvider}: those of `createCache` but `namespace`, which is always a fresh one. */
export interface TestProviderOptions extends Omit<CacheOptions, "namespace"> {}

/** What {@link createTestProvider} resolves with. */
export interface TestProvider {
  /** The test's cache, ready: seed it (`cache.set`) before rendering, inspect it after. */
  cache: Cache;
  /** A component providing `cache` to its children: Testing Library's `render(ui, { wrapper })`. */
  wrapper: (props: { children?: ReactNode }) => ReactNode;
}

/** The fetches in flight of each cache the helpers made: what {@link waitForFetches} waits on. */
const inFlight = new Map<Cache, Set<Promise<unknown>>>();
let made = 0;

/**
 * Creates a cache in a namespace no other call uses (so tests never share entries, in memory or
 * in a persistent tier), with `createCache`'s defaults (every write in memory unless it says
 * otherwise) and `options`, and a wrapper that provides it. {@link cleanup} closes it.
 */
export async function createTestProvider(options: TestProviderOptions = {}): Promise<TestProvider> {
  made += 1;
  const namespace = `cachebus-test-${made}-${Math.random().toString(36).slice(2, 10)}`;
  const cache = await createCache({ ...options, namespace });
  track(cache);
  const wrapper = ({ children }: { children?: ReactNode }) =>
    createElement(CacheProvider, { namespace, user: cache.user, cache, children });
  return { cache, wrapper };
}

/**
 * Counts every run of a fetcher given to `cache.fetch` (the hooks' fetches, and the background
 * revalidations that reuse the fetcher) until its answer is stored: the public API tells when a
 * fetch starts (`stats().fetches.started`) but not when one settles without a change (an error,
 * a 304).
 */
function track(cache: Cache): void {
  const open = new Set<Promise<unknown>>();
  inFlight.set(cache, open);
  const hold = <P extends Promise<unknown>>(promise: P): P => {
    open.add(promise);
    const release = () => void open.delete(promise);
    promise.then(release, release);
    return promise;
  };
  const fetch = cache.fetch.bind(cache);
  // A revalidation's fetcher run is awaited by the engine before anything else awaits it, so its
  // answer is stored by the time a waiter sees the run settle.
  const tracked = <T>(fetcher: Fetcher<T>): Fetcher<T> => (context) => hold(Promise.resolve(fetcher(context)));
  cache.fetch = <T>(key: string, fetcher: Fetcher<T>, options?: FetchOptions) =>
    hold(fetch(key, typeof fetcher === "function" ? tracked(fetcher) : fetcher, options));
}

// React's `act` (18.3 and later) applies the renders that settled fetches cause before the wait
// resolves; without it, Testing Library's `findBy…` queries still wait for them.
const act: (scope: () => Promise<void>) => Promise<void> =
  (React as unknown as { act?: (scope: () => Promise<void>) => Promise<void> }).act ?? ((scope) => scope());

/**
 * Resolves once no fetch started through `cache` is in flight (nor any it caused while rendering
 * the answers, inside React's `act`): every fetcher's answer, or error, is in the cache. A
 * background revalidation waiting between two `retry` attempts is not in flight. `cache` must be
 * one of {@link createTestProvider}'s; another rejects with `INVALID_OPTIONS`.
 */
export async function waitForFetches(cache: Cache): Promise<void> {
  const open = inFlight.get(cache);
  if (!open) throw new CacheError("INVALID_OPTIONS", "waitForFetches takes a cache made by createTestProvider");
  while (open.size > 0) await act(async () => void (await Promise.allSettled([...open])));
}

/**
 * Closes every cache {@link createTestProvider} made and not yet cleaned up: call it in
 * `afterEach`, after Testing Library's `cleanup` (which unmounts what still uses them).
 */
export function cleanup(): void {
  for (const cache of inFlight.keys()) cache.close();
  inFlight.clear();
}
