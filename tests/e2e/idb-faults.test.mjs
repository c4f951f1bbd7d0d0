// Faults of the IndexedDB tier in real Chromium: garbage planted in its stores, an upgrade blocked
// by another connection, databases of any earlier layout, and what the tier saves: fetches and
// reads answered from IndexedDB, and writes announced to the other tabs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createApi } from "./api.mjs";
import { startPackageServer, useBrowser } from "./harness.mjs";

const api = createApi();
const env = useBrowser(() => startPackageServer({ api }));

/**
 * A page of `context` on the package page. `open(options)` (re)loads the package, creates
 * `window.cache` and waits for its IndexedDB entries to load (`flush`: they load behind
 * `createCache`, D-130), recording `cachebus:error` details in `window.diagnostics` and
 * `cachebus:change` events as `"origin kind keys"` in `window.changes`; `reload()` reloads.
 */
async function tab(context) {
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(error.message));
  await page.goto(env.server.url);
  const open = (options) =>
    page.evaluate(async (options) => {
      window.cachebus = await import("/pkg/index.js");
      if (!window.diagnostics) {
        window.diagnostics = [];
        window.changes = [];
        addEventListener("cachebus:error", (event) => window.diagnostics.push(event.detail));
        addEventListener("cachebus:change", (e) => changes.push(`${e.detail.origin} ${e.detail.kind} ${e.detail.keys}`));
        window.settle = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));
      }
      window.cache = await window.cachebus.createCache(options);
      await cache.flush();
    }, options);
  const reload = async () => {
    await page.reload();
    await page.waitForLoadState();
  };
  return { page, problems, open, reload };
}

/** Runs `fn(db, arg)` (a function run in the page) on IndexedDB database `name`, then closes it. */
const raw = (page, name, fn, arg) =>
  page.evaluate(
    ([name, fn, arg]) =>
      new Promise((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onerror = () => reject(request.error);
        request.onsuccess = async () => {
          const db = request.result;
          try {
            resolve(await eval(fn)(db, arg));
          } catch (error) {
            reject(error);
          } finally {
            db.close();
          }
        };
      }),
    [name, `(${fn})`, arg],
  );

/** Every `[key, record]` of `store` in database `name`, in key order. */
const dump = (page, name, store) =>
  raw(page, name, (db, store) => new Promise((resolve, reject) => {
    const tx = db.transaction(store);
    const keys = tx.objectStore(store).getAllKeys();
    const values = tx.objectStore(store).getAll();
    tx.oncomplete = () => resolve(keys.result.map((key, i) => [key, values.result[i]]));
    tx.onerror = () => reject(tx.error);
  }), store);

/** The version and store names of database `name`. */
const layout = (page, name) => raw(page, name, (db) => [db.version, [...db.objectStoreNames]]);

