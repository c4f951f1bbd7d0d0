// The studio-CRM seed page (seed 001): an AI assistant creates clients, sessions, invoices, rooms,
// equipment and projects through one chat endpoint, and the lists must show its changes at once.
// Each answer names its action; the page emits it as `action:<name>`, and cachebus rules turn
// each action into the one list it changed, with a fallback refreshing every list for an action
// the page does not know yet.
import { createElement as h, useEffect, useRef, useState } from "react";
import { httpJson, type FetchOptions, type Target } from "cachebus";
import { CacheProvider, useCache, useCached } from "cachebus/react";
import { useServerStats } from "./server-stats.js";
import { ChatCard, postJson } from "./chat.js";
import { Devtools, mountDemo } from "./shell.js";
import "./crm.css";

/** The studio's lists: API route and key prefix, title, and the assistant's action creating one item. */
const LISTS = [
  { id: "clients", title: "Clients", action: "create_client" },
  { id: "sessions", title: "Sessions", action: "create_session" },
  { id: "invoices", title: "Invoices", action: "create_invoice" },
  { id: "rooms", title: "Rooms", action: "create_room" },
  { id: "equipment", title: "Equipment", action: "create_equipment" },
  { id: "projects", title: "Projects", action: "create_project" },
] as const;

type List = (typeof LISTS)[number];
type ListId = List["id"];

/** One row of a list, as the server labels it. */
interface Item {
  id: number;
  label: string;
}

/** The assistant's answer: what to say, and what it did (`null`: nothing changed). */
interface Answer {
  reply: string;
  action: string | null;
}

/** GET requests the server answered for one list: in all, and by status ("200", "304"). */
interface ListRequests {
  requests: number;
  statuses: Record<string, number>;
}

type ServerCounts = Record<ListId, ListRequests>;

/** The cache key of a list; its prefix (`clients:`) is what rules target. */
const listKey = (list: ListId) => `${list}:list`;

/** The seed's switch from action to `utils.<list>.list.invalidate()`, as data: one list per action. */
const ACTION_RULES: Record<string, Target> = Object.fromEntries(
  LISTS.map(({ id, action }) => [`action:${action}`, { prefix: `${id}:` }]),
);

/** The seed's "conservative fallback", for an `action:` no rule names: every list. */
const EVERY_LIST: Target[] = LISTS.map(({ id }) => ({ prefix: `${id}:` }));

/**
 * Lists stay in memory for five minutes and are fresh until an action invalidates them. No focus
 * revalidation: the requests card then counts exactly what the assistant's actions cost.
 */
const LIST_OPTIONS: FetchOptions = { ttlMs: 5 * 60_000, tags: ["crm"], revalidateOnFocus: false };

/** Commands a person can put in the chat box with one click. */
const EXAMPLES = [
  "Crée un nouveau client avec email cache-test@example.com et nom Cache Test",
  "create session Mixing",
  "create invoice 120",
  "create equipment Neumann U87",
  "archive old sessions",
];

/** How long a row whose count just rose stays highlighted. */
const HIGHLIGHT_MS = 1_500;

function App() {
  return h(
    CacheProvider,
    { namespace: "seed-crm", fallback: h("p", { "data-testid": "loading" }, "loading…") },
    h(AssistantCard),
    h("div", { className: "crm-lists" }, ...LISTS.map((list) => h(ListCard, { key: list.id, list }))),
    h(RequestsCard),
    h(Devtools),
  );
}

/**
 * The chat: sends what the person types to the assistant (the seed's `ai.chat` mutation), shows
 * the answer, and emits its action, which the rules registered here turn into invalidations
 * (other tabs of the namespace receive the event too).
 */
function AssistantCard() {
  const cache = useCache();
  useEffect(() => cache.rules(ACTION_RULES, { fallback: EVERY_LIST }), [cache]);
  return h(ChatCard<Answer>, {
    title: "Studio assistant",
    greeting: "Hi! Ask me to create a client, a session, an invoice, a room, equipment or a project.",
    placeholder: "create client test@example.com",
    examples: EXAMPLES,
    ask: (message) => postJson<Answer>("/api/crm/chat", { message }),
    onAnswer: (answer) => {
      if (!answer.action) return undefined;
      cache.emit(`action:${answer.action}`, answer);
      return `emit("action:${answer.action}")`;
    },
  });
}

/** One list through the cache; it refetches when a rule (or the fallback) invalidates it. */
function ListCard({ list }: { list: List }) {
  const { data, isStale, isFetching, error } = useCached<Item[]>(listKey(list.id), httpJson(`/api/crm/${list.id}`), LIST_OPTIONS);
  const state = error ? `error: ${String(error)}` : isStale || isFetching ? "refreshing…" : "up to date";
  return h(
    "section",
    { className: "card", "data-testid": `list-${list.id}` },
    h("h2", null, list.title, h("span", { className: "muted" }, data ? ` · ${data.length}` : "")),
    h("ul", null, ...(data ?? []).map((item) => h("li", { key: item.id }, item.label))),
    h("p", { className: "muted" }, state),
  );
}

/** The lists whose request count rose at the last change of `counts`, for `HIGHLIGHT_MS`. */
function useJustRefetched(counts: ServerCounts | undefined): Set<ListId> {
  const previous = useRef(counts);
  const [risen, setRisen] = useState<Set<ListId>>(() => new Set());
  useEffect(() => {
    const before = previous.current;
    previous.current = counts;
    if (!before || !counts) return;
    setRisen(new Set(LISTS.map(({ id }) => id).filter((id) => counts[id].requests > before[id].requests)));
    const timer = setTimeout(() => setRisen(new Set()), HIGHLIGHT_MS);
    return () => clearTimeout(timer);
  }, [counts]);
  return risen;
}

/** What each action refreshes, and the list requests the server answered (a 304 cost no body). */
function RequestsCard() {
  const counts = useServerStats<ServerCounts>("/api/crm/stats").stats;
  const risen = useJustRefetched(counts);
  const cell = (id: ListId, status: string) => h("td", { className: "value" }, counts?.[id].statuses[status] ?? 0);
  return h(
    "section",
    { className: "card" },
    h("h2", null, "Rules and list requests served"),
    h(
      "table",
      { className: "crm-requests" },
      h("thead", null, h("tr", null, h("th", null, "event"), h("th", null, "refreshes"), h("th", null, "GET"), h("th", null, "200"), h("th", null, "304"))),
      h(
        "tbody",
        null,
        ...LISTS.map(({ id, action }) =>
          h(
            "tr",
            { key: id, className: risen.has(id) ? "risen" : undefined },
            h("td", { className: "value" }, `action:${action}`),
            h("td", { className: "value" }, `${id}:*`),
            h("td", { className: "value", "data-testid": `requests-${id}` }, counts?.[id].requests ?? "…"),
            cell(id, "200"),
            cell(id, "304"),
          ),
        ),
        h("tr", { key: "fallback" }, h("td", { className: "value" }, "any other action:*"), h("td", { className: "value", colSpan: 4 }, "every list (fallback)")),
      ),
    ),
  );
}

mountDemo(
  "crm",
  "Studio CRM assistant",
  "Seed 001: the studio's AI assistant creates clients, sessions, invoices, rooms, equipment and projects " +
    "through one chat endpoint, and the lists did not update until a reload. Here the page emits each answer's " +
    "action as action:<name>; one rule per action refreshes exactly the list it changed, and an action the page " +
    'has no rule for (try "archive old sessions") falls back to refreshing every list. The table counts the list ' +
    "requests the server answered: one row moves per action.",
  h(App),
);
