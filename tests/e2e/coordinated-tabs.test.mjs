// Coordinated tabs (`coordinateTabs: true`) in real Chromium: tabs of one context, a local API
// that counts its requests. Shared fetches: one tab runs its fetcher, the others take its answer;
// the rules that hold in one tab hold across tabs: an answer from before a change is not taken
// fresh, nothing crosses users, a tab that closes mid-fetch hands over, and without Web Locks each
// tab fetches alone. Warm start: a new tab starts with a live tab's memory entries.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startPackageServer, useBrowser, useWebSocketServer, waitUntil } from "./harness.mjs";

/** The API: `/api/balance?user=…&ms=…` answers `{ user, n }` after `ms` (n counts every request). */
const api = {
  requests: 0,
  handle(request, response) {
    const url = new URL(request.url, "http://x");
    if (url.pathname !== "/api/balance") return false;
    const n = ++api.requests;
    setTimeout(() => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ user: url.searchParams.get("user"), n }));
    }, Number(url.searchParams.get("ms") ?? 100));
    return true;
  },
};

const env = useBrowser(() => startPackageServer({ api }));
const ws = useWebSocketServer();

/**
 * A tab of `context` with `window.cache` (`coordinateTabs: true`, no focus throttle) for
 * `namespace` and `user`, `window.balance(ms)` (a fetcher of the API for the cache's user now) and
 * `window.sleep`. `withoutLocks`, `withoutChannel`: the page has no `navigator.locks`, no
 * `BroadcastChannel`.
 */
async function tab(context, namespace, user, { withoutLocks = false, withoutChannel = false, coordinateTabs = true } = {}) {
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(error.message));
  if (withoutLocks) await page.addInitScript(() => Object.defineProperty(Navigator.prototype, "locks", { get: () => undefined }));
  if (withoutChannel) await page.addInitScript(() => delete window.BroadcastChannel);
  await page.goto(env.server.url);
  await page.evaluate(async ({ namespace, user, coordinateTabs }) => {
    const cachebus = await import("/pkg/index.js");
    window.cache = await cachebus.createCache({ namespace, user, coordinateTabs, focusThrottleMs: 0 });
    window.sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    window.balance = (ms = 100) => {
      const owner = window.cache.user;
      return async () => (await fetch(`/api/balance?user=${owner}&ms=${ms}`)).json();
    };
  }, { namespace, user, coordinateTabs });
  return { page, problems };
}

test("three tabs fetching one key at once make one request: one runs its fetcher, the others take its answer", async () => {
  const context = await env.browser.newContext();
  const tabs = await Promise.all([1, 2, 3].map(() => tab(context, "shared-three", "alice")));
  api.requests = 0;
  const answers = await Promise.all(tabs.map(({ page }) => page.evaluate(() => cache.fetch("balance", balance(150)))));
  assert.equal(api.requests, 1, "one request for three tabs");
  assert.deepEqual(answers, [1, 2, 3].map(() => ({ user: "alice", n: 1 })));
  const stats = await Promise.all(tabs.map(({ page }) => page.evaluate(() => cache.stats().fetches)));
  assert.equal(stats.reduce((sum, s) => sum + s.started, 0), 1);
  assert.equal(stats.reduce((sum, s) => sum + s.shared, 0), 2, "the other two tabs count a shared answer");
  // Each tab holds the answer as its own fresh entry: a later call is served there.
  const held = await Promise.all(tabs.map(({ page }) => page.evaluate(() => [cache.get("balance")?.n, cache.peek("balance")?.state])));
  assert.deepEqual(held, [1, 2, 3].map(() => [1, "fresh"]));
  for (const { problems } of tabs) assert.deepEqual(problems, []);
  await context.close();
});