test("garbage planted in the values and journal stores is counted, reported and removed; nothing valid is lost", async () => {
  const context = await env.browser.newContext();
  const { page, problems, open, reload } = await tab(context);
  await open({ namespace: "garbage", user: "bob" });
  await page.evaluate(() => (cache.set("b", "bob's", { tier: "idb" }), cache.flush()));
  await open({ namespace: "garbage", user: "alice" });
  await page.evaluate(async () => {
    // Any structured-clone value is a valid value: these are kept, the journal names them.
    cache.set("num", 42, { tier: "idb" });
    cache.set("str", "text", { tier: "idb", tags: ["t"] });
    cache.set("obj", { cb: 1 }, { tier: "idb" });
    await cache.flush();
    cache.close();
  });
  await raw(page, "cachebus:garbage", (db) => new Promise((resolve, reject) => {
    const tx = db.transaction(["values", "journal"], "readwrite");
    const values = tx.objectStore("values");
    // Values no journal entry names (of alice, whose load judges them), and keys of no [user, key] shape.
    values.put(7, ["alice", "orphanNum"]);
    values.put("x", ["alice", "orphanStr"]);
    values.put({ cb: 1 }, ["alice", "orphanObj"]);
    values.put(1, "a string key");
    values.put(1, 42);
    values.put(1, ["alice"]);
    values.put(1, ["alice", "k", "extra"]);
    values.put(1, [1, "k"]);
    values.put(1, ["alice", 5]);
    const journal = tx.objectStore("journal");
    for (const record of [42, "text", [1, 2, 3], { u: "alice" }, { u: "alice", o: "not an array" }, { o: ["num", null] }]) {
      journal.add(record);
    }
    journal.put({ u: "alice", o: ["num", null] }, "a string key"); // would replay after every later record
    journal.add({ u: "alice", o: [7, null, "num", "not metadata"] }); // two malformed ops: neither deletes num
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  }));
  await open({ namespace: "garbage", user: "alice" });
  const loaded = await page.evaluate(async () => ({
    keys: cache.keys(),
    values: [await cache.read("num"), await cache.read("str"), await cache.read("obj")],
    tags: cache.peek("str").tags,
    corrupt: cache.stats().corrupt,
    events: diagnostics.map((d) => `${d.code} ${d.tier} ${d.key}`).sort(),
  }));
  assert.deepEqual(loaded, {
    keys: ["num", "obj", "str"],
    values: [42, "text", { cb: 1 }],
    tags: ["t"],
    corrupt: 18,
    events: [
      ...Array(6).fill("CORRUPT_ENTRY idb null"), // values under keys of no [user, key] shape
      ...Array(9).fill("CORRUPT_ENTRY idb null"), // journal records of no shape (7) and malformed ops (2)
      "CORRUPT_ENTRY idb orphanNum",
      "CORRUPT_ENTRY idb orphanObj",
      "CORRUPT_ENTRY idb orphanStr",
    ].sort(),
  });
  await page.evaluate(() => cache.flush());
  const values = await dump(page, "cachebus:garbage", "values");
  const journal = await dump(page, "cachebus:garbage", "journal");
  assert.deepEqual(values.map(([key]) => key), [["alice", "num"], ["alice", "obj"], ["alice", "str"], ["bob", "b"]]);
  for (const [key, record] of journal) {
    assert.ok(Number.isInteger(key), `journal keys are generated: ${JSON.stringify(key)}`);
    assert.ok(typeof record.u === "string" && Array.isArray(record.o), `well-formed: ${JSON.stringify(record)}`);
  }
  await reload();
  await open({ namespace: "garbage", user: "alice" });
  const again = await page.evaluate(async () => {
    const alice = { keys: cache.keys(), corrupt: cache.stats().corrupt, num: await cache.read("num") };
    await cache.switchUser("bob");
    return { alice, bob: await cache.read("b"), corrupt: cache.stats().corrupt };
  });
  assert.deepEqual(again, { alice: { keys: ["num", "obj", "str"], corrupt: 0, num: 42 }, bob: "bob's", corrupt: 0 });
  assert.deepEqual(problems, []);
  await context.close();
});

test("createCache resolves while another connection blocks the upgrade, and picks the database up once it closes", async () => {
  const context = await env.browser.newContext();
  const blocker = await tab(context);
  await blocker.page.evaluate(() => new Promise((resolve, reject) => {
    // An older version held open, with no onversionchange that would close it.
    const request = indexedDB.open("cachebus:blocked", 1);
    request.onsuccess = () => {
      window.held = request.result;
      resolve();
    };
    request.onerror = () => reject(request.error);
  }));
  const { page, problems, open, reload } = await tab(context);
  const started = Date.now();
  const opened = await Promise.race([
    open({ namespace: "blocked", user: "alice" }).then(() => "resolved"),
    new Promise((resolve) => setTimeout(() => resolve("still waiting after 5 s"), 5_000)),
  ]);
  assert.equal(opened, "resolved");
  assert.ok(Date.now() - started < 3_000, `promptly: ${Date.now() - started} ms`);
  const blocked = await page.evaluate(async () => {
    cache.set("early", "in memory", { tier: "idb" });
    await cache.flush();
    return { early: [cache.get("early"), cache.peek("early").tier], codes: diagnostics.map((d) => `${d.code} ${d.key}`) };
  });
  assert.deepEqual(blocked, { early: ["in memory", "memory"], codes: ["STORAGE_UNAVAILABLE early"] });

  await blocker.page.evaluate(() => window.held.close());
  const picked = await page.evaluate(async () => {
    for (let i = 0; i < 100; i++) {
      cache.set("late", "persisted", { tier: "idb" });
      if (cache.peek("late").tier === "idb") break;
      await settle(50);
    }
    await cache.flush();
    return { late: cache.peek("late").tier, early: cache.peek("early").tier };
  });
  assert.deepEqual(picked, { late: "idb", early: "memory" });
  await reload();
  await open({ namespace: "blocked", user: "alice" });
  const reloaded = await page.evaluate(async () => ({
    late: await cache.read("late"),
    early: (await cache.read("early")) ?? "gone",
    codes: diagnostics.map((d) => d.code),
  }));
  assert.deepEqual(reloaded, { late: "persisted", early: "gone", codes: [] });
  assert.deepEqual(await layout(page, "cachebus:blocked"), [2, ["journal", "values"]]);
  assert.deepEqual([...problems, ...blocker.problems], []);
  await context.close();
});

