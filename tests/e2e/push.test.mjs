// Server push in real Chromium: a WebSocket server on 127.0.0.1 (started and stopped here) pushes
// to one tab; cache.connect turns messages into events and invalidations, which reach a second tab.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openCachePage, startPackageServer, useBrowser, useWebSocketServer, waitUntil } from "./harness.mjs";

const env = useBrowser(startPackageServer);
const ws = useWebSocketServer();

const push = (message) => ws.sockets.at(-1).send(typeof message === "string" ? message : JSON.stringify(message));

/** A page with `window.cache` (namespace push, user alice) holding a balance and an asset list. */
function tab(context) {
  const setup = () => {
    window.changes = [];
    window.errors = [];
    window.appEvents = [];
    addEventListener("cachebus:change", (e) => changes.push(`${e.detail.origin} ${e.detail.kind} ${e.detail.keys.sort()}`));
    addEventListener("cachebus:error", (e) => errors.push(e.detail.code));
    addEventListener("token-balance-updated", (e) => appEvents.push(e.detail.balance));
    cache.rules({ "token-balance-updated": { tags: ["balance"] } });
    cache.set("balance", 100, { tags: ["balance"] });
    cache.set("assets:s1:fonts", ["Inter"]);
  };
  return openCachePage(context, env.server.url, { namespace: "push", user: "alice" }, setup);
}

test("pushed messages become events and invalidations here and in other tabs; bad ones are reported", async () => {
  const context = await env.browser.newContext();
  const a = await tab(context);
  const b = await tab(context);
  const port = ws.port;
  await a.page.evaluate(async (port) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}`);
    await new Promise((resolve) => socket.addEventListener("open", resolve, { once: true }));
    window.disconnect = cache.connect(socket, (data) => {
      if (data.type === "token-balance-updated") return { event: "token-balance-updated", detail: data };
      if (data.type === "assets-changed") return { pattern: `assets:${data.shop}:*` };
      if (data.type === "bad-target") return { nope: 1 };
      if (data.type === "heartbeat") return undefined;
      throw new Error(`unknown push ${JSON.stringify(data)}`);
    });
  }, port);
  await new Promise((resolve) => setTimeout(resolve, 50));

  push({ type: "token-balance-updated", balance: 5 });
  await b.page.waitForFunction(() => cache.peek("balance").state === "stale");
  push({ type: "assets-changed", shop: "s1" });
  await b.page.waitForFunction(() => cache.peek("assets:s1:fonts").state === "stale");
  push({ type: "heartbeat" });
  push({ type: "bad-target" });
  push("not json at all");
  await a.page.waitForFunction(() => window.errors.length >= 2);
  const inA = await a.page.evaluate(() => ({
    balance: cache.peek("balance").state,
    fonts: cache.peek("assets:s1:fonts").state,
    appEvents,
    changes,
    errors,
  }));
  assert.deepEqual(inA.appEvents, [5]);
  assert.deepEqual([inA.balance, inA.fonts], ["stale", "stale"]);
  assert.ok(inA.changes.includes("push invalidate balance"), inA.changes.join(" | "));
  assert.ok(inA.changes.includes("push invalidate assets:s1:fonts"), inA.changes.join(" | "));
  assert.deepEqual(inA.errors, ["PUSH_ERROR", "PUSH_ERROR"]);
  const inB = await b.page.evaluate(() => ({ appEvents, changes }));
  assert.deepEqual(inB.appEvents, [5], "the pushed event reached the other tab");
  assert.ok(inB.changes.includes("tab invalidate balance"), inB.changes.join(" | "));

  ws.sockets.at(-1).close();
  await a.page.waitForFunction(() => window.errors.includes("SOURCE_CLOSED"));
  assert.deepEqual([...a.problems, ...b.problems], []);
  await context.close();
});

test("a failing source is reported; the function connect returns disconnects", async () => {
  const context = await env.browser.newContext();
  const { page } = await tab(context);
  const result = await page.evaluate(async () => {
    const source = new EventTarget(); // stands for an EventSource: message and error events
    const stop = cache.connect(source, () => ({ tags: ["balance"] }));
    source.dispatchEvent(new MessageEvent("message", { data: "{}" }));
    const first = cache.peek("balance").state;
    source.dispatchEvent(new Event("error"));
    cache.set("balance", 1, { tags: ["balance"] });
    stop();
    source.dispatchEvent(new MessageEvent("message", { data: "{}" }));
    source.dispatchEvent(new Event("error"));
    await new Promise((resolve) => setTimeout(resolve, 0));
    return { states: [first, cache.peek("balance").state], errors };
  });
  assert.deepEqual(result, { states: ["stale", "fresh"], errors: ["SOURCE_ERROR"] });
  await context.close();
});

test("a message whose data cannot be read is a PUSH_ERROR, not an uncaught error; later messages still apply", async () => {
  const context = await env.browser.newContext();
  const { page, problems } = await tab(context);
  const result = await page.evaluate(async () => {
    window.detail = undefined;
    addEventListener("cachebus:error", (event) => (window.detail = event.detail));
    const source = new EventTarget();
    cache.connect(source, () => ({ tags: ["balance"] }));
    const unreadable = new Event("message");
    const failure = new Error("data getter threw");
    Object.defineProperty(unreadable, "data", {
      get() {
        throw failure;
      },
    });
    source.dispatchEvent(unreadable);
    const afterUnreadable = cache.peek("balance").state;
    source.dispatchEvent(new MessageEvent("message", { data: "{}" }));
    await new Promise((resolve) => setTimeout(resolve, 0));
    return {
      afterUnreadable,
      after: cache.peek("balance").state,
      errors,
      detail: { code: detail?.code, event: detail?.event, sameError: detail?.error === failure },
    };
  });
  assert.deepEqual(result, {
    afterUnreadable: "fresh",
    after: "stale",
    errors: ["PUSH_ERROR"],
    detail: { code: "PUSH_ERROR", event: "message", sameError: true },
  });
  assert.deepEqual(problems, []);
  await context.close();
});

test("a WebSocket the server closes is opened again, and its pushes apply; close() of the cache ends the connection", async () => {
  const context = await env.browser.newContext();
  const { page, problems } = await tab(context);
  const before = ws.sockets.length;
  await page.evaluate((port) => {
    cache.connect(() => new WebSocket(`ws://127.0.0.1:${port}`), (message) => (message.type === "balance" ? { tags: ["balance"] } : undefined));
  }, ws.port);
  const open = () => ws.sockets.slice(before).filter((socket) => socket.readyState === 1);
  await waitUntil(() => open().length === 1, "the connection");
  open()[0].close(); // the server drops it
  await waitUntil(() => ws.sockets.length - before === 2 && open().length === 1, "a new connection");
  await page.waitForFunction(() => errors.includes("SOURCE_CLOSED"));
  open()[0].send(JSON.stringify({ type: "balance", seq: 1 }));
  await page.waitForFunction(() => cache.peek("balance").state === "stale");
  await page.evaluate(() => cache.close());
  await waitUntil(() => open().length === 0, "the connection closed with the cache");
  await page.waitForTimeout(1_500); // past the first wait before a reopen
  assert.equal(ws.sockets.length - before, 2, "no connection opened for a closed cache");
  assert.deepEqual(problems, []);
  await context.close();
});
