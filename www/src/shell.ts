// The frame every demo page shares: navigation between pages, a title and an introduction, and a
// two-column layout (the page's cards on the left, the package's cache devtools on the right).
import { createElement as h, type ReactElement } from "react";
import { createRoot } from "react-dom/client";
import { preload } from "cachebus";
import { CacheDevtools } from "cachebus/devtools";

// Every page makes a cache: the wasm starts loading with this module, not when the provider mounts.
preload();

/** The demo's pages, in navigation order: file name (without `.html`) and label. */
export const PAGES = [
  { id: "index", label: "Tiers playground" },
  { id: "assets", label: "Assets + AI chat (seed 000)" },
  { id: "crm", label: "CRM assistant (seed 001)" },
  { id: "posts", label: "Posts dashboard (seed 002)" },
  { id: "balance", label: "Token balance (seed 003)" },
  { id: "stores", label: "Store analytics (seed 004)" },
] as const;

/** A page's file name without `.html`. */
export type PageId = (typeof PAGES)[number]["id"];

/** Links to every page, the current one in bold. */
export function Nav({ current }: { current: PageId }) {
  return h(
    "nav",
    null,
    ...PAGES.flatMap(({ id, label }, i) => [
      i > 0 ? " · " : null,
      id === current ? h("strong", { key: id }, label) : h("a", { key: id, href: `./${id}.html` }, label),
    ]),
  );
}

/** The right column: `cachebus/devtools` of the page's cache, open; place it inside its `CacheProvider`. */
export function Devtools() {
  return h("aside", { className: "devtools" }, h(CacheDevtools, { position: "inline", initialIsOpen: true }));
}

/**
 * Renders a seed page into `#app`: navigation, `title`, `intro`, then `app` in the two-column
 * layout. `app` places a `<Devtools />` among its children (inside its `CacheProvider`).
 */
export function mountDemo(current: PageId, title: string, intro: string, app: ReactElement): void {
  createRoot(document.getElementById("app")!).render(
    h(
      "div",
      null,
      h(Nav, { current }),
      h("header", null, h("h1", null, title), h("p", { className: "tagline" }, intro)),
      h("main", { className: "demo" }, app),
    ),
  );
}