test("databases of any earlier layout are upgraded to exactly the current one, and idb entries persist", async () => {
  const plants = {
    "empty version 1": () => new Promise((resolve) => {
      const request = indexedDB.open("cachebus:layout"); // no version, nothing created
      request.onsuccess = () => resolve(request.result.close());
    }),
    "version 1 with only values": () => new Promise((resolve) => {
      const request = indexedDB.open("cachebus:layout", 1);
      request.onupgradeneeded = () => request.result.createObjectStore("values").put("old", ["", "old"]);
      request.onsuccess = () => resolve(request.result.close());
    }),
    "version 1 with a foreign store": () => new Promise((resolve) => {
      const request = indexedDB.open("cachebus:layout", 1);
      request.onupgradeneeded = () => request.result.createObjectStore("keyval", { autoIncrement: true }).add(1);
      request.onsuccess = () => resolve(request.result.close());
    }),
  };
  for (const [name, plant] of Object.entries(plants)) {
    const context = await env.browser.newContext();
    const { page, problems, open, reload } = await tab(context);
    await page.evaluate(plant);
    await open({ namespace: "layout" });
    await page.evaluate(() => (cache.set("k", { kept: true }, { tier: "idb" }), cache.flush()));
    await reload();
    await open({ namespace: "layout" });
    const result = await page.evaluate(async () => ({
      k: await cache.read("k"),
      old: (await cache.read("old")) ?? "gone",
      codes: diagnostics.map((d) => d.code),
    }));
    assert.deepEqual(result, { k: { kept: true }, old: "gone", codes: [] }, name);
    assert.deepEqual(await layout(page, "cachebus:layout"), [2, ["journal", "values"]], name);
    assert.deepEqual(problems, [], name);
    await context.close();
  }
});

const requestsOf = (path) => api.requests.filter((r) => r.path === path).length;

test("after a reload, a fresh idb entry is fetched from IndexedDB without a request; a stale one is refetched", async () => {
  const context = await env.browser.newContext();
  const { page, problems, open, reload } = await tab(context);
  await open({ namespace: "idb-fetch", user: "alice" });
  await page.evaluate(async () => {
    await cache.fetch("fresh", cachebus.httpJson("/api/items/if1"), { tier: "idb", staleMs: 60_000 });
    await cache.fetch("stale", cachebus.httpJson("/api/items/if2"), { tier: "idb", staleMs: 0, dedupMs: 0 });
    await cache.flush();
  });
  assert.deepEqual([requestsOf("/api/items/if1"), requestsOf("/api/items/if2")], [1, 1]);
  await reload();
  await open({ namespace: "idb-fetch", user: "alice" });
  const result = await page.evaluate(async () => {
    const unloaded = cache.get("fresh") ?? "not in memory";
    const [a, b] = await Promise.all([
      cache.fetch("fresh", cachebus.httpJson("/api/items/if1")),
      cache.fetch("fresh", cachebus.httpJson("/api/items/if1")),
    ]);
    const stale = await cache.fetch("stale", cachebus.httpJson("/api/items/if2"), { dedupMs: 0 });
    return { unloaded, a, same: a === b, inMemory: cache.get("fresh"), stale, fetches: cache.stats().fetches };
  });
  assert.deepEqual(result, {
    unloaded: "not in memory",
    a: { id: "if1", version: 1 },
    same: true, // two callers, one value in memory, no request
    inMemory: { id: "if1", version: 1 },
    stale: { id: "if2", version: 1 },
    fetches: { started: 1, joined: 0, served: 2, shared: 0 },
  });
  assert.deepEqual([requestsOf("/api/items/if1"), requestsOf("/api/items/if2")], [1, 2]);
  assert.deepEqual(problems, []);
  await context.close();
});

