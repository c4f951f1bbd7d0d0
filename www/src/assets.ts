import { createElement as h, useEffect, useState } from "react";
import { httpJson, type Cache } from "cachebus";
import { CacheProvider, useCache, useCached } from "cachebus/react";
import { useServerStats } from "./server-stats.js";
import { ChatCard, postJson } from "./chat.js";
import { Devtools, mountDemo } from "./shell.js";
import "./assets.css";

/** The shop whose assets this page manages. */
const SHOP = "shop1";

type AssetType = "font" | "color" | "image";
/** What an assets list shows: one type, or every asset. */
type AssetFilter = AssetType | "all";

interface Asset {
  id: string;
  type: AssetType;
  name: string;
  /** Font families, hex colours, or image file names. */
  values: string[];
}

/** What the assistant did, as its server reports it. */
interface ChatAction {
  type: "CREATE_FONT_GROUP" | "CREATE_COLOR_PALETTE" | "DELETE_ASSET";
  asset: Asset;
}

interface ChatAnswer {
  reply: string;
  actions: ChatAction[];
}

/** `detail` of the `ai-asset-created` and `ai-asset-deleted` events. */
interface AssetEventDetail {
  shop: string;
  type: AssetType;
  name: string;
  action: ChatAction["type"];
}

const FILTERS: { filter: AssetFilter; label: string }[] = [
  { filter: "all", label: "All" },
  { filter: "font", label: "Fonts" },
  { filter: "color", label: "Colours" },
  { filter: "image", label: "Images" },
];

/** The app event each assistant action is announced as (the names the seed's AIChat dispatched). */
const EVENT_OF_ACTION: Record<ChatAction["type"], string> = {
  CREATE_FONT_GROUP: "ai-asset-created",
  CREATE_COLOR_PALETTE: "ai-asset-created",
  DELETE_ASSET: "ai-asset-deleted",
};

/**
 * Lists are kept in localStorage for the seed's 10 minutes: a long lifetime is safe because every
 * change made through the app invalidates them at once (see `AssetRules`).
 */
const LIST_OPTIONS = { tier: "local", ttlMs: 10 * 60_000 } as const;

/** The cache key of one of the shop's asset lists, e.g. `assets:shop1:font`. */
const listKey = (shop: string, filter: AssetFilter) => `assets:${shop}:${filter}`;

/** The shop's assets of `filter`, through the cache (shared by every component that shows them). */
function useAssets(filter: AssetFilter) {
  return useCached<Asset[]>(listKey(SHOP, filter), httpJson(`/api/assets/list?shop=${SHOP}&type=${filter}`), LIST_OPTIONS);
}

function App() {
  return h(
    CacheProvider,
    { namespace: "seed-assets", fallback: h("p", { "data-testid": "loading" }, "loading…") },
    h(AssetRules),
    h(AssetsCard),
    h(FontPicker),
    h(AssistantChat),
    h(AssetActivity),
    h(ServerCounter),
    h(Devtools),
  );
}

/**
 * One rule replaces the seed's hand-written listeners: any `ai-asset-*` event, in this tab or
 * another, marks every cached list of its shop stale, and the lists on screen refetch.
 */
function AssetRules() {
  const cache = useCache();
  useEffect(() => cache.rules({ "ai-asset-*": (detail: AssetEventDetail) => ({ pattern: `assets:${detail.shop}:*` }) }), [cache]);
  return null;
}

/** The Assets page: the shop's assets, filtered by type. */
function AssetsCard() {
  const [filter, setFilter] = useState<AssetFilter>("all");
  const { data, isStale, isFetching, error } = useAssets(filter);
  return h(
    "section",
    { className: "card" },
    h("h2", null, `Assets · ${SHOP}`),
    h(
      "div",
      { className: "asset-tabs", role: "tablist" },
      ...FILTERS.map(({ filter: value, label }) =>
        h(
          "button",
          { key: value, type: "button", role: "tab", "aria-selected": value === filter, "data-testid": `filter-${value}`, disabled: value === filter, onClick: () => setFilter(value) },
          label,
        ),
      ),
    ),
    h("ul", { className: "asset-list", "data-testid": "asset-list" }, ...(data ?? []).map((asset) => h(AssetRow, { key: asset.id, asset }))),
    h(
      "p",
      { className: "muted", "data-testid": "list-state" },
      error ? `error: ${String(error)}` : data === undefined ? "loading…" : isStale || isFetching ? "refreshing…" : `${data.length} ${data.length === 1 ? "asset" : "assets"}, up to date`,
    ),
  );
}

