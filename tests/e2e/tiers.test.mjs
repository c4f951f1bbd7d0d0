// The three tiers in real Chromium through the public API: persistence across reloads, batching,
// invalidation and removal reaching storage, user scopes, legacy and foreign keys, corrupt entries,
// quota, storage that throws, values a tier cannot encode, and data versions.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startPackageServer, useBrowser } from "./harness.mjs";

const env = useBrowser(startPackageServer);

/**
 * A fresh browser context (empty storage) on the package page. `open(options)` (re)loads the
 * package in the page, creates `window.cache` and waits for its IndexedDB entries to load
 * (`flush`: they load behind `createCache`, D-130; the window before the load is tested at the
 * end, with `race`); it records `cachebus:error` details in `window.diagnostics`.
 */
async function freshPage() {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(error.message));
  await page.goto(env.server.url);
  const open = (options) =>
    page.evaluate(async (options) => {
      const cachebus = await import("/pkg/index.js");
      window.cachebus = cachebus;
      if (!window.diagnostics) {
        window.diagnostics = [];
        addEventListener("cachebus:error", (event) => window.diagnostics.push(event.detail));
      }
      window.cache = await cachebus.createCache(options);
      await cache.flush();
    }, options);
  const reload = async () => {
    await page.reload();
    await page.waitForLoadState();
  };
  return { page, context, problems, open, reload };
}

const run = (page, fn, arg) => page.evaluate(fn, arg);

/** `run(page, fn)` while the page counts the read-write transactions opened, in `window.readwrite`. */
async function countingReadwrite(page, fn) {
  await page.evaluate(() => {
    const original = IDBDatabase.prototype.transaction;
    window.readwrite = 0;
    window.stopCounting = () => (IDBDatabase.prototype.transaction = original);
    IDBDatabase.prototype.transaction = function (stores, mode, ...rest) {
      if (mode === "readwrite") window.readwrite += 1;
      return original.call(this, stores, mode, ...rest);
    };
  });
  try {
    return await run(page, fn);
  } finally {
    await page.evaluate(() => window.stopCounting());
  }
}

test("each tier reads back at once; after a reload local is hydrated and idb is read on demand", async () => {
  const { page, context, problems, open, reload } = await freshPage();
  await open({ namespace: "tiers", user: "alice" });
  const sameTick = await run(page, async () => {
    const date = new Date(0);
    cache.set("m", { tier: "memory" }, { tier: "memory" });
    cache.set("l", { tier: "local" }, { tier: "local", tags: ["t"] });
    cache.set("i", { when: date, seen: new Set([1, 2]) }, { tier: "idb", etag: '"v1"' });
    const read = await cache.read("i");
    return { m: cache.get("m"), l: cache.get("l"), iSame: cache.get("i").when === date, iRead: read.when === date };
  });
  assert.deepEqual(sameTick, { m: { tier: "memory" }, l: { tier: "local" }, iSame: true, iRead: true });
  await run(page, () => cache.flush());

  await reload();
  await open({ namespace: "tiers", user: "alice" });
  const afterReload = await run(page, async () => {
    const idbFromGet = cache.get("i");
    const idb = await cache.read("i");
    return {
      m: cache.get("m") ?? "gone",
      l: cache.get("l"),
      idbFromGet: idbFromGet ?? "not in memory",
      idbWhen: idb.when instanceof Date && idb.when.getTime(),
      idbSet: idb.seen instanceof Set && [...idb.seen],
      idbAfterRead: cache.get("i") !== undefined,
      peek: cache.peek("i"),
      stats: cache.stats().tiers,
    };
  });
  assert.equal(afterReload.m, "gone");
  assert.deepEqual(afterReload.l, { tier: "local" });
  assert.equal(afterReload.idbFromGet, "not in memory", "get never touches IndexedDB");
  assert.equal(afterReload.idbWhen, 0, "structured clone keeps a Date");
  assert.deepEqual(afterReload.idbSet, [1, 2], "and a Set");
  assert.equal(afterReload.idbAfterRead, true, "read loads the value into memory");
  assert.equal(afterReload.peek.state, "fresh");
  assert.equal(afterReload.peek.tier, "idb");
  assert.equal(afterReload.peek.etag, '"v1"');
  assert.deepEqual(afterReload.stats.local.entries, 1);
  assert.deepEqual(afterReload.stats.idb.entries, 1);
  assert.deepEqual(problems, []);
  await context.close();
});

test("writes issued in one tick share one IndexedDB transaction", async () => {
  const { page, context, open } = await freshPage();
  await open({ namespace: "batch" });
  const result = await countingReadwrite(page, async () => {
    for (let i = 0; i < 500; i++) cache.set(`k${i}`, { i }, { tier: "idb" });
    await cache.flush();
    const oneTick = window.readwrite;
    cache.set("later", 1, { tier: "idb" });
    await cache.flush();
    return { oneTick, afterNextTick: window.readwrite };
  });
  assert.deepEqual(result, { oneTick: 1, afterNextTick: 2 });
  await context.close();
});

test("writes issued a few microtasks after a tick's journal record go to the next transaction, in order, and persist", async () => {
  const { page, context, problems, open, reload } = await freshPage();
  await open({ namespace: "late-writes" });
  const readwrite = await countingReadwrite(page, async () => {
    cache.set("a", "first a", { tier: "idb" });
    cache.set("b", "b", { tier: "idb" });
    // Past the microtask that appends the journal record and commits the transaction; the
    // same task, so a transaction left to auto-commit would still take these writes.
    for (let i = 0; i < 3; i++) await Promise.resolve();
    cache.set("a", "second a", { tier: "idb" });
    const removed = cache.remove("b");
    cache.set("c", "c", { tier: "idb" });
    await removed;
    await cache.flush();
    return window.readwrite;
  });
  const records = await journalOf(page, "cachebus:late-writes");
  await reload();
  await open({ namespace: "late-writes" });
  const reloaded = await run(page, async () => ({
    keys: cache.keys(),
    a: await cache.read("a"),
    b: (await cache.read("b")) ?? "gone",
    c: await cache.read("c"),
  }));
  assert.equal(readwrite, 2, "the committed transaction is not reused: the later writes open the next one");
  assert.deepEqual(records, [
    { u: "", snapshot: false, keys: ["a", "b"] },
    { u: "", snapshot: false, keys: ["a", "b", "c"] },
  ]);
  assert.deepEqual(reloaded, { keys: ["a", "c"], a: "second a", b: "gone", c: "c" });
  assert.deepEqual(problems, []);
  await context.close();
});