test("a fresh idb entry that cannot be read back is fetched once: value lost, or database gone", async () => {
  const context = await env.browser.newContext();
  const { page, problems, open, reload } = await tab(context);
  await open({ namespace: "idb-fetch-lost", user: "alice" });
  await page.evaluate(async () => {
    for (const key of ["lost", "gone"]) await cache.fetch(key, async () => `${key} v1`, { tier: "idb", staleMs: 60_000 });
    await cache.flush();
  });
  await reload();
  await open({ namespace: "idb-fetch-lost", user: "alice" });
  await raw(page, "cachebus:idb-fetch-lost", (db) => new Promise((resolve) => {
    const tx = db.transaction("values", "readwrite");
    tx.objectStore("values").delete(["alice", "lost"]); // after the load: the cache still indexes it
    tx.oncomplete = resolve;
  }));
  const result = await page.evaluate(async () => {
    let calls = 0;
    const fetcher = (key) => async () => (calls++, `${key} v2`);
    const lost = await cache.fetch("lost", fetcher("lost"));
    // Another tab deletes the database: this cache's connection closes, reads fail.
    await new Promise((resolve) => (indexedDB.deleteDatabase("cachebus:idb-fetch-lost").onsuccess = resolve));
    const gone = await Promise.race([
      cache.fetch("gone", fetcher("gone")),
      settle(3_000).then(() => "hung"),
    ]);
    return {
      lost,
      gone,
      calls,
      fetches: cache.stats().fetches,
      tier: cache.peek("gone").tier,
      codes: diagnostics.map((d) => `${d.code} ${d.key}`),
    };
  });
  assert.deepEqual(result, {
    lost: "lost v2",
    gone: "gone v2",
    calls: 2,
    fetches: { started: 2, joined: 0, served: 0, shared: 0 },
    tier: "memory",
    codes: ["CORRUPT_ENTRY lost", "STORAGE_UNAVAILABLE gone"], // the answers take the default tier, memory
  });
  assert.deepEqual(problems, []);
  await context.close();
});

test("a write made while a read of an idb value is in flight survives the value coming back missing", async () => {
  const context = await env.browser.newContext();
  const { page, problems, open, reload } = await tab(context);
  await open({ namespace: "idb-read-race", user: "alice" });
  await page.evaluate(async () => {
    cache.set("k", "persisted", { tier: "idb" });
    await cache.flush();
  });
  await reload();
  await open({ namespace: "idb-read-race", user: "alice" });
  await raw(page, "cachebus:idb-read-race", (db) => new Promise((resolve) => {
    const tx = db.transaction("values", "readwrite");
    tx.objectStore("values").delete(["alice", "k"]); // the cache still indexes it, its value unloaded
    tx.oncomplete = resolve;
  }));
  const result = await page.evaluate(async () => {
    const reading = cache.read("k"); // asks IndexedDB, which will say: no such value
    cache.set("k", "written meanwhile");
    return { read: await reading, held: cache.get("k") };
  });
  // The missing value concerned the entry as it was: the write since is not dropped with it.
  assert.deepEqual(result, { read: "written meanwhile", held: "written meanwhile" });
  assert.deepEqual(problems, []);
  await context.close();
});

