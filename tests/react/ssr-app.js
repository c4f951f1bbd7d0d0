// The tree the SSR test renders twice: with react-dom/server's renderToString under Node, then
// hydrated in Chromium over that HTML (tests/e2e/react.test.mjs). Plain createElement: Node runs
// this file as is.
import { createElement as h } from "react";
import { CacheProvider, useCached, useCacheEvent, useMutation } from "cachebus/react";

/** What the fetchers were asked, and when: the server must ask nothing. */
export const calls = [];

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function Balance() {
  const { data, status, isLoading } = useCached("balance", async () => {
    calls.push("balance");
    await pause(30);
    return { tokens: 100 };
  });
  return h("p", { id: "balance" }, `balance ${status}${isLoading ? " (loading)" : ""}: ${data ? data.tokens : "…"}`);
}

function Greeting() {
  // Server-fetched data: in the HTML, then seeded into the cache once it is ready.
  const { data, status } = useCached(
    "greeting",
    async () => {
      calls.push("greeting");
      return "hello from the client";
    },
    { initialData: "hello from the server", staleMs: 60_000 },
  );
  return h("p", { id: "greeting" }, `greeting ${status}: ${data}`);
}

function Title() {
  const { status, mutate } = useMutation("title");
  useCacheEvent("cachebus:change", () => {});
  return h("button", { id: "title", type: "button", onClick: () => mutate("saved") }, `title ${status}`);
}

/** The app: a provider with no `fallback`, so its children render on the server. */
export function SsrApp({ user }) {
  return h("main", null, h(CacheProvider, { namespace: "hooks-ssr", user }, h(Balance), h(Greeting), h(Title)));
}