test("a focus revalidation across three tabs costs one request, and each tab's subscribers hear of the answer", async () => {
  const context = await env.browser.newContext();
  const tabs = await Promise.all([1, 2, 3].map(() => tab(context, "shared-focus", "alice")));
  api.requests = 0;
  for (const { page } of tabs) {
    await page.evaluate(async () => {
      window.heard = 0;
      cache.subscribe("balance", () => (window.heard += 1));
      await cache.fetch("balance", balance(50), { dedupMs: 100 });
    });
  }
  await tabs[0].page.waitForTimeout(150); // past the dedup window: focus refetches
  // The first tab's answer reached the others, which were served it: one request so far.
  assert.equal(api.requests, 1);
  await Promise.all(tabs.map(({ page }) => page.evaluate(() => window.dispatchEvent(new Event("focus")))));
  for (const { page } of tabs) await page.waitForFunction(() => cache.get("balance")?.n === 2, undefined, { timeout: 5_000 });
  await tabs[0].page.waitForTimeout(200); // a second request, if any, would have left by now
  assert.equal(api.requests, 2, "one request for the focus of three tabs");
  const heard = await Promise.all(tabs.map(({ page }) => page.evaluate(() => window.heard)));
  assert.ok(heard.every((n) => n >= 1), `every tab's subscriber heard of the new answer: ${heard}`);
  await context.close();
});

test("a change in one tab outdates the fetch another tab runs for both: only the answer fetched after it is stored and shared", async () => {
  const context = await env.browser.newContext();
  const [a, b] = await Promise.all([tab(context, "shared-change", "alice"), tab(context, "shared-change", "alice")]);
  api.requests = 0;
  const first = a.page.evaluate(() => cache.fetch("balance", balance(200)));
  const inB = await b.page.evaluate(async () => {
    await sleep(60); // a's request is under way
    cache.invalidate("balance");
    const answer = await cache.fetch("balance", balance(50));
    return { answer, fetches: cache.stats().fetches };
  });
  // a's first request left before b's change: a drops its answer and fetches again, for both.
  assert.deepEqual(await first, { user: "alice", n: 2 });
  assert.deepEqual(inB, { answer: { user: "alice", n: 2 }, fetches: { started: 0, joined: 0, served: 0, shared: 1 } });
  assert.equal(api.requests, 2);
  assert.deepEqual(await a.page.evaluate(() => cache.get("balance")), { user: "alice", n: 2 });
  await context.close();
});

test("nothing crosses users: tabs of two users each fetch for their own, and a switch mid-wait ends the call", async () => {
  const context = await env.browser.newContext();
  const [alice, bob] = await Promise.all([tab(context, "shared-users", "alice"), tab(context, "shared-users", "bob")]);
  api.requests = 0;
  const answers = await Promise.all([alice, bob].map(({ page }) => page.evaluate(() => cache.fetch("balance", balance(100)))));
  assert.equal(api.requests, 2, "one request per user");
  assert.deepEqual(answers.map((answer) => answer.user), ["alice", "bob"]);

  // A second alice tab waits for the first one's fetch, then switches to carol before the answer.
  const other = await tab(context, "shared-users", "alice");
  await alice.page.evaluate(() => cache.remove("balance"));
  await other.page.evaluate(() => cache.remove("balance"));
  const slow = alice.page.evaluate(() => cache.fetch("balance", balance(300)));
  const waited = other.page.evaluate(async () => {
    await sleep(50);
    const call = cache.fetch("balance", balance(50)).then(
      (answer) => ({ answer }),
      (error) => ({ code: error.code }),
    );
    await sleep(30);
    await cache.switchUser("carol");
    return call;
  });
  assert.deepEqual(await waited, { code: "SCOPE_CHANGED" }, "the waiting call was alice's");
  assert.equal((await slow).user, "alice");
  await other.page.waitForTimeout(100);
  assert.equal(await other.page.evaluate(() => cache.get("balance")), undefined, "carol holds nothing of alice's answer");
  await context.close();
});

