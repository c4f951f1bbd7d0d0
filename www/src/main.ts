import { CacheError, createCache, type Cache } from "cachebus";

/** What the page remembers of its own writes, only to draw the countdown bar. */
interface Written {
  key: string;
  ttlMs: number;
  writtenAt: number;
}

const $ = <T extends Element>(selector: string) => document.querySelector<T>(selector)!;
const form = $<HTMLFormElement>("#set-form");
const errorLine = $<HTMLParagraphElement>("[data-testid=error]");
const rows = $<HTMLTableSectionElement>("[data-testid=entries]");
const written = new Map<string, Written>();

const cache = await createCache({ namespace: "demo", user: "u_42" });
$("[data-testid=scope]").textContent = `namespace "${cache.namespace}", user "${cache.user}" · wasm ready`;
// For poking at from DevTools (and for the browser tests).
Object.assign(window, { cachebus: { createCache, CacheError, cache } });

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const key = String(data.get("key"));
  const ttlMs = Number(data.get("ttl"));
  try {
    cache.set(key, parseValue(String(data.get("value"))), { ttlMs });
    written.set(key, { key, ttlMs, writtenAt: performance.now() });
    showError(undefined);
  } catch (error) {
    showError(error);
  }
});

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function showError(error: unknown) {
  errorLine.hidden = error === undefined;
  errorLine.textContent =
    error instanceof CacheError ? `${error.name} ${error.code}: ${error.message}` : String(error ?? "");
}

function render() {
  if (written.size > 0) rows.replaceChildren(...[...written.values()].map(row));
  requestAnimationFrame(render);
}

function row(entry: Written): HTMLTableRowElement {
  const value = cache.get(entry.key);
  const live = value !== undefined;
  const left = Math.max(0, entry.ttlMs - (performance.now() - entry.writtenAt));
  const tr = document.createElement("tr");
  tr.dataset.key = entry.key;
  tr.innerHTML = `<td></td><td class="value"></td><td class="state"></td><td><div class="bar"><span></span></div></td>`;
  const [keyCell, valueCell, stateCell, barCell] = tr.children as unknown as HTMLElement[];
  keyCell.textContent = entry.key;
  valueCell.textContent = live ? JSON.stringify(value) : "undefined";
  stateCell.textContent = live ? "live" : "expired";
  stateCell.classList.add(live ? "live" : "expired");
  const share = Number.isFinite(entry.ttlMs) && entry.ttlMs > 0 ? left / entry.ttlMs : live ? 1 : 0;
  (barCell.querySelector("span") as HTMLElement).style.width = `${Math.round(share * 100)}%`;
  return tr;
}

requestAnimationFrame(render);