test("TTLs hold across reloads: an expired persisted entry is a miss and is deleted", async () => {
  const { page, context, open, reload } = await freshPage();
  await open({ namespace: "ttl", user: "alice" });
  await run(page, async () => {
    cache.set("short", 1, { tier: "local", ttlMs: 150 });
    cache.set("shortIdb", 1, { tier: "idb", ttlMs: 150 });
    cache.set("long", 2, { tier: "local", ttlMs: 60_000 });
    await cache.flush();
    await new Promise((resolve) => setTimeout(resolve, 250));
  });
  await reload();
  await open({ namespace: "ttl", user: "alice" });
  const result = await run(page, async () => ({
    short: cache.get("short") ?? "miss",
    shortIdb: (await cache.read("shortIdb")) ?? "miss",
    long: cache.get("long"),
    raw: Object.keys(localStorage).sort(),
  }));
  assert.deepEqual(result, { short: "miss", shortIdb: "miss", long: 2, raw: ["cachebus:ttl:alice:long"] });
  await context.close();
});

test("invalidation marks persisted copies stale; removal deletes them, both by pattern", async () => {
  const { page, context, open, reload } = await freshPage();
  await open({ namespace: "inv", user: "alice" });
  const counts = await run(page, async () => {
    for (const shop of ["shop1", "shop2"]) {
      cache.set(`assets:${shop}:fonts`, [shop, "fonts"], { tier: "local" });
      cache.set(`assets:${shop}:colors`, [shop, "colors"], { tier: "idb", tags: [`colors`] });
    }
    const invalidated = cache.invalidate({ pattern: "assets:shop1:*" });
    const state = cache.peek("assets:shop1:fonts").state;
    const stillServed = cache.get("assets:shop1:fonts");
    await cache.flush();
    return { invalidated, state, stillServed };
  });
  assert.deepEqual(counts, { invalidated: 2, state: "stale", stillServed: ["shop1", "fonts"] });
  await reload();
  await open({ namespace: "inv", user: "alice" });
  const afterReload = await run(page, async () => {
    const states = Object.fromEntries(
      ["assets:shop1:fonts", "assets:shop1:colors", "assets:shop2:fonts"].map((k) => [k, cache.peek(k).state]),
    );
    const invalidatedValue = await cache.read("assets:shop1:colors"); // its value was not rewritten, and is intact
    const removed = await cache.remove({ tags: ["colors"] });
    return { states, invalidatedValue, removed, keys: Object.keys(localStorage).sort() };
  });
  assert.deepEqual(afterReload.states, {
    "assets:shop1:fonts": "stale",
    "assets:shop1:colors": "stale",
    "assets:shop2:fonts": "fresh",
  });
  assert.deepEqual(afterReload.invalidatedValue, ["shop1", "colors"]);
  assert.equal(afterReload.removed, 2);
  await reload();
  await open({ namespace: "inv", user: "alice" });
  const gone = await run(page, async () => [
    (await cache.read("assets:shop1:colors")) ?? "gone",
    (await cache.read("assets:shop2:colors")) ?? "gone",
    await cache.read("assets:shop2:fonts"),
  ]);
  assert.deepEqual(gone, ["gone", "gone", ["shop2", "fonts"]]);
  await context.close();
});

test("users never see each other's entries; clearUser deletes one user's entries in every tier", async () => {
  const { page, context, open, reload } = await freshPage();
  await open({ namespace: "users", user: "alice" });
  const switched = await run(page, async () => {
    cache.set("balance", "alice:100", { tier: "local" });
    cache.set("history", "alice:h", { tier: "idb" });
    await cache.switchUser("bob");
    const seenByBob = [cache.get("balance") ?? "none", (await cache.read("history")) ?? "none"];
    cache.set("balance", "bob:5", { tier: "local" });
    cache.set("history", "bob:h", { tier: "idb" });
    await cache.switchUser("alice");
    const backToAlice = [cache.get("balance"), await cache.read("history")];
    await cache.clearUser("bob");
    return { seenByBob, backToAlice, user: cache.user };
  });
  assert.deepEqual(switched, { seenByBob: ["none", "none"], backToAlice: ["alice:100", "alice:h"], user: "alice" });

  await reload();
  await open({ namespace: "users", user: "bob" });
  const bob = await run(page, async () => ({
    balance: cache.get("balance") ?? "none",
    history: (await cache.read("history")) ?? "none",
    keys: Object.keys(localStorage).sort(),
  }));
  assert.deepEqual(bob, { balance: "none", history: "none", keys: ["cachebus:users:alice:balance"] });
  await context.close();
});

test("cleanLegacy removes named legacy keys; foreign keys and other namespaces are never touched", async () => {
  const { page, context, open } = await freshPage();
  await run(page, () => {
    localStorage.setItem("tokenBalanceCache_u42", "{}");
    localStorage.setItem("tokenBalanceCache_u7", "{}");
    localStorage.setItem("tokenBalance", "1");
    localStorage.setItem("app-settings", "dark");
    localStorage.setItem("cachebus:othershop:alice:x", "not ours to judge");
  });
  await open({ namespace: "legacy", user: "alice" });
  const after = await run(page, async () => {
    cache.set("balance", 1, { tier: "local" });
    const cleaned = cache.cleanLegacy(["tokenBalanceCache_*", "tokenBalance", "cachebus:*"]);
    await cache.remove({ all: true });
    await cache.clearUser();
    return { cleaned, keys: Object.keys(localStorage).sort(), corrupt: cache.stats().corrupt };
  });
  assert.deepEqual(after, {
    cleaned: 3,
    keys: ["app-settings", "cachebus:othershop:alice:x"],
    corrupt: 0,
  });
  await context.close();
});

test("corrupt, truncated and foreign entries planted by hand are misses, removed and counted", async () => {
  const { page, context, open } = await freshPage();
  await open({ namespace: "corrupt", user: "alice" });
  await run(page, async () => {
    cache.set("good", { ok: true }, { tier: "local" });
    cache.set("goodIdb", { ok: true }, { tier: "idb" });
    cache.set("lostValue", { ok: true }, { tier: "idb" });
    await cache.flush();
    localStorage.setItem("cachebus:corrupt:alice:broken", "{not json");
    localStorage.setItem("cachebus:corrupt:alice:truncated", '{"cb":1,"v":null,"u":1');
    localStorage.setItem("cachebus:corrupt:alice:foreign", '{"cb":2,"d":1}');
    localStorage.setItem("cachebus:corrupt:alice:noValue", '{"cb":1,"v":null,"u":1,"s":null,"x":null,"t":[],"e":null,"z":0}');
    await new Promise((resolve, reject) => {
      const open = indexedDB.open("cachebus:corrupt");
      open.onerror = reject;
      open.onsuccess = () => {
        const db = open.result;
        const tx = db.transaction(["journal", "values"], "readwrite");
        tx.objectStore("journal").add({ u: "alice", o: ["badMeta", { garbage: true }] });
        tx.objectStore("values").delete(["alice", "lostValue"]);
        tx.oncomplete = () => (db.close(), resolve());
        tx.onerror = reject;
      };
    });
    // Closed: the next cache reads what storage holds, not a warm start from this live one.
    cache.close();
  });
  await open({ namespace: "corrupt", user: "alice" });
  const result = await run(page, async () => ({
    good: cache.get("good"),
    goodIdb: await cache.read("goodIdb"),
    broken: cache.get("broken") ?? "miss",
    lostValue: (await cache.read("lostValue")) ?? "miss",
    badMeta: (await cache.read("badMeta")) ?? "miss",
    corrupt: cache.stats().corrupt,
    events: window.diagnostics.map((d) => `${d.code} ${d.tier} ${d.key}`).sort(),
    keys: Object.keys(localStorage).sort(),
  }));
  assert.deepEqual(result, {
    good: { ok: true },
    goodIdb: { ok: true },
    broken: "miss",
    lostValue: "miss",
    badMeta: "miss",
    corrupt: 6,
    events: [
      "CORRUPT_ENTRY idb badMeta",
      "CORRUPT_ENTRY idb lostValue",
      "CORRUPT_ENTRY local broken",
      "CORRUPT_ENTRY local foreign",
      "CORRUPT_ENTRY local noValue",
      "CORRUPT_ENTRY local truncated",
    ],
    keys: ["cachebus:corrupt:alice:good"],
  });
  await context.close();
});