test("when the tab fetching for the others closes mid-fetch, a waiting tab fetches for itself", async () => {
  const context = await env.browser.newContext();
  const [a, b] = await Promise.all([tab(context, "shared-close", "alice"), tab(context, "shared-close", "alice")]);
  api.requests = 0;
  void a.page.evaluate(() => cache.fetch("balance", balance(500))).catch(() => {});
  await b.page.waitForTimeout(100);
  const waiting = b.page.evaluate(() => cache.fetch("balance", balance(50)));
  await b.page.waitForTimeout(50);
  await a.page.close();
  assert.deepEqual(await waiting, { user: "alice", n: 2 }, "its own request, once the lock was let go");
  await context.close();
});

test("without Web Locks each tab fetches alone, and everything still works", async () => {
  const context = await env.browser.newContext();
  const tabs = await Promise.all([1, 2].map(() => tab(context, "shared-nolocks", "alice", { withoutLocks: true })));
  api.requests = 0;
  const answers = await Promise.all(tabs.map(({ page }) => page.evaluate(() => cache.fetch("balance", balance(100)))));
  assert.equal(api.requests, 2);
  assert.deepEqual(answers.map((answer) => answer.user), ["alice", "alice"]);
  const stats = await Promise.all(tabs.map(({ page }) => page.evaluate(() => cache.stats().fetches)));
  assert.deepEqual(stats, [1, 2].map(() => ({ started: 1, joined: 0, served: 0, shared: 0 })));
  for (const { problems } of tabs) assert.deepEqual(problems, []);
  await context.close();
});

test("a new tab starts with the memory entries a live tab of its user holds: readable at once, no request", async () => {
  const context = await env.browser.newContext();
  const live = await tab(context, "warm", "alice");
  api.requests = 0;
  await live.page.evaluate(async () => {
    await cache.fetch("balance", balance(20));
    cache.set("draft", { text: "unsent" }, { tags: ["drafts"] });
    cache.set("old", "stale one", { staleMs: 0 }); // not fresh: not handed over
  });
  const opened = await tab(context, "warm", "alice");
  const first = await opened.page.evaluate(async () => ({
    balance: cache.get("balance"),
    draft: cache.get("draft"),
    old: cache.get("old"),
    tags: cache.keys({ tags: ["drafts"] }),
    fetched: await cache.fetch("balance", balance(20)),
    fetches: cache.stats().fetches,
  }));
  assert.deepEqual(first, {
    balance: { user: "alice", n: 1 },
    draft: { text: "unsent" },
    old: undefined,
    tags: ["draft"],
    fetched: { user: "alice", n: 1 },
    fetches: { started: 0, joined: 0, served: 1, shared: 0 },
  });
  assert.equal(api.requests, 1, "the live tab's request only: the new tab made none");
  await context.close();
});

test("a tab of another user, or one that does not coordinate, starts cold", async () => {
  const context = await env.browser.newContext();
  const live = await tab(context, "warm-cold", "alice");
  await live.page.evaluate(() => cache.set("balance", { user: "alice", n: 7 }));
  const bob = await tab(context, "warm-cold", "bob");
  const alone = await tab(context, "warm-cold", "alice", { coordinateTabs: false });
  assert.equal(await bob.page.evaluate(() => cache.get("balance")), undefined, "nothing of alice's for bob");
  assert.equal(await alone.page.evaluate(() => cache.get("balance")), undefined);
  await context.close();
});

/**
 * `count` tabs of `context` in `namespace` (user alice), each holding `balance` and connected to
 * the WebSocket server by one shared source, `balance`; `window.pushes` counts the invalidations
 * a tab hears. `opened()` lists the server's open sockets of these tabs, `made()` how many were made.
 */
