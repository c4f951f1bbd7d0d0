// A quick in-browser measurement of cachebus's basic operations per tier (headless Chromium,
// the built package served unbundled), with a plain JS Map doing the same work as a yardstick.
// Prints µs per operation. Not a benchmark against peers (that is the benchmark command's job),
// and never used as a test assertion; every run checks its own results.
// Usage (after a build): node scripts/measure.mjs [--entries N]
import { parseArgs } from "node:util";
import { launchBrowser, startPackageServer } from "../tests/e2e/harness.mjs";

const { values } = parseArgs({ options: { entries: { type: "string", default: "10000" } } });
const server = await startPackageServer();
const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  await page.goto(server.url);
  const rows = await page.evaluate(async (allEntries) => {
    const { createCache } = await import("/pkg/index.js");
    const prefixes = 100;
    const rounds = 10; // invalidations timed: one prefix each (performance.now() is coarse here)
    const time = async (ops, run) => {
      const start = performance.now();
      await run();
      return ((performance.now() - start) * 1000) / ops;
    };
    const check = (ok, what) => {
      if (!ok) throw new Error(`wrong result: ${what}`);
    };
    const measureTier = async (tier, entries) => {
      localStorage.clear();
      const cache = await createCache({ namespace: `measure-${tier}` });
      const keys = Array.from({ length: entries }, (_, i) => `p${i % prefixes}:k${i}`);
      const values = keys.map((_, i) => ({ id: i, text: "x".repeat(1000) })); // about 1 KB of JSON
      const set = await time(entries, async () => {
        for (let i = 0; i < entries; i++) cache.set(keys[i], values[i], { tier, ttlMs: 600_000, tags: ["t"] });
        await cache.flush();
      });
      let found = 0;
      const hit = await time(entries, () => {
        for (const key of keys) found += cache.get(key) === undefined ? 0 : 1;
      });
      check(found === entries, `${tier} hits`);
      const miss = await time(entries, () => {
        for (const key of keys) found += cache.get(`missing:${key}`) === undefined ? 0 : 1;
      });
      check(found === entries, `${tier} misses`);
      let invalidated = 0;
      const invalidate = await time(rounds, async () => {
        for (let p = 0; p < rounds; p++) invalidated += cache.invalidate({ prefix: `p${p}:` });
        await cache.flush();
      });
      check(invalidated === (entries / prefixes) * rounds, `${tier} invalidations`);
      await cache.remove({ all: true });
      cache.close();
      return { tier, entries, set, hit, miss, invalidate };
    };
    const measureMap = async (entries) => {
      const map = new Map();
      const keys = Array.from({ length: entries }, (_, i) => `p${i % prefixes}:k${i}`);
      const values = keys.map((_, i) => ({ id: i, text: "x".repeat(1000) }));
      const set = await time(entries, () => keys.forEach((key, i) => map.set(key, { value: values[i], expiresAt: Date.now() + 600_000, tags: ["t"] })));
      let found = 0;
      const hit = await time(entries, () => keys.forEach((key) => (found += map.has(key) ? 1 : 0)));
      const miss = await time(entries, () => keys.forEach((key) => (found += map.get(`missing:${key}`) ? 1 : 0)));
      let invalidated = 0;
      const invalidate = await time(rounds, () => {
        for (let p = 0; p < rounds; p++) {
          for (const [key, entry] of map) if (key.startsWith(`p${p}:`)) (entry.stale = true), invalidated++;
        }
      });
      check(found === entries && invalidated === (entries / prefixes) * rounds, "Map");
      return { tier: "JS Map", entries, set, hit, miss, invalidate };
    };
    /** Overheads of `fetch`: 1,000 concurrent callers of one key, and a fresh hit. */
    const measureFetch = async () => {
      const cache = await createCache({ namespace: "measure-fetch" });
      let calls = 0;
      const fetcher = () => new Promise((resolve) => setTimeout(() => resolve(++calls), 20));
      const callers = 1000;
      // Time to issue the calls and settle them, minus the fetcher's own 20 ms.
      const start = performance.now();
      const answers = await Promise.all(Array.from({ length: callers }, () => cache.fetch("k0", fetcher)));
      const concurrentMs = performance.now() - start - 20;
      check(calls === 1 && answers.every((a) => a === 1), "dedup: one call");
      const hits = 10_000;
      const hit = await time(hits, async () => {
        for (let i = 0; i < hits; i++) await cache.fetch("k0", fetcher);
      });
      const awaitOnly = await time(hits, async () => {
        for (let i = 0; i < hits; i++) await Promise.resolve(1);
      });
      check(calls === 1, "hits: no call");
      cache.close();
      return { concurrentMs, hit, awaitOnly };
    };
    const all = async () => [
      await measureTier("memory", allEntries),
      // localStorage holds about 5 M characters per origin: size the local run to fit.
      await measureTier("local", Math.min(allEntries, 4000)),
      await measureTier("idb", allEntries),
      await measureMap(allEntries),
    ];
    await all(); // warm-up: V8 compiles wasm and JS lazily on first call
    await measureFetch();
    return { tiers: await all(), fetch: await measureFetch() };
  }, Number(values.entries));
  console.log("values of ~1 KB JSON, keys over 100 prefixes, second of two runs; µs per operation");
  console.log("set: with ttlMs and tags, flush included; invalidate: one prefix (1/100 of the entries), flush included");
  console.log("tier   | entries |    set | get hit | get miss | invalidate 1 prefix");
  for (const r of rows.tiers) {
    const f = (n, w) => n.toFixed(2).padStart(w);
    console.log([r.tier.padEnd(6), String(r.entries).padStart(7), f(r.set, 6), f(r.hit, 7), f(r.miss, 8), f(r.invalidate, 19)].join(" | "));
  }
  const latency = await measureCrossTab(browser, server.url);
  const f = rows.fetch;
  console.log("fetch:");
  console.log(`  1,000 concurrent fetches of one key: 1 fetcher call, ${f.concurrentMs.toFixed(2)} ms overhead in all (beyond the fetcher's 20 ms)`);
  console.log(`  cached-hit fetch: ${f.hit.toFixed(2)} µs (awaiting a resolved promise alone: ${f.awaitOnly.toFixed(2)} µs)`);
  console.log("cross-tab: invalidate in tab A until cachebus:change (origin tab) in tab B, 100 times:");
  console.log(`  median ${latency.median.toFixed(2)} ms, worst ${latency.worst.toFixed(2)} ms`);
} finally {
  await browser.close();
  server.stop();
}