test("a full localStorage evicts the persisted copy of our least recently used entries; an entry too big stays in memory", async () => {
  const { page, context, problems, open } = await freshPage();
  await open({ namespace: "quota", user: "alice" });
  const result = await run(page, async () => {
    const mb = "x".repeat(1_150_000);
    const changes = [];
    addEventListener("cachebus:change", (event) => changes.push(`${event.detail.kind} ${event.detail.keys}`));
    for (let i = 1; i <= 4; i++) cache.set(`k${i}`, `${i}${mb}`, { tier: "local" });
    cache.get("k1"); // k1 is now more recently used than k2
    cache.set("k5", `5${mb}`, { tier: "local" }); // about 5.75 M characters in all: over the quota
    await new Promise((resolve) => setTimeout(resolve, 0));
    const afterEviction = {
      persisted: Object.keys(localStorage).sort(),
      k2: [cache.get("k2") === `2${mb}`, cache.peek("k2").tier],
      evictions: cache.stats().evictions,
      changes: [...changes],
      diagnostics: window.diagnostics.length,
    };
    cache.set("huge", "y".repeat(6_000_000), { tier: "local" });
    return {
      afterEviction,
      huge: cache.get("huge")?.length,
      hugeTier: cache.peek("huge").tier,
      quotaExceeded: cache.stats().quotaExceeded,
      codes: window.diagnostics.map((d) => `${d.code} ${d.key}`),
    };
  });
  assert.deepEqual(result.afterEviction, {
    persisted: ["cachebus:quota:alice:k1", "cachebus:quota:alice:k3", "cachebus:quota:alice:k4", "cachebus:quota:alice:k5"],
    k2: [true, "memory"], // still readable in this tab, as a memory entry
    evictions: 1,
    changes: ["set k1,k2,k3,k4", "evict k2", "set k5"],
    diagnostics: 0,
  });
  assert.equal(result.huge, 6_000_000);
  assert.equal(result.hugeTier, "memory");
  assert.equal(result.quotaExceeded, 1);
  assert.deepEqual(result.codes, ["QUOTA_EXCEEDED huge"]);
  assert.deepEqual(problems, []);
  await context.close();
});

test("localStorage past its quota: every entry stays readable in the tab, evictions come in batches and are announced", async () => {
  const { page, context, problems, open } = await freshPage();
  await open({ namespace: "pressure", user: "alice" });
  const result = await run(page, async () => {
    // Counts the quota errors the browser throws; every call still goes to the real setItem.
    const setItem = Storage.prototype.setItem;
    let quotaThrows = 0;
    Storage.prototype.setItem = function (...args) {
      try {
        return setItem.apply(this, args);
      } catch (error) {
        if (error.name === "QuotaExceededError") quotaThrows += 1;
        throw error;
      }
    };
    const evicted = new Set();
    const kinds = new Set();
    addEventListener("cachebus:change", (event) => {
      kinds.add(event.detail.kind);
      if (event.detail.kind === "evict") for (const key of event.detail.keys) evicted.add(key);
    });
    const kilobyte = "v".repeat(1_000);
    try {
      for (let i = 0; i < 10_000; i++) cache.set(`k${i}`, `${i}:${kilobyte}`, { tier: "local" });
    } finally {
      Storage.prototype.setItem = setItem;
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
    let unreadable = 0;
    let memoryOnly = 0;
    for (let i = 0; i < 10_000; i++) {
      if (cache.get(`k${i}`) !== `${i}:${kilobyte}`) unreadable += 1;
      if (cache.peek(`k${i}`)?.tier === "memory") memoryOnly += 1;
    }
    let unreadableThroughRead = 0;
    for (let i = 0; i < 10_000; i += 97) if ((await cache.read(`k${i}`)) !== `${i}:${kilobyte}`) unreadableThroughRead += 1;
    const persisted = Object.keys(localStorage).filter((key) => key.startsWith("cachebus:pressure:alice:"));
    return {
      unreadable,
      unreadableThroughRead,
      quotaThrows,
      evicted: evicted.size,
      evictedArePersisted: persisted.some((key) => evicted.has(key.slice("cachebus:pressure:alice:".length))),
      memoryOnly,
      persisted: persisted.length,
      kinds: [...kinds].sort(),
      evictions: cache.stats().evictions,
      localEntries: cache.stats().tiers.local.entries,
      diagnostics: window.diagnostics.map((d) => d.code),
    };
  });
  assert.equal(result.unreadable, 0, "every written key reads back from memory");
  assert.equal(result.unreadableThroughRead, 0, "and through read()");
  // Each quota error frees a batch (a tenth of the tier): a handful of throws, not one a write.
  assert.ok(result.quotaThrows > 0 && result.quotaThrows <= 20, `${result.quotaThrows} quota errors`);
  assert.ok(result.evicted > 4_000, `${result.evicted} entries lost their persisted copy`);
  assert.equal(result.evictedArePersisted, false);
  assert.equal(result.memoryOnly, result.evicted, "what lost its persisted copy is a memory entry");
  assert.equal(result.persisted + result.evicted, 10_000);
  assert.equal(result.localEntries, result.persisted);
  assert.equal(result.evictions, result.evicted);
  assert.deepEqual(result.kinds, ["evict", "set"]);
  assert.deepEqual(result.diagnostics, [], "every write found room after a batch: no QUOTA_EXCEEDED");
  assert.deepEqual(problems, []);
  await context.close();
});

test("a localStorage whose getItem throws is reported (STORAGE_UNAVAILABLE) when loading and reading; nothing is deleted", async () => {
  const { page, context, problems, open, reload } = await freshPage();
  await open({ namespace: "getitem", user: "alice" });
  await run(page, () => {
    cache.set("a", "value a", { tier: "local" });
    cache.set("b", "value b", { tier: "local" });
  });
  const refuse = () => {
    window.realGetItem ??= Storage.prototype.getItem;
    Storage.prototype.getItem = function () {
      throw new DOMException("getItem refused", "SecurityError");
    };
  };
  await reload();
  await run(page, refuse);
  await open({ namespace: "getitem", user: "alice" });
  const atLoad = await run(page, () => ({
    a: cache.get("a") ?? "not loaded",
    storageUnavailable: cache.stats().storageUnavailable,
    codes: window.diagnostics.map((d) => `${d.code} ${d.tier} ${d.key}`),
  }));
  assert.deepEqual(atLoad, {
    a: "not loaded",
    storageUnavailable: 1,
    codes: ["STORAGE_UNAVAILABLE local null"],
  });

  await reload();
  // A memory budget small enough that the next write unloads both local values.
  await open({ namespace: "getitem", user: "alice", budgets: { memoryBytes: 200 } });
  const onRead = await run(page, async (refuse) => {
    cache.set("c", "x".repeat(150));
    const unloaded = [cache.get("a"), cache.get("b")];
    eval(refuse)();
    const a = await cache.read("a");
    Storage.prototype.getItem = window.realGetItem;
    return {
      unloaded,
      a: a ?? "unreadable",
      stillIndexed: cache.peek("a") !== undefined,
      b: await cache.read("b"),
      stored: Object.keys(localStorage).sort(),
      corrupt: cache.stats().corrupt,
      storageUnavailable: cache.stats().storageUnavailable,
      codes: window.diagnostics.map((d) => `${d.code} ${d.tier} ${d.key}`),
    };
  }, `(${refuse})`);
  assert.deepEqual(onRead, {
    unloaded: [undefined, undefined],
    a: "unreadable",
    stillIndexed: true,
    b: "value b",
    stored: ["cachebus:getitem:alice:a", "cachebus:getitem:alice:b"],
    corrupt: 0,
    storageUnavailable: 1,
    codes: ["STORAGE_UNAVAILABLE local a"],
  });
  assert.deepEqual(problems, []);
  await context.close();
});

test("where storage throws (a sandboxed frame), persistent writes fall back to memory and say so", async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${env.server.url}sandbox`);
  const frame = page.frame({ name: "sandboxed" });
  await frame.waitForLoadState();
  const result = await frame.evaluate(async () => {
    let storageThrows = false;
    try {
      void window.localStorage;
    } catch {
      storageThrows = true;
    }
    const { createCache } = await import(`${location.protocol}//${location.host}/pkg/index.js`);
    const events = [];
    addEventListener("cachebus:error", (event) => events.push(`${event.detail.code} ${event.detail.tier}`));
    const cache = await createCache({ namespace: "sandboxed", user: "alice" });
    cache.set("l", "local value", { tier: "local" });
    cache.set("i", "idb value", { tier: "idb" });
    await cache.flush();
    return {
      storageThrows,
      values: [cache.get("l"), await cache.read("i")],
      tiers: [cache.peek("l").tier, cache.peek("i").tier],
      storageUnavailable: cache.stats().storageUnavailable,
      events,
    };
  });
  assert.deepEqual(result, {
    storageThrows: true,
    values: ["local value", "idb value"],
    tiers: ["memory", "memory"],
    storageUnavailable: 3,
    // localStorage could not be loaded (createCache), then neither write could be persisted.
    events: ["STORAGE_UNAVAILABLE local", "STORAGE_UNAVAILABLE local", "STORAGE_UNAVAILABLE idb"],
  });
  await context.close();
});

