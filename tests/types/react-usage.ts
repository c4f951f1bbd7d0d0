// Compiled with `tsc --noEmit` by the test command: the hooks' types accept correct use and refuse
// mistakes (each @ts-expect-error fails the build if its line stops erroring).
import { createElement } from "react";
import { httpJson, notModified, type Fetcher } from "cachebus";
import {
  CacheProvider,
  useCache,
  useCached,
  useCacheEvent,
  useCacheStats,
  useConnect,
  useInvalidate,
  useMutate,
  useMutation,
  useRules,
  useSuspenseCached,
  type Cached,
  type CachedStatus,
  type Mutation,
  type SuspenseCached,
} from "cachebus/react";

export function Balance() {
  const balance: Cached<{ tokens: number }> = useCached("balance", httpJson<{ tokens: number }>("/api/balance"), {
    tier: "local",
    ttlMs: 30_000,
    dedupMs: 1_000,
  });
  useCacheEvent<{ balance: number }>("token-balance-updated", (event) => void event.detail.balance);
  const invalidate = useInvalidate();
  const mutate = useMutate();
  const stats = useCacheStats();
  const cache = useCache();
  void [invalidate({ tags: ["balance"] }), mutate("balance", { tokens: 1 }), stats.hits, cache.user];
  // @ts-expect-error: ttl is spelt ttlMs
  useCached("x", async () => 1, { ttl: 5 });
  const tokens: number | undefined = balance.data?.tokens;
  return createElement("p", null, tokens, balance.isStale ? " (refreshing)" : "");
}

export const app = createElement(CacheProvider, { namespace: "shop", user: "u_42" }, createElement(Balance));

// A failure goes to onError and errorFallback (a node, or a function of the error) instead of a boundary.
export const handled = createElement(
  CacheProvider,
  {
    namespace: "shop",
    wasm: "/assets/cachebus_bg.wasm",
    onError: (error: unknown) => void error,
    errorFallback: (error: unknown) => createElement("p", null, String(error)),
  },
  createElement(Balance),
);
export const plainFallback = createElement(CacheProvider, { namespace: "shop", onError: () => {}, errorFallback: "unavailable" });

// @ts-expect-error: onError is a function
export const wrongHandler = createElement(CacheProvider, { namespace: "shop", onError: "log" });

// @ts-expect-error: a provider needs its namespace
export const missing = createElement(CacheProvider, { user: "u_42" });

// Issue 14's hooks: inference from a fetcher that takes its context, select, status, the
// Suspense hook, the mutation hook, and optional props that take `undefined` (this project is
// compiled with exactOptionalPropertyTypes).
interface Post {
  id: string;
  title: string;
}

export function Inference({ id, maybeUser }: { id: string | null; maybeUser: string | undefined }) {
  // The answer's type, from a fetcher that destructures its context (it was `unknown`).
  const post = useCached(`post:${id}`, async ({ signal }) => {
    void signal;
    return { id: "p1", title: "hello" } satisfies Post;
  });
  const title: string | undefined = post.data?.title;
  // notModified is not part of the data.
  const maybe = useCached("post", async ({ previous }) => (previous ? notModified : { id: "p1", title: "x" }));
  const same: Post | undefined = maybe.data;
  // Given T, the context's `previous` is typed too.
  const typed = useCached<Post>("post", async ({ previous }) => previous ?? { id: "p1", title: "x" });
  const fetcher: Fetcher<Post> = async () => ({ id: "p1", title: "x" });
  const selected = useCached("post", fetcher, { select: (p) => p.title.length, keepPreviousData: true });
  const length: number | undefined = selected.data;
  const inferredSelect = useCached("post", async () => ({ id: "p1", title: "x" }), { select: (p) => p.title });
  const text: string | undefined = inferredSelect.data;
  // A null key or enabled: false waits; initialData has the data's type.
  const waiting = useCached(id, fetcher, { enabled: id !== null, initialData: { id: "p0", title: "server" }, revalidateOnMount: true });
  const status: CachedStatus = waiting.status;
  const flags: boolean[] = [waiting.isLoading, waiting.isFetching, waiting.isPlaceholderData, waiting.isStale];
  const refreshed: Promise<{ data: Post; error: undefined }> = typed.refresh();
  // Optional options take undefined: a value the app may not have.
  useCached("post", fetcher, { tier: undefined, ttlMs: undefined, enabled: undefined, select: undefined });
  void [title, same, length, text, status, flags, refreshed];
  return createElement(
    CacheProvider,
    { namespace: "shop", user: maybeUser, fallback: undefined, onError: undefined, version: undefined },
    createElement(Suspended),
  );
}

function Suspended() {
  const { data, status }: SuspenseCached<Post> = useSuspenseCached("post", async () => ({ id: "p1", title: "x" }));
  const title: string = data.title; // never undefined
  const shown: "success" | "error" = status;
  const count = useSuspenseCached("post", async () => ({ id: "p1", title: "x" }), { select: (p) => p.title.length }).data;
  const n: number = count;
  void [title, shown, n];
  return null;
}

export function Editor() {
  const save: Mutation<Post> = useMutation<Post>("post", {
    commit: async (post) => ({ ...post, title: post.title.trim() }),
    rollbackOnError: true,
    tier: "local",
  });
  save.mutate({ id: "p1", title: "new" });
  save.mutate((previous) => ({ id: "p1", title: `${previous?.title ?? ""}!` }));
  const stored: Promise<Post> = save.mutateAsync({ id: "p1", title: "x" });
  const pending: boolean = save.isPending;
  const state: "idle" | "pending" | "error" | "success" = save.status;
  save.reset();
  useRules({ "post-saved": { prefix: "post" } }, [save.status], { fallback: undefined });
  useConnect(() => new EventSource("/events"), (data) => (data === "ping" ? undefined : { tags: ["posts"] }), []);
  void [stored, pending, state];
  return null;
}

export function hookMistakes() {
  // @ts-expect-error: `data` may be undefined in useCached
  const title: string = useCached("post", async () => ({ title: "x" })).data.title;
  // @ts-expect-error: the inferred data has no `body`
  void useCached("post", async ({ signal }) => ({ title: String(signal) })).data?.body;
  // @ts-expect-error: initialData has the data's type
  useCached("post", async () => ({ title: "x" }), { initialData: { name: "y" } });
  // @ts-expect-error: enabled is a boolean
  useCached("post", async () => 1, { enabled: "yes" });
  // @ts-expect-error: status is "pending" | "error" | "success"
  void (useCached("post", async () => 1).status === "loading");
  // @ts-expect-error: select takes the data's type
  useCached("post", async () => 1, { select: (text: string) => text });
  // @ts-expect-error: the Suspense hook needs a key
  useSuspenseCached(null, async () => 1);
  // @ts-expect-error: the Suspense hook has no enabled option
  useSuspenseCached("post", async () => 1, { enabled: false });
  // @ts-expect-error: a mutation of a Post takes a Post
  useMutation<Post>("post").mutate({ id: 1 });
  // @ts-expect-error: useConnect's map is a function
  useConnect(new EventTarget(), "map", []);
  void title;
}