test("read finds an entry another tab wrote to IndexedDB after this tab loaded", async () => {
  const context = await env.browser.newContext();
  const { page, problems, open } = await tab(context);
  await open({ namespace: "idb-read", user: "alice" });
  await page.evaluate(() => (cache.set("mine", 1, { tier: "idb" }), cache.flush()));
  // Written as a tab that does not announce its writes would: a value and its journal record.
  await raw(page, "cachebus:idb-read", (db) => new Promise((resolve) => {
    const tx = db.transaction(["values", "journal"], "readwrite");
    const meta = (at, expires, version = null) => ({ cb: 1, v: version, u: at, s: at + 60_000, x: expires, t: ["other"], e: '"e1"', z: 10 });
    const now = Date.now();
    for (const [key, record] of [
      ["elsewhere", meta(now, null)],
      ["expired", meta(now - 10_000, now - 5_000)],
      ["otherVersion", meta(now, null, 2)],
    ]) {
      tx.objectStore("values").put({ from: key, at: new Date(0) }, ["alice", key]);
      tx.objectStore("journal").add({ u: "alice", o: [key, record] });
    }
    tx.objectStore("values").put("bob's", ["bob", "bobs"]);
    tx.objectStore("journal").add({ u: "bob", o: ["bobs", meta(now, null)] });
    tx.oncomplete = resolve;
  }));
  const result = await page.evaluate(async () => {
    const before = cache.peek("elsewhere") ?? "unknown";
    const value = await cache.read("elsewhere");
    return {
      before,
      value: [value.from, value.at instanceof Date],
      peek: (({ state, tier, tags, etag }) => ({ state, tier, tags, etag }))(cache.peek("elsewhere")),
      get: cache.get("elsewhere")?.from,
      expired: (await cache.read("expired")) ?? "miss",
      otherVersion: (await cache.read("otherVersion")) ?? "miss",
      bobs: (await cache.read("bobs")) ?? "miss",
      missing: (await cache.read("missing")) ?? "miss",
      keys: cache.keys(),
      counted: (({ hits, misses, corrupt }) => ({ hits, misses, corrupt }))(cache.stats()),
    };
  });
  assert.deepEqual(result, {
    before: "unknown",
    value: ["elsewhere", true],
    peek: { state: "fresh", tier: "idb", tags: ["other"], etag: '"e1"' },
    get: "elsewhere",
    expired: "miss",
    otherVersion: "miss",
    bobs: "miss",
    missing: "miss",
    keys: ["elsewhere", "mine"],
    counted: { hits: 2, misses: 4, corrupt: 0 }, // each read once: the found one, get after it, four misses
  });
  assert.deepEqual(problems, []);
  await context.close();
});

test("an idb write or removal in one tab reaches the other tab's index; its value is read on demand", async () => {
  const context = await env.browser.newContext();
  const a = await tab(context);
  const b = await tab(context);
  const bob = await tab(context);
  await a.open({ namespace: "idb-tabs", user: "alice" });
  await b.open({ namespace: "idb-tabs", user: "alice" });
  await bob.open({ namespace: "idb-tabs", user: "bob" });
  await a.page.evaluate(() => {
    cache.set("k", "a's old copy", { tier: "idb" });
    window.heard = 0;
    cache.subscribe("k", () => heard++);
  });
  await a.page.evaluate(() => settle());
  await b.page.evaluate(async () => {
    await settle(5); // a later write than a's
    cache.set("k", { v: 1 }, { tier: "idb", tags: ["t"], staleMs: 60_000 });
    cache.set("new", "b's", { tier: "idb" });
    cache.set("invalidated", "b's", { tier: "idb" });
    cache.invalidate("invalidated"); // in the same tick as its write
    await cache.flush();
  });
  await a.page.waitForFunction(() => cache.peek("new") !== undefined && cache.peek("k")?.tags.length === 1);
  const learned = await a.page.evaluate(async () => {
    await settle();
    const known = {
      k: (({ state, tier, tags }) => ({ state, tier, tags }))(cache.peek("k")),
      inMemory: cache.get("k") ?? "not in memory",
      invalidated: cache.peek("invalidated").state,
      heard,
    };
    let calls = 0;
    const fetched = await cache.fetch("k", async () => ++calls);
    return { ...known, read: await cache.read("new"), fetched, calls, served: cache.stats().fetches.served };
  });
  assert.deepEqual(learned, {
    k: { state: "fresh", tier: "idb", tags: ["t"] },
    inMemory: "not in memory",
    invalidated: "stale",
    heard: 2, // its own write, b's
    read: "b's",
    fetched: { v: 1 },
    calls: 0,
    served: 1,
  });

  await b.page.evaluate(async () => {
    cache.set("k", { v: 2 }, { tier: "idb" });
    cache.set("new", "now memory only"); // leaves IndexedDB
    await cache.remove("invalidated");
    for (let i = 0; i < 2_000; i++) cache.set(`bulk:${i}`, i, { tier: "idb", tags: [`tag-${"x".repeat(40)}`] });
    await cache.flush();
  });
  await a.page.waitForFunction(() => cache.keys({ prefix: "bulk:" }).length === 2_000);
  const followed = await a.page.evaluate(async () => {
    await settle();
    return {
      inMemory: cache.get("k") ?? "dropped",
      k: await cache.read("k"),
      new: cache.peek("new") ?? "gone",
      invalidated: cache.peek("invalidated") ?? "gone",
      bulk: await cache.read("bulk:1999"),
      heard,
      rejected: cache.stats().rejectedMessages,
      changes: changes.filter((c) => c.startsWith("tab ") && !c.includes("bulk:")),
    };
  });
  assert.deepEqual(followed, {
    inMemory: "dropped",
    k: { v: 2 },
    new: "gone",
    invalidated: "gone",
    bulk: 1999,
    heard: 3,
    rejected: 0,
    // b's removal is relayed at once; its IndexedDB changes follow in one message (the bulk: several)
    changes: ["tab set k,new,invalidated", "tab remove invalidated", "tab set k", "tab remove new"],
  });
  const inBob = await bob.page.evaluate(async () => (await settle(), { keys: cache.keys(), changes }));
  assert.deepEqual(inBob, { keys: [], changes: [] });
  const inB = await b.page.evaluate(() => changes.filter((c) => c.startsWith("tab ")));
  assert.deepEqual(inB, ["tab set k"], "a's first write; none of b's own come back");
  assert.deepEqual([...a.problems, ...b.problems, ...bob.problems], []);
  await context.close();
});