test("values a tier cannot encode are refused with INVALID_VALUE and the previous value is kept", async () => {
  const { page, context, open } = await freshPage();
  await open({ namespace: "encode" });
  const result = await run(page, async () => {
    const codeOf = (fn) => {
      try {
        fn();
        return "stored";
      } catch (error) {
        return error instanceof window.cachebus.CacheError ? error.code : String(error);
      }
    };
    const cyclic = {};
    cyclic.self = cyclic;
    cache.set("k", "previous", { tier: "local" });
    cache.set("j", "previous", { tier: "idb" });
    return {
      cycleInLocal: codeOf(() => cache.set("k", cyclic, { tier: "local" })),
      bigintInLocal: codeOf(() => cache.set("k", 10n, { tier: "local" })),
      functionInLocal: codeOf(() => cache.set("k", () => 1, { tier: "local" })),
      functionInIdb: codeOf(() => cache.set("j", () => 1, { tier: "idb" })),
      bigintInIdb: codeOf(() => cache.set("big", 10n, { tier: "idb" })),
      cycleInIdb: codeOf(() => cache.set("cyc", cyclic, { tier: "idb" })),
      functionInMemory: codeOf(() => cache.set("fn", () => 1)),
      kept: [cache.get("k"), cache.get("j"), await cache.read("j")],
    };
  });
  assert.deepEqual(result, {
    cycleInLocal: "INVALID_VALUE",
    bigintInLocal: "INVALID_VALUE",
    functionInLocal: "INVALID_VALUE",
    functionInIdb: "INVALID_VALUE",
    bigintInIdb: "stored",
    cycleInIdb: "stored",
    functionInMemory: "stored",
    kept: ["previous", "previous", "previous"],
  });
  await context.close();
});

test("entries of another data version are dropped, or brought forward by migrate", async () => {
  const { page, context, open, reload } = await freshPage();
  await open({ namespace: "versions", version: 1 });
  await run(page, async () => {
    cache.set("l", { count: 1 }, { tier: "local" });
    cache.set("i", { count: 1 }, { tier: "idb" });
    await cache.flush();
  });
  await reload();
  const migrate = "(value, from) => (from === 1 ? { count: value.count + 1, from } : undefined)";
  await run(page, async (migrate) => {
    const { createCache } = await import("/pkg/index.js");
    window.cache = await createCache({ namespace: "versions", version: 2, migrate: eval(migrate) });
  }, migrate);
  const migrated = await run(page, async () => [cache.get("l"), await cache.read("i")]);
  assert.deepEqual(migrated, [{ count: 2, from: 1 }, { count: 2, from: 1 }]);
  await reload();
  await open({ namespace: "versions", version: 3 });
  const dropped = await run(page, async () => [cache.get("l") ?? "dropped", (await cache.read("i")) ?? "dropped"]);
  assert.deepEqual(dropped, ["dropped", "dropped"]);
  await context.close();
});

test("a localBytes budget keeps our localStorage use under it by evicting least recently used entries", async () => {
  const { page, context, open } = await freshPage();
  await open({ namespace: "budget", budgets: { localBytes: 3_500 } });
  const result = await run(page, () => {
    for (let i = 1; i <= 5; i++) {
      cache.set(`k${i}`, "v".repeat(1_000), { tier: "local" });
      if (i === 3) cache.get("k1"); // k1 becomes more recently used than k2
    }
    const ours = Object.keys(localStorage).filter((k) => k.startsWith("cachebus:budget:"));
    return {
      kept: ours.map((k) => k.split(":").pop()).sort(),
      bytes: ours.reduce((n, k) => n + k.length + localStorage.getItem(k).length, 0),
      stats: cache.stats(),
    };
  });
  assert.deepEqual(result.kept, ["k1", "k4", "k5"]);
  assert.ok(result.bytes <= 3_500, `${result.bytes} bytes kept`);
  assert.equal(result.stats.tiers.local.entries, 3);
  assert.equal(result.stats.tiers.local.bytes, result.bytes);
  assert.equal(result.stats.evictions, 2);
  await context.close();
});

