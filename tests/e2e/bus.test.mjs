// The event bus in real Chromium: app events on window, handlers, rules and the fallback, and two
// tabs of one origin talking through the namespace's BroadcastChannel.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createApi } from "./api.mjs";
import { openCachePage, startPackageServer, useBrowser } from "./harness.mjs";

const api = createApi();
const env = useBrowser(() => startPackageServer({ api }));

/** A page in `context` with `window.cache` (namespace `ns`, `user`), recording `window.changes` and `window.errors`. */
function tab(context, ns, user = "alice") {
  const record = () => {
    window.changes = [];
    window.errors = [];
    addEventListener("cachebus:change", (e) => changes.push(`${e.detail.origin} ${e.detail.kind} ${e.detail.keys.sort()}`));
    addEventListener("cachebus:error", (e) => errors.push(`${e.detail.code} ${e.detail.event}`));
    window.settle = () => new Promise((resolve) => setTimeout(resolve, 30));
  };
  return openCachePage(context, env.server.url, { namespace: ns, user }, record);
}

test("emit dispatches a real CustomEvent; on handlers run, are isolated and removable", async () => {
  const context = await env.browser.newContext();
  const { page, problems } = await tab(context, "emit");
  const result = await page.evaluate(async () => {
    const seen = [];
    addEventListener("ai-asset-created", (e) => seen.push(`plain ${e.detail.type}`));
    cache.on("ai-asset-created", () => {
      throw new Error("handler bug");
    });
    const off = cache.on("ai-asset-created", (e) => seen.push(`on ${e.detail.type} ${e instanceof CustomEvent}`));
    cache.emit("ai-asset-created", { type: "font" });
    off();
    cache.emit("ai-asset-created", { type: "palette" });
    cache.on("cachebus:change", (e) => seen.push(`change ${e.detail.kind}`));
    cache.set("k", 1);
    await settle();
    return { seen, errors };
  });
  assert.deepEqual(result.seen, ["plain font", "on font true", "plain palette", "change set"]);
  assert.deepEqual(result.errors, ["HANDLER_ERROR ai-asset-created", "HANDLER_ERROR ai-asset-created"]);
  assert.deepEqual(problems, []);
  await context.close();
});

test("rules return their remover: it takes back exactly those rules and their fallback", async () => {
  const context = await env.browser.newContext();
  const { page } = await tab(context, "rules-remove");
  const result = await page.evaluate(async () => {
    const keys = ["clients:list", "clients:v2", "sessions:list"];
    const reset = () => keys.forEach((key) => cache.set(key, 1));
    const stale = () => keys.filter((key) => cache.peek(key).state === "stale");
    const emitted = (name) => {
      reset();
      cache.emit(name);
      return stale();
    };
    cache.rules({ "action:create_client": { key: "clients:list" } }, { fallback: { key: "sessions:list" } });
    const remove = cache.rules({ "action:create_client": { key: "clients:v2" } }, { fallback: { key: "clients:v2" } });
    const layered = [emitted("action:create_client"), emitted("action:unknown")];
    remove();
    const afterRemove = [emitted("action:create_client"), emitted("action:unknown")];
    return { layered, afterRemove };
  });
  assert.deepEqual(result, {
    layered: [["clients:v2"], ["clients:v2"]], // the newer rules and fallback win
    afterRemove: [["clients:list"], ["sessions:list"]], // the older ones apply again
  });
  await context.close();
});

