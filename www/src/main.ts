import { CacheError, createCache, type Target, type Tier } from "cachebus";

const $ = <T extends Element>(selector: string) => document.querySelector<T>(selector)!;
const setForm = $<HTMLFormElement>("#set-form");
const targetForm = $<HTMLFormElement>("#invalidate-form");
const targetResult = $<HTMLSpanElement>("[data-testid=target-result]");
const errorLine = $<HTMLParagraphElement>("[data-testid=error]");
const rows = $<HTMLTableSectionElement>("[data-testid=entries]");
const statsLine = $<HTMLParagraphElement>("[data-testid=stats]");

/** Keys this page has written, kept across reloads so the table can show what survived. */
const KEYS = "cachebus-demo:keys";
const keys = new Set<string>(JSON.parse(sessionStorage.getItem(KEYS) ?? "[]"));
const remember = () => sessionStorage.setItem(KEYS, JSON.stringify([...keys]));

const cache = await createCache({ namespace: "demo", user: "u_42" });
$("[data-testid=scope]").textContent = `namespace "${cache.namespace}", user "${cache.user}" · wasm ready`;
// For poking at from DevTools (and for the browser tests).
Object.assign(window, { cachebus: { createCache, CacheError, cache } });

setForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const data = new FormData(setForm);
  const key = String(data.get("key"));
  const stale = String(data.get("stale")).trim();
  attempt(() => {
    cache.set(key, parseValue(String(data.get("value"))), {
      tier: String(data.get("tier")) as Tier,
      ttlMs: Number(data.get("ttl")),
      staleMs: stale === "" ? undefined : Number(stale),
    });
    keys.add(key);
    remember();
  });
});

targetForm.addEventListener("submit", (event) => {
  event.preventDefault();
  attempt(() => (targetResult.textContent = `${cache.invalidate(target())} marked stale`));
});

$("[data-testid=remove]").addEventListener("click", () => {
  attempt(async () => (targetResult.textContent = `${await cache.remove(target())} removed`));
});

/** The target typed in: a pattern when it holds `*`, else a prefix. */
function target(): Target {
  const text = String(new FormData(targetForm).get("target"));
  return text.includes("*") ? { pattern: text } : { prefix: text };
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function attempt(action: () => unknown) {
  try {
    await action();
    showError(undefined);
  } catch (error) {
    showError(error);
  }
}

function showError(error: unknown) {
  errorLine.hidden = error === undefined;
  errorLine.textContent =
    error instanceof CacheError ? `${error.name} ${error.code}: ${error.message}` : String(error ?? "");
}

function render() {
  if (keys.size > 0) rows.replaceChildren(...[...keys].map(row));
  const s = cache.stats();
  statsLine.textContent =
    `stats: ${s.hits} hits · ${s.staleHits} stale hits · ${s.misses} misses · ${s.evictions} evictions · ` +
    `entries memory ${s.tiers.memory.entries}, local ${s.tiers.local.entries}, idb ${s.tiers.idb.entries}`;
  requestAnimationFrame(render);
}

function row(key: string): HTMLTableRowElement {
  const info = cache.peek(key);
  const value = cache.get(key);
  const tr = document.createElement("tr");
  tr.dataset.key = key;
  tr.innerHTML = `<td></td><td class="tier"></td><td class="value"></td><td class="state"></td><td><div class="bar"><span></span></div></td>`;
  const [keyCell, tierCell, valueCell, stateCell, barCell] = tr.children as unknown as HTMLElement[];
  keyCell.textContent = key;
  tierCell.textContent = info?.tier ?? "";
  const unloaded = info !== undefined && value === undefined;
  valueCell.textContent = unloaded ? "(in IndexedDB: read() loads it)" : JSON.stringify(value) ?? "undefined";
  const state = info === undefined ? "expired" : unloaded ? "unloaded" : info.state;
  stateCell.textContent = state === "expired" ? "expired or removed" : state;
  stateCell.classList.add(state);
  const share =
    info?.expiresAt == null ? (info ? 1 : 0) : Math.max(0, info.expiresAt - Date.now()) / (info.expiresAt - info.updatedAt || 1);
  (barCell.querySelector("span") as HTMLElement).style.width = `${Math.round(share * 100)}%`;
  return tr;
}

requestAnimationFrame(render);