/** Milliseconds from `invalidate` in one tab to the `cachebus:change` it causes in another, 100 times. */
async function measureCrossTab(browser, url) {
  const context = await browser.newContext();
  const open = async () => {
    const page = await context.newPage();
    await page.goto(url);
    await page.evaluate(async () => {
      const { createCache } = await import("/pkg/index.js");
      window.cache = await createCache({ namespace: "measure-tabs", user: "u" });
      window.cache.set("k", 1);
      window.arrivals = [];
      addEventListener("cachebus:change", (e) => {
        if (e.detail.origin === "tab") window.arrivals.push(performance.timeOrigin + performance.now());
      });
    });
    return page;
  };
  const [sender, receiver] = [await open(), await open()];
  const sent = [];
  for (let i = 1; i <= 100; i++) {
    sent.push(await sender.evaluate(() => {
      const at = performance.timeOrigin + performance.now();
      window.cache.invalidate("k");
      return at;
    }));
    await receiver.waitForFunction((n) => window.arrivals.length >= n, i);
  }
  const arrivals = await receiver.evaluate(() => window.arrivals);
  await context.close();
  const delays = arrivals.map((at, i) => at - sent[i]).sort((a, b) => a - b);
  return { median: delays[Math.floor(delays.length / 2)], worst: delays[delays.length - 1] };
}