/** One asset: its name, its type, and a preview of its fonts, colours or file. */
function AssetRow({ asset }: { asset: Asset }) {
  return h(
    "li",
    { "data-testid": "asset", "data-type": asset.type },
    h("span", { className: "asset-name" }, asset.name),
    h("span", { className: "asset-type" }, asset.type),
    h(
      "span",
      { className: "asset-preview" },
      ...asset.values.map((value) =>
        asset.type === "color"
          ? h("span", { key: value, className: "swatch", title: value, style: { background: value } })
          : h("span", { key: value, style: asset.type === "font" ? { fontFamily: value } : undefined }, value),
      ),
    ),
  );
}

/** Another view of the same data: the product editor's font picker, on its own cache key. */
function FontPicker() {
  const { data } = useAssets("font");
  return h(
    "section",
    { className: "card" },
    h("h2", null, "Font picker (product editor)"),
    h(
      "ul",
      { className: "font-picker", "data-testid": "font-picker" },
      ...(data ?? []).map((group) => h("li", { key: group.id, style: { fontFamily: group.values.join(", ") } }, group.name)),
    ),
  );
}

/** The AI chat: asks the shop's assistant, then announces what it changed. */
function AssistantChat() {
  const cache = useCache();
  return h(ChatCard<ChatAnswer>, {
    title: "AI chat",
    greeting: 'Try "create a font group Inter", "create a colour palette Sunset" or "delete asset Sunset".',
    placeholder: "create a font group Inter",
    ask: (message) => postJson<ChatAnswer>("/api/assets/chat", { shop: SHOP, message }),
    onAnswer: (answer) => {
      announce(cache, answer.actions);
      return undefined;
    },
  });
}

/**
 * Emits `ai-asset-created` / `ai-asset-deleted` for each action: a plain `window` event here and
 * in the shop's other tabs, where the rule in `AssetRules` refreshes the lists.
 */
function announce(cache: Cache, actions: ChatAction[]): void {
  for (const { type, asset } of actions) {
    const detail: AssetEventDetail = { shop: SHOP, type: asset.type, name: asset.name, action: type };
    cache.emit(EVENT_OF_ACTION[type], detail);
  }
}

/** Code that knows nothing of cachebus still hears the events, with `window.addEventListener`. */
function AssetActivity() {
  const [heard, setHeard] = useState<{ id: number; text: string }[]>([]);
  useEffect(() => {
    const note = (event: Event) => {
      const { action, name } = (event as CustomEvent<AssetEventDetail>).detail;
      setHeard((list) => [{ id: (list[0]?.id ?? 0) + 1, text: `${event.type}: ${action} ${name}` }, ...list].slice(0, 5));
    };
    const names = [...new Set(Object.values(EVENT_OF_ACTION))];
    for (const name of names) window.addEventListener(name, note);
    return () => names.forEach((name) => window.removeEventListener(name, note));
  }, []);
  return h(
    "section",
    { className: "card" },
    h("h2", null, "Heard on window"),
    heard.length === 0
      ? h("p", { className: "muted" }, "no asset events yet")
      : h("ul", { className: "counter", "data-testid": "activity" }, ...heard.map(({ id, text }) => h("li", { key: id }, text))),
  );
}

/** Requests per status of one list route, as `/api/assets/stats` reports them. */
type StatusCounts = Record<string, number>;

/** How many list requests of each type reached the server, and how many were 304s. */
function ServerCounter() {
  const counts = useServerStats<Record<string, StatusCounts>>("/api/assets/stats").stats ?? {};
  return h(
    "section",
    { className: "card" },
    h("h2", null, "Server: list requests served"),
    h(
      "ul",
      { className: "counter" },
      ...FILTERS.map(({ filter }) => h("li", { key: filter, "data-testid": `requests-${filter}` }, describeCounts(filter, counts[filter] ?? {}))),
    ),
  );
}

/** `"font: 3 (200 × 2, 304 × 1)"`. */
function describeCounts(filter: AssetFilter, byStatus: StatusCounts): string {
  const total = Object.values(byStatus).reduce((sum, n) => sum + n, 0);
  const parts = Object.entries(byStatus).map(([status, n]) => `${status} × ${n}`);
  return `${filter}: ${total}${parts.length ? ` (${parts.join(", ")})` : ""}`;
}

mountDemo(
  "assets",
  "Assets + AI chat",
  "Seed 000: the AI chat created font groups, yet the Assets page kept its old list. Here each list " +
    "is cached for 10 minutes under assets:shop1:<type>; after the chat's answer the page emits " +
    "ai-asset-created or ai-asset-deleted, one rule marks assets:shop1:* stale in this tab and every " +
    "other, and the lists on screen refetch at once (with ETags: unchanged lists cost a 304). Hidden " +
    "lists refetch when shown; returning to the tab revalidates what is on screen.",
  h(App),
);