test("a closed IndexedDB (deleted by another tab) does not block it; writes fall back to memory and nothing held is lost", async () => {
  const { page, context, problems, open, reload } = await freshPage();
  await open({ namespace: "closed-idb", user: "alice" });
  await run(page, async () => {
    cache.set("onDisk", "persisted", { tier: "idb" });
    await cache.flush();
  });
  await reload();
  await open({ namespace: "closed-idb", user: "alice" });
  const result = await run(page, async () => {
    cache.set("held", "in memory too", { tier: "idb" });
    await cache.flush();
    // Another tab deletes the database: it must not wait on this cache's open connection.
    const deleted = await new Promise((resolve) => {
      const request = indexedDB.deleteDatabase("cachebus:closed-idb");
      request.onsuccess = () => resolve("deleted");
      request.onblocked = () => setTimeout(() => resolve("blocked"), 500);
    });
    cache.set("after", "kept", { tier: "idb" });
    const onDisk = await cache.read("onDisk");
    return {
      deleted,
      after: [cache.get("after"), cache.peek("after").tier],
      held: cache.get("held"),
      onDisk: onDisk ?? "unreadable",
      onDiskStillIndexed: cache.peek("onDisk") !== undefined,
      corrupt: cache.stats().corrupt,
      codes: window.diagnostics.map((d) => `${d.code} ${d.key}`),
    };
  });
  assert.deepEqual(result, {
    deleted: "deleted",
    after: ["kept", "memory"],
    held: "in memory too",
    onDisk: "unreadable",
    onDiskStillIndexed: true,
    corrupt: 0,
    codes: ["STORAGE_UNAVAILABLE after", "STORAGE_UNAVAILABLE onDisk"],
  });
  assert.deepEqual(problems, []);
  await context.close();
});