test("a write whose metadata is too big for a message is announced as a deletion, and read back on demand", async () => {
  const context = await env.browser.newContext();
  const a = await tab(context);
  const b = await tab(context);
  await a.open({ namespace: "idb-huge", user: "alice" });
  await b.open({ namespace: "idb-huge", user: "alice" });
  await a.page.evaluate(() => (cache.set("huge", "a's copy", { tier: "idb" }), settle()));
  const tags = Array.from({ length: 100 }, (_, i) => `${i}:${"t".repeat(1_000)}`); // 100 KB of tags
  await b.page.evaluate(async (tags) => {
    await settle(5);
    cache.set("huge", "b's", { tier: "idb", tags });
    cache.set("small", "b's", { tier: "idb" });
    await cache.flush();
  }, tags);
  await a.page.waitForFunction(() => cache.peek("small") !== undefined);
  const result = await a.page.evaluate(async () => {
    await settle();
    const dropped = cache.peek("huge") ?? "dropped";
    return { dropped, read: await cache.read("huge"), tags: cache.peek("huge").tags.length, changes, rejected: cache.stats().rejectedMessages };
  });
  assert.deepEqual(result, {
    dropped: "dropped",
    read: "b's",
    tags: 100,
    changes: ["local set huge", "tab remove huge", "tab set small"],
    rejected: 0,
  });
  assert.deepEqual([...a.problems, ...b.problems], []);
  await context.close();
});

test("malformed idb messages are refused and counted, never applied; a well-formed one is", async () => {
  const context = await env.browser.newContext();
  const a = await tab(context);
  const sender = await tab(context);
  await a.open({ namespace: "idb-garbage", user: "alice" });
  await a.page.evaluate(() => cache.set("k", "kept", { tier: "idb" }));
  await sender.page.evaluate(() => {
    const channel = new BroadcastChannel("cachebus:idb-garbage");
    const meta = { cb: 1, v: null, u: Date.now(), s: null, x: null, t: [], e: null, z: 1 };
    const message = (ops) => ({ cb: 1, kind: "idb", user: "alice", ops });
    for (const bad of [
      message(undefined),
      message("k"),
      message([]),
      message(["k"]),
      message([5, null]),
      message(["k", 5]),
      message(["k", { ...meta, u: "yesterday" }]),
      message(["", meta]),
      message(["bad\nkey", null]),
      message(["k", null, "other", "x"]),
      { ...message(["k", null]), cb: 2 },
    ]) {
      channel.postMessage(bad);
    }
    channel.postMessage(message(["k", null])); // well-formed: applied
    channel.close();
  });
  await a.page.waitForFunction(() => cache.stats().rejectedMessages === 11 && cache.peek("k") === undefined);
  const result = await a.page.evaluate(async () => (await settle(), { rejected: cache.stats().rejectedMessages, changes }));
  assert.deepEqual(result, { rejected: 11, changes: ["local set k", "tab remove k"] });
  assert.deepEqual(a.problems, []);
  await context.close();
});