test("rules turn app events into invalidations; unknown actions of a declared family fall back", async () => {
  const context = await env.browser.newContext();
  const { page } = await tab(context, "rules");
  const result = await page.evaluate(async () => {
    for (const key of ["assets:shop1:fonts", "assets:shop2:fonts", "clients:list", "sessions:list", "invoices:list", "balance", "ui"]) {
      cache.set(key, 1, key === "balance" ? { tags: ["balance"] } : {});
    }
    cache.rules(
      {
        "ai-asset-*": (d) => ({ pattern: `assets:${d.shop}:*` }),
        "action:create_client": { prefix: "clients:" },
        "token-balance-updated": { tags: ["balance"] },
        "broken-rule": () => {
          throw new Error("rule bug");
        },
      },
      { fallback: [{ prefix: "clients:" }, { prefix: "sessions:" }, { prefix: "invoices:" }] },
    );
    const states = () =>
      Object.fromEntries(
        ["assets:shop1:fonts", "assets:shop2:fonts", "clients:list", "sessions:list", "invoices:list", "balance", "ui"].map((k) => [k, cache.peek(k).state[0]]),
      );
    cache.emit("ai-asset-created", { shop: "shop1" });
    const afterAsset = states();
    cache.emit("token-balance-updated", { balance: 5 });
    cache.emit("ui:toggle");
    const afterBalance = states();
    cache.emit("action:delete_everything");
    cache.emit("broken-rule");
    await settle();
    return { afterAsset, afterBalance, afterFallback: states(), errors };
  });
  assert.deepEqual(result.afterAsset, {
    "assets:shop1:fonts": "s",
    "assets:shop2:fonts": "f",
    "clients:list": "f",
    "sessions:list": "f",
    "invoices:list": "f",
    balance: "f",
    ui: "f",
  });
  assert.equal(result.afterBalance.balance, "s");
  assert.equal(result.afterBalance.ui, "f", "no rule, no family: nothing");
  assert.deepEqual(
    [result.afterFallback["clients:list"], result.afterFallback["sessions:list"], result.afterFallback["invoices:list"]],
    ["s", "s", "s"],
  );
  assert.deepEqual(result.errors, ["RULE_ERROR broken-rule"]);
  await context.close();
});

test("an invalidation in one tab reaches the other (origin tab, no echo), which refetches the new value", async () => {
  const context = await env.browser.newContext();
  const a = await tab(context, "tabs");
  const b = await tab(context, "tabs");
  const fetchItem = () =>
    cache.fetch("item", cachebus.httpJson("/api/items/t1"), { tier: "local", staleMs: 60_000, dedupMs: 0 });
  await a.page.evaluate(fetchItem);
  await b.page.evaluate(async (fetchItem) => {
    await eval(fetchItem)();
    window.refetched = [];
    cache.subscribe("item", async () => {
      if (cache.peek("item")?.state === "stale") refetched.push(await eval(fetchItem)());
    });
  }, `(${fetchItem})`);
  api.bump("t1"); // the server's data changes; tab A learns of it and invalidates
  await a.page.evaluate(() => cache.invalidate("item"));
  await b.page.waitForFunction(() => window.refetched.length > 0);
  const inB = await b.page.evaluate(() => ({ changes, refetched, value: cache.get("item") }));
  const inA = await a.page.evaluate(async () => (await settle(), changes));
  assert.deepEqual(inB.refetched, [{ id: "t1", version: 2 }]);
  assert.deepEqual(inB.value, { id: "t1", version: 2 });
  assert.ok(inB.changes.includes("tab invalidate item"), inB.changes.join(" | "));
  // No echo back to the sender; b's refetch, started after a's invalidation, holds newer data
  // than a's stale copy: a takes it from the shared storage (and need not fetch it itself).
  assert.ok(!inA.some((c) => c.startsWith("tab invalidate")), `no echo back to the sender: ${inA.join(" | ")}`);
  assert.deepEqual(inA.filter((c) => c.startsWith("tab ")), ["tab set item"]);
  const aHolds = await a.page.evaluate(() => [cache.get("item"), cache.peek("item").state]);
  assert.deepEqual(aHolds, [{ id: "t1", version: 2 }, "fresh"]);
  assert.deepEqual([...a.problems, ...b.problems], []);
  await context.close();
});