test("keys lists the current user's live keys a target matches, without counting reads", async () => {
  const { page, context, problems, open } = await freshPage();
  await open({ namespace: "keys", user: "alice" });
  const result = await run(page, async () => {
    cache.set("assets:shop1:fonts", 1, { tier: "local", tags: ["fonts"] });
    cache.set("assets:shop1:colors", 2, { tier: "idb" });
    cache.set("clients:list", 3);
    cache.set("short", 4, { ttlMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const before = cache.stats();
    const listed = {
      all: cache.keys(),
      prefix: cache.keys({ prefix: "assets:" }),
      tag: cache.keys({ tags: ["fonts"] }),
      pattern: cache.keys({ pattern: "*:list" }),
    };
    const after = cache.stats();
    let badTarget;
    try {
      cache.keys({ nope: 1 });
    } catch (error) {
      badTarget = error.code;
    }
    await cache.switchUser("bob");
    return { listed, readsCounted: after.hits + after.misses - (before.hits + before.misses), badTarget, bob: cache.keys() };
  });
  assert.deepEqual(result, {
    listed: {
      all: ["assets:shop1:colors", "assets:shop1:fonts", "clients:list"], // "short" has expired
      prefix: ["assets:shop1:colors", "assets:shop1:fonts"],
      tag: ["assets:shop1:fonts"],
      pattern: ["clients:list"],
    },
    readsCounted: 0,
    badTarget: "INVALID_TARGET",
    bob: [],
  });
  assert.deepEqual(problems, []);
  await context.close();
});

test("remove by prefix deletes exactly that key range from IndexedDB, for the current user only", async () => {
  const { page, context, problems, open, reload } = await freshPage();
  const keys = ["assets", "assets:", "assets:x", "assets:😀", "assets:\uffff\uffffz", "assets;", "assetsX", "b"];
  await open({ namespace: "idb-prefix", user: "bob" });
  await run(page, async (keys) => {
    for (const key of keys) cache.set(key, `bob ${key}`, { tier: "idb" });
    await cache.flush();
  }, keys);
  await open({ namespace: "idb-prefix", user: "alice" });
  const removed = await run(page, async (keys) => {
    for (const key of keys) cache.set(key, key, { tier: "idb" });
    await cache.flush();
    return cache.remove({ prefix: "assets:" });
  }, keys);
  assert.equal(removed, 4);
  await reload();
  await open({ namespace: "idb-prefix", user: "alice" });
  const left = await run(page, async (keys) => {
    const alice = {};
    for (const key of keys) alice[key] = (await cache.read(key)) ?? "gone";
    await cache.switchUser("bob");
    const bob = await Promise.all(keys.map((key) => cache.read(key)));
    return { alice, bobIntact: bob.every((value, i) => value === `bob ${keys[i]}`) };
  }, keys);
  assert.deepEqual(left, {
    alice: {
      assets: "assets",
      "assets:": "gone",
      "assets:x": "gone",
      "assets:😀": "gone",
      "assets:\uffff\uffffz": "gone",
      "assets;": "assets;",
      assetsX: "assetsX",
      b: "b",
    },
    bobIntact: true,
  });
  assert.deepEqual(problems, []);
  await context.close();
});

/** The records of IndexedDB database `name`'s `journal` store, in key order. */
const journalOf = (page, name) =>
  run(page, (name) => new Promise((resolve, reject) => {
    const open = indexedDB.open(name);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const read = db.transaction("journal").objectStore("journal").getAll();
      read.onsuccess = () => (db.close(), resolve(read.result.map(({ u, s, o }) => ({ u, snapshot: s === true, keys: o.filter((_, i) => i % 2 === 0) }))));
      read.onerror = () => reject(read.error);
    };
  }), name);

test("IndexedDB metadata is a journal of one record a tick, replayed after a reload and compacted into one", async () => {
  const { page, context, problems, open, reload } = await freshPage();
  await open({ namespace: "journal", user: "bob" });
  await run(page, () => (cache.set("a", "bob's a", { tier: "idb" }), cache.flush()));
  await open({ namespace: "journal", user: "alice" });
  await run(page, async () => {
    for (const key of ["a", "b", "c", "x:1", "x:2"]) cache.set(key, `alice's ${key}`, { tier: "idb", ttlMs: 60_000 });
    await cache.flush();
    cache.invalidate("a");
    await cache.flush();
    const removed = [cache.remove("b"), cache.remove({ prefix: "x:" })];
    cache.set("d", "alice's d", { tier: "idb" });
    await Promise.all(removed);
    await cache.flush();
  });
  const written = await journalOf(page, "cachebus:journal");
  await reload();
  await open({ namespace: "journal", user: "alice" });
  const replayed = await run(page, async () => ({
    keys: cache.keys(),
    states: ["a", "c", "d"].map((key) => cache.peek(key)?.state),
    a: await cache.read("a"),
    b: (await cache.read("b")) ?? "gone",
  }));
  const compacted = await journalOf(page, "cachebus:journal");
  // Another tab appends after the compaction: its record follows the snapshot.
  await run(page, async () => {
    const otherTab = await cachebus.createCache({ namespace: "journal", user: "alice" });
    otherTab.set("e", "from the other tab", { tier: "idb" });
    otherTab.invalidate("c");
    await otherTab.flush();
    otherTab.close();
  });
  await reload();
  await open({ namespace: "journal", user: "alice" });
  const afterOtherTab = await run(page, () => ({ keys: cache.keys(), c: cache.peek("c")?.state }));
  await open({ namespace: "journal", user: "bob" });
  const bob = await run(page, async () => ({ keys: cache.keys(), a: await cache.read("a") }));

  assert.deepEqual(written, [
    { u: "bob", snapshot: false, keys: ["a"] },
    { u: "alice", snapshot: false, keys: ["a", "b", "c", "x:1", "x:2"] },
    { u: "alice", snapshot: false, keys: ["a"] }, // the invalidation: one record, metadata only
    { u: "alice", snapshot: false, keys: ["b", "x:", "d"] }, // a deletion, a prefix, a write: one tick
  ]);
  assert.deepEqual(replayed, { keys: ["a", "c", "d"], states: ["stale", "fresh", "fresh"], a: "alice's a", b: "gone" });
  assert.deepEqual(compacted, [
    { u: "bob", snapshot: false, keys: ["a"] },
    { u: "alice", snapshot: true, keys: ["a", "c", "d"] },
  ]);
  assert.deepEqual(afterOtherTab, { keys: ["a", "c", "d", "e"], c: "stale" });
  assert.deepEqual(bob, { keys: ["a"], a: "bob's a" });
  assert.deepEqual(problems, []);
  await context.close();
});

test("a compaction deletes the user's records run by run: another user's records between and after them stay", async () => {
  const { page, context, problems, open, reload } = await freshPage();
  await open({ namespace: "journal-runs", user: "alice" });
  await run(page, async () => {
    const bob = await cachebus.createCache({ namespace: "journal-runs", user: "bob" });
    await bob.flush();
    const write = async (tab, key) => (tab.set(key, `${key} value`, { tier: "idb" }), await tab.flush());
    await write(cache, "a");
    await write(bob, "b");
    await write(cache, "c");
    await write(cache, "d");
    await write(bob, "e");
    bob.close();
  });
  const written = await journalOf(page, "cachebus:journal-runs");
  await reload();
  await open({ namespace: "journal-runs", user: "alice" });
  const alice = await run(page, async () => ({ keys: cache.keys(), d: await cache.read("d") }));
  const compacted = await journalOf(page, "cachebus:journal-runs");
  await open({ namespace: "journal-runs", user: "bob" });
  const bob = await run(page, async () => ({ keys: cache.keys(), b: await cache.read("b"), e: await cache.read("e") }));

  assert.deepEqual(written.map(({ u, keys }) => `${u}:${keys}`), ["alice:a", "bob:b", "alice:c", "alice:d", "bob:e"]);
  assert.deepEqual(alice, { keys: ["a", "c", "d"], d: "d value" });
  assert.deepEqual(compacted, [
    { u: "bob", snapshot: false, keys: ["b"] },
    { u: "alice", snapshot: true, keys: ["a", "c", "d"] },
    { u: "bob", snapshot: false, keys: ["e"] },
  ]);
  assert.deepEqual(bob, { keys: ["b", "e"], b: "b value", e: "e value" });
  assert.deepEqual(problems, []);
  await context.close();
});

test("a version 1 database (one metadata record per entry) is upgraded: its entries are dropped, the cache works", async () => {
  const { page, context, problems, open, reload } = await freshPage();
  await run(page, () => new Promise((resolve, reject) => {
    const request = indexedDB.open("cachebus:upgrade", 1);
    request.onupgradeneeded = () => {
      const db = request.result;
      db.createObjectStore("meta").put({ cb: 1, v: null, u: 1, s: null, x: null, t: [], e: null, z: 1 }, ["", "old"]);
      db.createObjectStore("values").put("old value", ["", "old"]);
    };
    request.onsuccess = () => (request.result.close(), resolve());
    request.onerror = () => reject(request.error);
  }));
  await open({ namespace: "upgrade" });
  await run(page, () => (cache.set("new", "new value", { tier: "idb" }), cache.flush()));
  await reload();
  await open({ namespace: "upgrade" });
  const result = await run(page, async () => ({
    keys: cache.keys(),
    old: (await cache.read("old")) ?? "gone",
    new: await cache.read("new"),
    stores: await new Promise((resolve) => {
      const request = indexedDB.open("cachebus:upgrade");
      request.onsuccess = () => (resolve([request.result.version, [...request.result.objectStoreNames]]), request.result.close());
    }),
  }));
  assert.deepEqual(result, { keys: ["new"], old: "gone", new: "new value", stores: [2, ["journal", "values"]] });
  assert.deepEqual(problems, []);
  await context.close();
});

test("a long-lived tab compacts its IndexedDB journal as it goes, without a reload", async () => {
  const { page, context, problems, open, reload } = await freshPage();
  await open({ namespace: "journal-long", user: "alice" });
  const ticks = 300; // more than the 256 records a tab appends before it compacts them
  await run(page, async (ticks) => {
    for (let i = 0; i < ticks; i++) {
      cache.set(`k${i % 7}`, i, { tier: "idb" });
      await cache.flush();
    }
    await new Promise((resolve) => setTimeout(resolve, 100)); // the compaction runs after the 256th flush
  }, ticks);
  const records = await journalOf(page, "cachebus:journal-long");
  await reload();
  await open({ namespace: "journal-long", user: "alice" });
  const values = await run(page, async () => Promise.all(cache.keys().map((key) => cache.read(key))));
  assert.equal(records[0].snapshot, true, "the first record is a snapshot");
  assert.deepEqual(records[0].keys, ["k0", "k1", "k2", "k3", "k4", "k5", "k6"]);
  assert.equal(records.length, 1 + ticks - 256, "a snapshot, then one record a tick since");
  assert.deepEqual(values, [294, 295, 296, 297, 298, 299, 293]);
  assert.deepEqual(problems, []);
  await context.close();
});

test("a createCache refused for its options leaves no IndexedDB database behind; an existing one is kept", async () => {
  const { page, context, problems, open } = await freshPage();
  await open({ namespace: "kept" });
  const result = await run(page, async () => {
    cache.set("k", 1, { tier: "idb" });
    await cache.flush();
    const codeOf = (options) => cachebus.createCache(options).then(() => "created", (error) => error.code);
    const codes = [
      await codeOf({ namespace: "bad name" }),
      await codeOf({ namespace: "fresh", user: "a:b" }),
      await codeOf({ namespace: "kept", user: "" }),
    ];
    const names = (await indexedDB.databases()).map((d) => d.name).sort();
    return { codes, names, kept: await cache.read("k") };
  });
  assert.deepEqual(result, {
    codes: ["INVALID_NAMESPACE", "INVALID_USER", "INVALID_USER"],
    names: ["cachebus:kept"],
    kept: 1,
  });
  assert.deepEqual(problems, []);
  await context.close();
});

test("a tab holding more IndexedDB entries than 256 compacts after as many records as it has entries", async () => {
  const { page, context, problems, open, reload } = await freshPage();
  await open({ namespace: "journal-big", user: "alice" });
  const entries = 400;
  await run(page, async (entries) => {
    for (let i = 0; i < entries; i++) cache.set(`k${i}`, i, { tier: "idb" });
    await cache.flush();
  }, entries);
  await reload();
  await open({ namespace: "journal-big", user: "alice" }); // replays 400 entries: next compaction after 400 records
  const recordsAfter = async (ticks) => {
    await run(page, async (ticks) => {
      for (let i = 0; i < ticks; i++) {
        cache.set("hot", i, { tier: "idb" });
        await cache.flush();
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }, ticks);
    return (await journalOf(page, "cachebus:journal-big")).length;
  };
  const afterThree = await recordsAfter(300);
  const afterFour = await recordsAfter(100);
  assert.equal(afterThree, 301, "the snapshot and 300 records: 256 is not enough to compact 400 entries");
  assert.equal(afterFour, 1, "the 400th record compacted them into one snapshot");
  assert.deepEqual(problems, []);
  await context.close();
});

test("a cache that created its database finds its own IndexedDB entries again after a user switch", async () => {
  const { page, context, problems, open } = await freshPage();
  await open({ namespace: "created-here", user: "alice" }); // creates the database: nothing to load
  const result = await run(page, async () => {
    cache.set("a", "alice's a", { tier: "idb" });
    await cache.flush();
    await cache.switchUser("bob");
    const bob = cache.keys();
    await cache.switchUser("alice");
    return { bob, alice: cache.keys(), a: await cache.read("a") };
  });
  assert.deepEqual(result, { bob: [], alice: ["a"], a: "alice's a" });
  assert.deepEqual(problems, []);
  await context.close();
});

test("a wasm that fails to load rejects createCache, leaves no database open or behind, and the next call retries", async () => {
  const { page, context, problems } = await freshPage();
  await page.route("**/cachebus_bg.wasm", (route) => route.abort());
  const failed = await run(page, async () => {
    const { createCache } = await import("/pkg/index.js");
    const error = await createCache({ namespace: "no-wasm" }).then(() => "created", (e) => e.name);
    return { error, names: (await indexedDB.databases()).map((d) => d.name) };
  });
  await page.unroute("**/cachebus_bg.wasm");
  const retried = await run(page, async () => {
    const { createCache } = await import("/pkg/index.js");
    const cache = await createCache({ namespace: "no-wasm" });
    cache.set("k", 1, { tier: "idb" });
    await cache.flush();
    return (await indexedDB.databases()).map((d) => d.name);
  });
  assert.notEqual(failed.error, "created");
  assert.deepEqual(failed.names, [], "the database the failed call created is deleted");
  assert.deepEqual(retried, ["cachebus:no-wasm"]);
  assert.deepEqual(problems, []);
  await context.close();
});

// IndexedDB behind `createCache`: it resolves before the database has opened and the user's
// entries have loaded, and every call made in that window keeps the library's promise once the
// load lands. A cache made in a page whose wasm is loaded resolves within microtasks, before
// IndexedDB's open (a task) can succeed: each test below creates it and makes its calls in one
// evaluation (`race`), and checks that they ran before the load (`peek` of an entry on disk is
// still `undefined`).

/**
 * `seed(options, entries)` writes `[key, value, tags]` entries to IndexedDB with a cache of its
 * own and closes it (the wasm is loaded then).
 */
const seeding = (page) => (options, entries) =>
  run(page, async ([options, entries]) => {
    window.cachebus = await import("/pkg/index.js");
    const seeded = await cachebus.createCache(options);
    for (const [key, value, tags = []] of entries) seeded.set(key, value, { tier: "idb", tags });
    await seeded.flush();
    seeded.close();
  }, [options, entries]);

/** The state of each of `keys` in `window.cache` once its writes are in ("absent": no entry). */
const statesOf = (page, keys) =>
  page.evaluate(async (keys) => {
    await cache.flush();
    return Object.fromEntries(keys.map((key) => [key, cache.peek(key)?.state ?? "absent"]));
  }, keys);

/**
 * `race(options, fn)` creates `window.cache` and runs `fn` (a function of the page) at once; with
 * `coordinateTabs: false`, so that no wait for other tabs (a Web Locks query) lets the load land
 * before `fn` runs.
 */
const racing = (page) => (options, fn) =>
  run(page, async ([options, fn]) => {
    window.cache = await cachebus.createCache({ coordinateTabs: false, ...options });
    return await eval(fn)();
  }, [options, `(${fn})`]);

test("a write made before IndexedDB has opened is persisted as it was, and the older copy on disk does not replace it", async () => {
  const { page, context, problems, open, reload } = await freshPage();
  const [seed, race] = [seeding(page), racing(page)];
  const options = { namespace: "lazy-set", user: "alice" };
  await seed(options, [["k", "old"], ["other", "on disk"]]);
  const result = await race(options, async () => {
    const before = cache.peek("other") ?? "not loaded yet";
    cache.set("k", "new", { tier: "idb" });
    const object = { n: 1 };
    cache.set("object", object, { tier: "idb" });
    object.n = 2; // after the set: IndexedDB keeps the value as it was when set
    let refused;
    try {
      cache.set("function", () => 1, { tier: "idb" });
    } catch (error) {
      refused = error.code;
    }
    await cache.flush(); // waits for the database and the load too
    return { before, k: [cache.get("k"), cache.peek("k").tier], other: cache.peek("other")?.state, refused };
  });
  assert.deepEqual(result, { before: "not loaded yet", k: ["new", "idb"], other: "fresh", refused: "INVALID_VALUE" });
  await reload();
  await open(options);
  const reloaded = await page.evaluate(async () => ({
    k: await cache.read("k"),
    object: await cache.read("object"),
    function: (await cache.read("function")) ?? "none",
    diagnostics,
  }));
  assert.deepEqual(reloaded, { k: "new", object: { n: 1 }, function: "none", diagnostics: [] });
  assert.deepEqual(problems, []);
  await context.close();
});

test("invalidations and removals made before the load reach the entries it brings, on disk too", async () => {
  const { page, context, problems, open, reload } = await freshPage();
  const [seed, race] = [seeding(page), racing(page)];
  const options = { namespace: "lazy-changes", user: "alice" };
  const keys = ["inv:key", "inv:tag", "rm:key", "rm:pre:a", "rm:pre:b", "rm:tag", "keep"];
  await seed(options, [
    ["inv:key", 1],
    ["inv:tag", 2, ["lists"]],
    ["rm:key", 3],
    ["rm:pre:a", 4],
    ["rm:pre:b", 5],
    ["rm:tag", 6, ["gone"]],
    ["keep", 7],
  ]);
  const counts = await race(options, async () => {
    const before = cache.peek("keep") ?? "not loaded yet";
    const changed = [
      cache.invalidate("inv:key"),
      cache.invalidate({ tags: ["lists"] }),
      await Promise.all([cache.remove("rm:key"), cache.remove({ prefix: "rm:pre:" }), cache.remove({ tags: ["gone"] })]),
    ];
    return { before, changed };
  });
  // Counted: the live entries held when the call ran; the load had not brought these yet.
  assert.deepEqual(counts, { before: "not loaded yet", changed: [0, 0, [0, 0, 0]] });
  const expected = {
    "inv:key": "stale",
    "inv:tag": "stale",
    "rm:key": "absent",
    "rm:pre:a": "absent",
    "rm:pre:b": "absent",
    "rm:tag": "absent",
    keep: "fresh",
  };
  assert.deepEqual(await statesOf(page, keys), expected, "as the load lands");
  await reload();
  await open(options);
  assert.deepEqual(await statesOf(page, keys), expected, "after a reload: the changes reached IndexedDB");
  assert.equal(await page.evaluate(() => cache.read("rm:key")), undefined);
  assert.deepEqual(problems, []);
  await context.close();
});

test("read and fetch of an idb key before the load find it on disk; a subscriber hears when the load brings its key", async () => {
  const { page, context, problems } = await freshPage();
  const [seed, race] = [seeding(page), racing(page)];
  const options = { namespace: "lazy-read", user: "alice" };
  await seed(options, [["r", "disk r"], ["f", "disk f"], ["s", "disk s"]]);
  const result = await race(options, async () => {
    const before = cache.peek("s") ?? "not loaded yet";
    let heard = 0;
    cache.subscribe("s", () => heard++);
    const got = cache.get("s") ?? "undefined"; // get never touches IndexedDB
    let calls = 0;
    const [r, f] = await Promise.all([cache.read("r"), cache.fetch("f", async () => (calls++, "network"))]);
    await cache.flush();
    return { before, got, r, f, calls, heard: heard > 0, s: cache.peek("s")?.state };
  });
  assert.deepEqual(result, { before: "not loaded yet", got: "undefined", r: "disk r", f: "disk f", calls: 0, heard: true, s: "fresh" });
  assert.deepEqual(problems, []);
  await context.close();
});

test("a user switch before the first load lands never shows the previous user's entries", async () => {
  const { page, context, problems } = await freshPage();
  const [seed, race] = [seeding(page), racing(page)];
  await seed({ namespace: "lazy-switch", user: "alice" }, [["secret", "alice's"], ["shared", "alice's"]]);
  await seed({ namespace: "lazy-switch", user: "bob" }, [["shared", "bob's"]]);
  const result = await race({ namespace: "lazy-switch", user: "alice" }, async () => {
    const before = cache.peek("secret") ?? "not loaded yet";
    await cache.switchUser("bob");
    await cache.flush();
    return {
      before,
      keys: cache.keys(),
      secret: (await cache.read("secret")) ?? "none",
      shared: await cache.read("shared"),
    };
  });
  assert.deepEqual(result, { before: "not loaded yet", keys: ["shared"], secret: "none", shared: "bob's" });
  assert.deepEqual(problems, []);
  await context.close();
});

test("changes made before the load reach the entries on disk of a user switched away from before it landed", async () => {
  const { page, context, problems, open, reload } = await freshPage();
  const [seed, race] = [seeding(page), racing(page)];
  const alice = { namespace: "lazy-left", user: "alice" };
  const keys = ["inv:key", "inv:tag", "inv:pre:a", "rm:tag", "rm:pat:x", "keep"];
  await seed(alice, [
    ["inv:key", 1],
    ["inv:tag", 2, ["lists"]],
    ["inv:pre:a", 3],
    ["rm:tag", 4, ["gone"]],
    ["rm:pat:x", 5],
    ["keep", 6],
  ]);
  const before = await race(alice, async () => {
    const before = cache.peek("keep") ?? "not loaded yet";
    cache.invalidate("inv:key");
    cache.invalidate({ tags: ["lists"] });
    cache.invalidate({ prefix: "inv:pre:" });
    const removals = Promise.all([cache.remove({ tags: ["gone"] }), cache.remove({ pattern: "rm:pat:*" })]);
    const switched = cache.switchUser("bob"); // before the load of alice's entries lands
    await Promise.all([removals, switched]);
    await cache.flush(); // waits for the load that brings the changes to alice's entries on disk
    return before;
  });
  assert.equal(before, "not loaded yet");
  const expected = { "inv:key": "stale", "inv:tag": "stale", "inv:pre:a": "stale", "rm:tag": "absent", "rm:pat:x": "absent", keep: "fresh" };
  await page.evaluate(async () => {
    await cache.switchUser("alice");
    await cache.flush();
  });
  assert.deepEqual(await statesOf(page, keys), expected, "back to alice in the same tab");
  await reload();
  await open(alice);
  assert.deepEqual(await statesOf(page, keys), expected, "after a reload: the changes are on disk");
  assert.equal(await page.evaluate(() => cache.read("rm:tag")), undefined);
  assert.deepEqual(problems, []);
  await context.close();
});

test("changes made before the database opened reach the entries of a user switched away from before it did", async () => {
  // The other ordering of the test above: here no load of alice's entries has started when the
  // switch comes (the database opens after it), so only the load the switch asks for brings her
  // changes to disk.
  const { page, context, problems, open, reload } = await freshPage();
  const [seed, race] = [seeding(page), racing(page)];
  const alice = { namespace: "lazy-left-closed", user: "alice" };
  await seed(alice, [["inv:key", 1], ["rm:tag", 2, ["gone"]], ["keep", 3]]);
  // A held connection blocks an upgrade, and the cache's open waits behind that upgrade (opens of
  // a database are served in order); the upgrade aborts once the connection lets go.
  await page.evaluate(async (name) => {
    window.holder = await new Promise((resolve) => {
      const request = indexedDB.open(name);
      request.onsuccess = () => resolve(request.result);
    });
    const upgrade = indexedDB.open(name, holder.version + 1);
    upgrade.onupgradeneeded = () => upgrade.transaction.abort();
    window.upgradeEnded = new Promise((resolve) => (upgrade.onerror = upgrade.onsuccess = resolve));
  }, `cachebus:${alice.namespace}`);
  const before = await race(alice, async () => {
    const before = cache.peek("keep") ?? "not loaded yet";
    cache.invalidate("inv:key");
    const removed = cache.remove({ tags: ["gone"] });
    const switched = cache.switchUser("bob");
    holder.close();
    await upgradeEnded;
    await Promise.all([removed, switched]);
    await cache.flush();
    return before;
  });
  assert.equal(before, "not loaded yet");
  const expected = { "inv:key": "stale", "rm:tag": "absent", keep: "fresh" };
  await reload();
  await open(alice);
  assert.deepEqual(await statesOf(page, Object.keys(expected)), expected, "after a reload: the changes are on disk");
  assert.deepEqual(problems, []);
  await context.close();
});