async function sharedPushTabs(context, namespace, count) {
  const tabs = [];
  for (let i = 0; i < count; i++) tabs.push(await tab(context, namespace, "alice"));
  const before = ws.sockets.length;
  for (const { page } of tabs) {
    await page.evaluate((port) => {
      window.pushes = 0;
      addEventListener("cachebus:change", ({ detail }) => detail.kind === "invalidate" && (window.pushes += 1));
      cache.set("balance", { n: 0 });
      cache.connect(() => new WebSocket(`ws://127.0.0.1:${port}`), (data) => data.key, { shared: "balance" });
    }, ws.port);
  }
  const opened = () => ws.sockets.slice(before).filter((socket) => socket.readyState === 1);
  return { tabs, opened, made: () => ws.sockets.length - before };
}

test("one tab holds a shared push connection; its pushes reach every tab, and when it closes another tab connects", async () => {
  const context = await env.browser.newContext();
  const { tabs, opened, made } = await sharedPushTabs(context, "push-shared", 3);
  await waitUntil(() => opened().length === 1, "the first connection");
  await tabs[0].page.waitForTimeout(200);
  assert.equal(opened().length, 1, "one connection for three tabs");
  // Numbered: pushes of the same text within seconds are one push (D-41).
  opened()[0].send(JSON.stringify({ key: "balance", seq: 1 }));
  for (const { page } of tabs) await page.waitForFunction(() => window.pushes === 1 && cache.peek("balance").state === "stale", undefined, { timeout: 5_000 });

  // The tab holding the connection closes: another tab's connection takes over, within a second.
  const closedAt = Date.now();
  await tabs[0].page.close();
  await waitUntil(() => opened().length === 1 && made() === 2, "the second connection");
  const failover = Date.now() - closedAt;
  assert.ok(failover < 1_000, `another tab connected ${failover} ms after the first closed`);
  for (const { page } of tabs.slice(1)) await page.evaluate(() => cache.set("balance", { n: 1 }));
  opened()[0].send(JSON.stringify({ key: "balance", seq: 2 }));
  for (const { page } of tabs.slice(1)) await page.waitForFunction(() => window.pushes === 2 && cache.peek("balance").state === "stale", undefined, { timeout: 5_000 });
  for (const { problems } of tabs) assert.deepEqual(problems, []);
  await context.close();
});

test("a shared connection the server closes is opened again by the tab holding it; pushes reach every tab again", async () => {
  const context = await env.browser.newContext();
  const { tabs, opened, made } = await sharedPushTabs(context, "push-reopen", 2);
  await waitUntil(() => opened().length === 1, "the first connection");
  opened()[0].close(); // the server drops it; both tabs stay open
  await waitUntil(() => made() === 2 && opened().length === 1, "the connection opened again");
  await tabs[0].page.waitForTimeout(200);
  assert.equal(opened().length, 1, "still one connection for the two tabs");
  opened()[0].send(JSON.stringify({ key: "balance", seq: 1 }));
  for (const { page } of tabs) await page.waitForFunction(() => window.pushes === 1 && cache.peek("balance").state === "stale", undefined, { timeout: 5_000 });
  for (const { problems } of tabs) assert.deepEqual(problems, []);
  await context.close();
});

test("a tab alone calls its fetcher within the call; while another tab is live it goes through the key's lock; once that tab closes, alone again", async () => {
  const context = await env.browser.newContext();
  const { page, problems } = await tab(context, "presence", "alice");
  // Whether a fetch's fetcher ran before `fetch` returned (no lock round trip first).
  const runsWithinCall = (key) =>
    page.evaluate(async (key) => {
      let ran = false;
      const call = cache.fetch(key, async () => ((ran = true), "v"));
      const within = ran;
      await call;
      return within;
    }, key);
  assert.equal(await runsWithinCall("alone"), true);
  const other = await tab(context, "presence", "alice");
  assert.equal(await runsWithinCall("with-other"), false);
  const otherNamespace = await tab(context, "presence-elsewhere", "alice");
  await other.page.close();
  // The browser lets go of the closed tab's presence lock; this tab hears of it a moment later.
  let within = false;
  for (let i = 0; i < 50 && !within; i++) within = await runsWithinCall(`after-close-${i}`);
  assert.equal(within, true, "alone again once the other tab closed (a tab of another namespace is no company)");
  assert.deepEqual([...problems, ...other.problems, ...otherNamespace.problems], []);
  await context.close();
});