test("a local entry written in one tab replaces the other tabs' older copy; memory entries and other users stay apart", async () => {
  const context = await env.browser.newContext();
  const a = await tab(context, "shared-writes");
  const b = await tab(context, "shared-writes");
  const bob = await tab(context, "shared-writes", "bob");
  await b.page.evaluate(() => {
    cache.set("balance", { tokens: 100 }, { tier: "local", tags: ["balance"] });
    window.heard = 0;
    cache.subscribe("balance", () => heard++);
  });
  await a.page.evaluate(async () => {
    await new Promise((resolve) => setTimeout(resolve, 5)); // a later write than b's
    cache.set("balance", { tokens: 90 }, { tier: "local", tags: ["balance"] });
    cache.set("draft", "only in a's memory");
    await settle();
    cache.invalidate("balance"); // rewrites the entry's metadata: not a newer write
  });
  await b.page.waitForFunction(() => cache.get("balance")?.tokens === 90);
  const inB = await b.page.evaluate(async () => {
    await settle();
    return { balance: cache.get("balance"), state: cache.peek("balance").state, draft: cache.get("draft") ?? "none", changes, heard };
  });
  assert.deepEqual(inB, {
    balance: { tokens: 90 },
    state: "stale",
    draft: "none",
    changes: ["local set balance", "tab set balance", "tab invalidate balance"],
    heard: 3, // its own set (announced after subscribing), a's write, a's invalidation
  });
  const inA = await a.page.evaluate(async () => (await settle(), changes));
  // b's first write reached a too; a's own writes never come back to it
  assert.deepEqual(inA, ["tab set balance", "local set balance,draft", "local invalidate balance"]);
  assert.equal(await bob.page.evaluate(() => cache.get("balance") ?? "none"), "none");
  assert.deepEqual([...a.problems, ...b.problems, ...bob.problems], []);
  await context.close();
});

test("emitted events and logouts reach other tabs of the same user; other users' messages are ignored", async () => {
  const context = await env.browser.newContext();
  const a = await tab(context, "logout");
  const b = await tab(context, "logout");
  const bob = await tab(context, "logout", "bob");
  for (const t of [a, b, bob]) {
    await t.page.evaluate(() => {
      window.appEvents = [];
      addEventListener("token-balance-updated", (e) => appEvents.push(e.detail.balance));
      cache.rules({ "token-balance-updated": { tags: ["balance"] } });
      cache.set("balance", `${cache.user}'s`, { tags: ["balance"] });
      cache.set("profile", `${cache.user}'s`);
    });
  }
  await a.page.evaluate(() => cache.emit("token-balance-updated", { balance: 42 }));
  await b.page.waitForFunction(() => window.appEvents.length > 0);
  const afterEmit = await b.page.evaluate(() => ({ appEvents, state: cache.peek("balance").state }));
  assert.deepEqual(afterEmit, { appEvents: [42], state: "stale" });
  await a.page.evaluate(() => cache.clearUser()); // alice logs out in tab A
  await b.page.waitForFunction(() => cache.get("profile") === undefined);
  const inBob = await bob.page.evaluate(async () => (await settle(), { appEvents, profile: cache.get("profile"), balance: cache.peek("balance").state }));
  assert.deepEqual(inBob, { appEvents: [], profile: "bob's", balance: "fresh" });
  const inB = await b.page.evaluate(() => changes);
  assert.ok(inB.includes("tab clear balance,profile"), inB.join(" | "));
  await context.close();
});

test("malformed, foreign-version and oversized messages are ignored and counted, never applied", async () => {
  const context = await env.browser.newContext();
  const b = await tab(context, "garbage");
  const sender = await tab(context, "garbage");
  await b.page.evaluate(() => cache.set("k", "kept"));
  await sender.page.evaluate(() => {
    const channel = new BroadcastChannel("cachebus:garbage");
    const good = { cb: 1, kind: "remove", user: "alice", target: "k" };
    for (const bad of [
      "not an object",
      null,
      42,
      { ...good, cb: 2 },
      { ...good, kind: "drop-everything" },
      { ...good, target: { prefix: "" } },
      { ...good, user: 7 },
      { ...good, huge: "x".repeat(70_000) },
      { cb: 1, kind: "emit", user: "alice", name: "" },
    ]) {
      channel.postMessage(bad);
    }
    channel.close();
  });
  await b.page.waitForFunction(() => cache.stats().rejectedMessages === 9);
  const result = await b.page.evaluate(async () => (await settle(), { value: cache.get("k"), rejected: cache.stats().rejectedMessages }));
  assert.deepEqual(result, { value: "kept", rejected: 9 });
  assert.deepEqual(b.problems, []);
  await context.close();
});
