// The event map: an app lists its events' details once (module augmentation), and `emit`, `on`,
// `rules`, `useCacheEvent` and `useRules` check and type them; other names stay untyped.
import { createElement } from "react";
import { createCache, type CacheEvents, type RulesTable } from "cachebus";
import { useCacheEvent, useRules } from "cachebus/react";

declare module "cachebus" {
  interface CacheEvents {
    "asset-added": { shop: string; type: "font" | "color" };
    "signed-out": undefined;
  }
}

export async function typedEvents() {
  const cache = await createCache({ namespace: "shop" });
  cache.emit("asset-added", { shop: "shop1", type: "font" });
  cache.emit("asset-added", { shop: "shop1", type: "color" }, { crossTab: false });
  cache.emit("signed-out"); // a detail that may be undefined may be left out
  cache.emit("anything-else", { free: "form" });
  cache.emit<{ count: number }>("counted", { count: 1 });
  const off = cache.on("asset-added", (event) => {
    const shop: string = event.detail.shop;
    void shop;
  });
  off();
  cache.on("cachebus:change", (event) => void event.detail.kind);
  cache.on<{ id: number }>("untyped", (event) => void event.detail.id);
  const table: RulesTable = {
    "asset-added": (detail) => ({ pattern: `assets:${detail.shop}:*` }),
    "action:*": { prefix: "lists:" },
    "signed-out": { all: true },
  };
  cache.rules(table)();
  const detail: CacheEvents["asset-added"]["type"] = "font";
  void detail;
}

export async function eventMistakes() {
  const cache = await createCache({ namespace: "shop" });
  // @ts-expect-error: asset-added's detail names its shop as a string
  cache.emit("asset-added", { shop: 1, type: "font" });
  // @ts-expect-error: asset-added needs its detail
  cache.emit("asset-added");
  // @ts-expect-error: the detail's type is "font" | "color"
  cache.on("asset-added", (event) => void (event.detail.type === "sound"));
  cache.rules({
    // @ts-expect-error: a rule of asset-added gets its detail type
    "asset-added": (detail) => ({ prefix: detail.owner }),
  });
}

export function Listener() {
  useCacheEvent("asset-added", (event) => {
    const type: "font" | "color" = event.detail.type;
    void type;
  });
  useCacheEvent<{ balance: number }>("token-balance-updated", (event) => void event.detail.balance);
  // @ts-expect-error: the handler gets asset-added's detail
  useCacheEvent("asset-added", (event) => void event.detail.missing);
  useRules({ "asset-added": (detail) => ({ prefix: `assets:${detail.shop}:` }) }, []);
  // @ts-expect-error: useRules takes its deps as an array
  useRules({ "asset-added": { all: true } }, "deps");
  return createElement("p", null, "listening");
}