test("a tab that opens while a lone tab's fetch is in flight takes that fetch's answer: one request", async () => {
  const context = await env.browser.newContext();
  const first = await tab(context, "mid-fetch", "alice");
  api.requests = 0;
  // The first tab's fetcher waits until the second tab has asked (a fixed delay would end first
  // on a slow machine, and the second tab would find the answer stored instead).
  await first.page.evaluate(() => {
    const released = new Promise((resolve) => (window.release = resolve));
    const fetcher = balance(0);
    window.loading = cache.fetch("balance", async () => (await released, fetcher()));
  });
  const second = await tab(context, "mid-fetch", "alice");
  await second.page.evaluate(() => void (window.asking = cache.fetch("balance", balance(100))));
  await first.page.evaluate(() => window.release());
  const answers = await Promise.all([second.page.evaluate(() => window.asking), first.page.evaluate(() => window.loading)]);
  assert.equal(api.requests, 1, "the second tab waited for the first tab's fetch");
  assert.deepEqual(answers, [{ user: "alice", n: 1 }, { user: "alice", n: 1 }]);
  assert.deepEqual(await second.page.evaluate(() => cache.stats().fetches.shared), 1);
  assert.deepEqual(await first.page.evaluate(() => cache.stats().tabs), { live: 2, answered: 1, sources: [] });
  assert.deepEqual([...first.problems, ...second.problems], []);
  await context.close();
});

test("while a coordinated call waits for its key's lock, a write wins and a user switch ends it: its fetcher never runs for the next user", async () => {
  const context = await env.browser.newContext();
  const { page, problems } = await tab(context, "lock-wait", "alice");
  await tab(context, "lock-wait", "alice"); // another live tab: this tab's fetches go through their key's lock
  const result = await page.evaluate(async () => {
    const runs = [];
    const fetcher = (answer) => async () => {
      runs.push(cache.user);
      return answer;
    };
    // A write in the same tick as the call, before the lock is this tab's: the call is served it.
    const written = cache.fetch("k", fetcher("late"));
    cache.set("k", "written");
    const wrote = { answer: await written, held: cache.get("k") };
    // A switch before the lock is this tab's: alice's fetcher must not run, for bob or anyone.
    const switched = cache.fetch("j", fetcher("alice's")).catch((error) => error.code);
    const switching = cache.switchUser("bob");
    const outcome = await switched;
    await switching;
    return { wrote, outcome, runs, bobHolds: cache.get("j") ?? null };
  });
  assert.deepEqual(result, {
    wrote: { answer: "written", held: "written" },
    outcome: "SCOPE_CHANGED",
    runs: [],
    bobHolds: null,
  });
  assert.deepEqual(problems, []);
  await context.close();
});

test("tabs of another namespace, or without BroadcastChannel, share nothing: each fetches and starts on its own", async () => {
  const context = await env.browser.newContext();
  const a = await tab(context, "ns-a", "alice");
  await a.page.evaluate(() => cache.set("draft", "in ns-a"));
  const b = await tab(context, "ns-b", "alice");
  const lone = await tab(context, "ns-a", "alice", { withoutChannel: true });
  assert.equal(await b.page.evaluate(() => cache.get("draft")), undefined, "no warm start across namespaces");
  assert.equal(await lone.page.evaluate(() => cache.get("draft")), undefined, "no warm start without a channel");
  api.requests = 0;
  const answers = await Promise.all([a, b, lone].map(({ page }) => page.evaluate(() => cache.fetch("balance", balance(150)))));
  assert.equal(api.requests, 3, "one request per namespace, and one for the tab without a channel");
  assert.deepEqual(answers.map((answer) => answer.user), ["alice", "alice", "alice"]);
  for (const { problems } of [a, b, lone]) assert.deepEqual(problems, []);
  await context.close();
});
