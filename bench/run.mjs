// The benchmark command (`make bench`): builds the workload page and every subject's size entry
// with Vite (bench/vite.config.js), serves the page on 127.0.0.1, drives headless Chromium
// through the workloads, prints the medians with each peer's ratio to cachebus, and writes
// docs/benchmarks.json and docs/benchmarks.svg. Exits 1 when a subject gives a wrong answer,
// 2 when the run takes more than 5 minutes. Never a test: nothing here asserts a timing.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { cpus, loadavg } from "node:os";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { WebSocketServer } from "ws";
import { build } from "vite";
import { launchBrowser } from "../tests/e2e/harness.mjs";
import { median } from "./lib.js";
import { markdown, svg, table, verdicts, withRatios } from "./report.mjs";

const LIMIT_MS = 5 * 60_000;
// `--only=1,3`: only those workloads (numbered as below; 4 runs 5a and 5b), printed, not written to docs/.
const only = process.argv.find((arg) => arg.startsWith("--only="))?.slice("--only=".length).split(",");
const selected = (workload) => !only || only.includes(workload);
const root = fileURLToPath(new URL("..", import.meta.url));
const here = (path) => join(root, "bench", path);
const SIZE_SUBJECTS = { cachebus: "cachebus", tanstack: "TanStack", swr: "SWR", "idb-keyval": "idb-keyval", localforage: "localForage" };
const startedAt = Date.now();
const loadAtStart = loadavg(); // other processes on the machine make medians noisier

const deadline = setTimeout(() => {
  console.error("bench: stopped after 5 minutes (the run is bounded)");
  process.exit(2); // playwright kills the browser it launched when this process exits
}, LIMIT_MS);

const rows = [];
const failures = [];
const log = (text) => console.log(`[${((Date.now() - startedAt) / 1000).toFixed(0).padStart(3)} s] ${text}`);

/** Runs one subject of a workload; a thrown error (a wrong answer) is recorded, the run goes on. */
async function subject(workload, name, body) {
  try {
    const got = await body();
    rows.push(...got.map((row) => ({ workload, ...row })));
    log(`${workload} · ${name}`);
  } catch (error) {
    failures.push({ workload, subject: name, error: error.message.split("\n")[0] });
    log(`${workload} · ${name}: FAILED ${error.message.split("\n")[0]}`);
  }
}

/** A row computed here from raw samples. */
const sampled = (metric, name, samples, unit, value = median(samples), note) =>
  ({ metric, subject: name, unit, value, rounds: samples, ...(note ? { note } : {}) });

// ── build and serve ───────────────────────────────────────────────────────────────────────
log("vite build: workload page and size entries");
const configFile = here("vite.config.js");
await build({ configFile, mode: "production" });
for (const name of Object.keys(SIZE_SUBJECTS)) await build({ configFile, mode: `size-${name}` });

/** Requests `/api/balance` got, per `run`: workload 10 counts them. */
const balanceRequests = new Map();

/** `{ n }`, the run's request count, after 30 ms (a server's answer takes time). */
function answerBalance(request, response) {
  const run = new URL(request.url, "http://x").searchParams.get("run");
  const n = (balanceRequests.get(run) ?? 0) + 1;
  balanceRequests.set(run, n);
  setTimeout(() => response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ n })), 30);
}

/** Serves bench/dist/page cross-origin isolated (so performance.now() is precise to 5 µs). */
function serve(folder) {
  const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
  const httpServer = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url, "http://x").pathname);
    if (path === "/api/balance") return answerBalance(request, response);
    const file = normalize(join(folder, path === "/" ? "index.html" : path));
    let body;
    try {
      body = file.startsWith(folder) ? readFileSync(file) : undefined;
    } catch {}
    if (!body) return response.writeHead(404).end();
    response.writeHead(200, {
      "content-type": types[extname(file)] ?? "application/octet-stream",
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-embedder-policy": "require-corp",
      // Assets have hashed names: cached as a deployment would serve them (the warm start-up
      // row); a new browser context starts with an empty cache (the cold rows).
      "cache-control": path.startsWith("/assets/") ? "max-age=31536000, immutable" : "no-store",
    });
    response.end(body);
  });
  return new Promise((resolve) => httpServer.listen(0, "127.0.0.1", () => resolve(httpServer)));
}
const server = await serve(here("dist/page/"));
const url = `http://127.0.0.1:${server.address().port}/`;
const browser = await launchBrowser();
const context = await browser.newContext();
const page = await context.newPage();
page.on("pageerror", (error) => log(`page error: ${error.message}`));

/** Loads a fresh benchmark page (same origin: storage persists unless reset). */
async function load(target = page, reset = true) {
  await target.goto(url);
  await target.waitForFunction(() => window.bench !== undefined);
  if (reset) await target.evaluate(() => window.bench.resetStorage());
}
const inPage = (fn, arg, target = page) => target.evaluate(fn, arg);

/**
 * Runs the in-page workload module `module` ("tiers", "invalidate") for each tier: `run(tier, part)`
 * on a fresh page for each part of `partsOf(tier, subjectNames)` (a subject name, or for "tiers"
 * the names of subjects that share a page and take turns).
 */
async function perTier(workload, module, partsOf) {
  for (const tier of ["memory", "local", "idb"]) {
    await load();
    const names = await inPage(([m, t]) => window.bench[m].subjectsOf(t), [module, tier]);
    for (const part of partsOf(tier, names)) {
      await subject(workload, `${tier} ${[part].flat().join(", ")}`, async () => {
        await load();
        return inPage(([m, t, p]) => window.bench[m].run(t, p), [module, tier, part]);
      });
    }
  }
}

// Every workload may start by asking the page what it has (a workload run alone, too).
await load();

// ── 1. set, get hit, get miss per tier ────────────────────────────────────────────────────
if (selected("1")) {
  // A tier's subjects take turns in one page, but localStorage holds one subject's 4,000 entries only.
  await perTier("1 tiers", "tiers", (tier, names) => (tier === "local" ? names.map((name) => [name]) : [names]));
}

// ── 2. idb: 10,000 writes in one tick, cold reads after a reload ──────────────────────────
if (selected("2")) {
  await load();
  const idbSubjects = await inPage(() => ({ write: window.bench.idb.writeSubjects, read: window.bench.idb.readSubjects }));
  for (const name of idbSubjects.write) {
    await subject("2 idb batch", name, async () => {
      await load();
      const written = await inPage((n) => window.bench.idb.write(n), name);
      if (!idbSubjects.read.includes(name)) return written;
      await load(page, false); // the reload: nothing in memory, everything in IndexedDB
      return [...written, ...(await inPage((n) => window.bench.idb.coldRead(n), name))];
    });
  }
}

// ── 3. invalidate / remove one prefix per tier ────────────────────────────────────────────
if (selected("3")) {
  await perTier("3 invalidate", "invalidate", (_, names) => names);
}

// ── 4. dedup, 5a. cached-hit fetch, 5b. React re-render ───────────────────────────────────
if (selected("4")) {
  await load();
  const fetchSubjects = await inPage(() => [window.bench.fetch.subjects4, window.bench.fetch.subjects5]);
  for (const name of fetchSubjects[0]) {
    await subject("4 dedup", name, async () => (await load(), inPage((n) => window.bench.fetch.dedup(n), name)));
  }
  for (const name of fetchSubjects[1]) {
    await subject("5 fetch hit", name, async () => (await load(), inPage((n) => window.bench.fetch.cachedHit(n), name)));
  }
  for (const name of await inPage(() => window.bench.react.subjectsOf())) {
    await subject("5 react", name, async () => (await load(), inPage((n) => window.bench.react.run(n), name)));
  }
}

// ── 6. cross-tab latency: two pages of one context ────────────────────────────────────────
if (selected("6")) {
  for (const name of await inPage(() => window.bench.crosstab.subjectsOf())) {
    await subject("6 cross-tab", name, async () => {
      const tabs = await browser.newContext();
      try {
        const [sender, receiver] = [await tabs.newPage(), await tabs.newPage()];
        for (const tab of [sender, receiver]) await load(tab);
        for (const tab of [sender, receiver]) await inPage((n) => window.bench.crosstab.setup(n), name, tab);
        const count = await inPage(() => window.bench.crosstab.MESSAGES, undefined, receiver);
        const sent = [];
        for (let i = 0; i < count; i++) {
          sent.push(await inPage((n) => window.bench.crosstab.sendChange(n), i, sender));
          await receiver.waitForFunction((n) => window.arrivals.length > n, i, { timeout: 5_000 });
        }
        const arrivals = await inPage(() => window.arrivals, undefined, receiver);
        const wrong = arrivals.findIndex((arrival, i) => arrival.i !== i || !arrival.ok);
        if (wrong !== -1) throw new Error(`wrong result: change ${wrong} arrived as ${JSON.stringify(arrivals[wrong])}`);
        const delays = arrivals.map((arrival, i) => arrival.at - sent[i]);
        return [
          sampled(`cross-tab: median of ${count}`, name, delays, "ms"),
          sampled(`cross-tab: worst of ${count}`, name, delays, "ms", Math.max(...delays)),
        ];
      } finally {
        await tabs.close();
      }
    });
  }
}

// ── 7. start-up and hydration ─────────────────────────────────────────────────────────────
if (selected("7")) {
  const START_ROUNDS = 7;
  for (const name of await inPage(() => window.bench.startup.subjectsOf())) {
    await subject("7 start-up", name, async () => {
      /** Runs `step` of workload 7 for `name` in a new browser context: a new HTTP cache, no compiled wasm. */
      const cold = async (step) => {
        const context = await browser.newContext();
        try {
          const tab = await context.newPage();
          await load(tab, false);
          return await inPage(([s, n]) => window.bench.startup[s](n), [step, name], tab);
        } finally {
          await context.close();
        }
      };
      /** `start` on the second load of the page in one browser context: the assets in its HTTP cache. */
      const warm = async () => {
        const context = await browser.newContext();
        try {
          const tab = await context.newPage();
          await load(tab, false);
          await inPage((n) => window.bench.startup.start(n), name, tab);
          await load(tab, false);
          return await inPage((n) => window.bench.startup.start(n), name, tab);
        } finally {
          await context.close();
        }
      };
      const starts = [];
      const wasmSteps = [];
      const warmStarts = [];
      for (let round = 0; round < START_ROUNDS; round++) {
        starts.push(await cold("start"));
        wasmSteps.push(await cold("wasmStep")); // apart: createCache overlaps it with opening IndexedDB
        warmStarts.push(await warm());
      }
      await load();
      await inPage((n) => window.bench.startup.seed(n), name);
      const hydrations = [];
      for (let round = 0; round < START_ROUNDS; round++) {
        await load(page, false);
        hydrations.push(await inPage((n) => window.bench.startup.hydrate(n), name));
      }
      const hit = "start-up: get hit after hydration";
      const detail = (metric, samples, unit) => (samples.includes(undefined) ? [] : [sampled(metric, name, samples, unit)]);
      return [
        sampled("start-up: createCache → first get", name, starts, "ms", undefined, "new browser context each round"),
        sampled("start-up: createCache → first get, second page load", name, warmStarts, "ms", undefined, "assets in the HTTP cache"),
        ...detail("start-up, of which: wasm fetch + compile + init", wasmSteps, "ms"),
        sampled("start-up: hydrate 1,000 local entries", name, hydrations.map((h) => h.ms), "ms", undefined, "wasm already loaded"),
        ...detail("start-up: createCache, empty namespace", hydrations.map((h) => h.empty), "ms"),
        sampled(hit, name, hydrations.map((h) => h.hit), "µs/op"),
        ...(hydrations[0].memoryHit === undefined ? [] : [sampled(hit, `${name} (memory entry)`, hydrations.map((h) => h.memoryHit), "µs/op")]),
      ];
    });
  }
}

// ── 8. memory after 10,000 entries ────────────────────────────────────────────────────────
if (selected("8")) {
  const MEMORY_ROUNDS = 3;
  for (const name of await inPage(() => window.bench.memory.subjectsOf())) {
    await subject("8 memory", name, async () => {
      const perEntry = [];
      for (let round = 0; round < MEMORY_ROUNDS; round++) {
        const tab = await context.newPage();
        const cdp = await context.newCDPSession(tab);
        try {
          await load(tab);
          await inPage(() => window.bench.memory.prepare(), undefined, tab);
          const heap = async () => {
            for (let i = 0; i < 2; i++) await cdp.send("HeapProfiler.collectGarbage");
            return (await cdp.send("Runtime.getHeapUsage")).usedSize;
          };
          const before = await heap();
          const wasmBytes = await inPage((n) => window.bench.memory.fill(n), name, tab);
          const after = await heap();
          const entries = await inPage(() => window.bench.memory.ENTRIES, undefined, tab);
          perEntry.push((after - before + wasmBytes) / entries);
        } finally {
          await cdp.detach();
          await tab.close();
        }
      }
      return [sampled("memory: JS heap + wasm per entry", name, perEntry, "B/entry", undefined, "10,000 entries of 1 KB; values not counted")];
    });
  }
}

// ── 9. size of what an app ships ──────────────────────────────────────────────────────────
if (selected("9")) {
  for (const [folder, name] of Object.entries(SIZE_SUBJECTS)) {
    await subject("9 size", name, async () => {
      const dir = here(`dist/size/${folder}/assets`);
      const files = readdirSync(dir).map((file) => readFileSync(join(dir, file)));
      const sum = (measure) => files.reduce((total, bytes) => total + measure(bytes), 0);
      const note = `${files.length} file(s), each compressed alone`;
      return [
        sampled("size: raw", name, [sum((b) => b.length)], "B"),
        sampled("size: gzip", name, [sum((b) => gzipSync(b, { level: 9 }).length)], "B", undefined, note),
        sampled("size: brotli", name, [sum((b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length)], "B", undefined, note),
      ];
    });
  }
}

// Tab counts of workloads 10 and 11, and how they open their tabs.
const TAB_COUNTS = [1, 2, 3, 5];

/** `count` pages of `context`, each readied by workload 10's `step(args)`, one after the other. */
async function openTabs(context, count, step, args) {
  const pages = [];
  for (let i = 0; i < count; i++) {
    const tab = await context.newPage();
    await load(tab, i === 0); // the first clears the origin's storage
    await inPage(([s, a]) => window.bench.tabs[s](a), [step, args], tab);
    pages.push(tab);
  }
  return pages;
}

// ── 10. tabs sharing fetches: server requests for one focus, N tabs ──────────────────────
if (selected("10")) {
  for (const name of await inPage(() => window.bench.tabs.subjectsOf())) {
    await subject("10 tabs", name, async () => {
      const rows = [];
      for (const count of TAB_COUNTS) {
        const run = `${name}-${count}`.replace(/\W+/g, "-");
        const context = await browser.newContext();
        try {
          const pages = await openTabs(context, count, "setup", [name, run]);
          await pages[0].waitForTimeout(100); // past the first fetch's dedup window
          const before = balanceRequests.get(run) ?? 0;
          await Promise.all(pages.map((tab) => inPage((n) => window.bench.tabs.focus(n), before, tab)));
          await pages[0].waitForTimeout(200); // a late request would have arrived by now
          rows.push(sampled(`tabs: requests for one focus, ${count} tab${count > 1 ? "s" : ""}`, name, [(balanceRequests.get(run) ?? 0) - before], "requests"));
          if (count === 1) {
            // A new tab beside the live one: how soon it answers the key the live tab holds.
            const before = balanceRequests.get(run) ?? 0;
            const tab = await context.newPage();
            await load(tab, false);
            const { total, after } = await inPage((args) => window.bench.tabs.open(args), [name, run], tab);
            rows.push(sampled("tabs: a new tab's createCache → first fetch of a live tab's key", name, [total], "ms"));
            rows.push(sampled("tabs: that first fetch, after createCache resolved", name, [after], "ms"));
            rows.push(sampled("tabs: requests of that new tab's first fetch", name, [(balanceRequests.get(run) ?? 0) - before], "requests"));
          }
        } finally {
          await context.close();
        }
      }
      return rows;
    });
  }
}

// ── 11. tabs and one push: server requests per push for N tabs, and the failover ─────────
if (selected("11")) {
  const pushServer = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((resolve) => pushServer.once("listening", resolve));
  const pushPort = pushServer.address().port;
  /** Every push connection, with when it opened. */
  const pushSockets = [];
  pushServer.on("connection", (socket) => pushSockets.push({ socket, at: Date.now() }));
  const openSockets = (since) => pushSockets.slice(since).filter(({ socket }) => socket.readyState === 1);
  const until = async (ok) => {
    const deadline = Date.now() + 5_000;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error("wrong result: timed out");
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  for (const name of await inPage(() => window.bench.tabs.subjectsOf())) {
    await subject("11 push", name, async () => {
      const rows = [];
      for (const count of TAB_COUNTS) {
        const run = `push-${name}-${count}`.replace(/\W+/g, "-");
        const since = pushSockets.length;
        const context = await browser.newContext();
        try {
          const pages = await openTabs(context, count, "setupPush", [name, run, pushPort]);
          await until(() => openSockets(since).length >= 1);
          await pages[0].waitForTimeout(200);
          const connections = openSockets(since).length;
          const before = balanceRequests.get(run) ?? 0;
          openSockets(since)[0].socket.send(JSON.stringify({ key: "balance", push: 1 }));
          await Promise.all(pages.map((tab) => inPage((n) => window.bench.tabs.answered(n), before, tab)));
          await pages[0].waitForTimeout(200); // a late request would have arrived by now
          const tabs = `${count} tab${count > 1 ? "s" : ""}`;
          rows.push(sampled(`push: requests for one push, ${tabs}`, name, [(balanceRequests.get(run) ?? 0) - before], "requests", undefined, `${connections} connection(s)`));
          if (count === 3 && connections === 1) {
            // The tab holding the shared connection (the first to ask for it) closes: how soon another tab connects.
            const closed = Date.now();
            await pages[0].close();
            await until(() => pushSockets.length - since >= 2 && openSockets(since).length === 1);
            rows.push(sampled("push: failover, holding tab closed → another tab connected", name, [openSockets(since)[0].at - closed], "ms"));
          }
        } finally {
          await context.close();
        }
      }
      return rows;
    });
  }
  pushServer.close();
}

// ── report ────────────────────────────────────────────────────────────────────────────────
const chromium = browser.version();
await browser.close();
server.close();
clearTimeout(deadline);

const results = withRatios(rows);
const seconds = (Date.now() - startedAt) / 1000;
const judged = verdicts(results);
console.log(`\nmedians of rounds; peer/cachebus > 1: cachebus is faster (or smaller) by that factor\n`);
for (const line of table(results)) console.log(line);
console.log("\ntargets:");
for (const { target, met, measured } of judged) console.log(`  ${met ? "met   " : "MISSED"}  ${target}: ${measured}`);

if (only) {
  console.log(`\nworkloads ${only.join(", ")} only: nothing written; ${seconds.toFixed(0)} s`);
  process.exit(failures.length > 0 ? 1 : 0);
}
const version = (name) => JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")).version;
const peers = ["@tanstack/query-core", "@tanstack/react-query", "@tanstack/react-query-persist-client", "@tanstack/query-sync-storage-persister",
  "@tanstack/query-broadcast-client-experimental", "swr", "idb-keyval", "localforage", "react", "vite"];
const machine = { cpus: cpus().length, model: cpus()[0]?.model, chromium, node: process.version, loadAverage: { start: loadAtStart, end: loadavg() } };
writeFileSync(join(root, "docs/benchmarks.json"), `${JSON.stringify({
  date: new Date().toISOString(), seconds, machine, versions: Object.fromEntries(peers.map((p) => [p, version(p)])),
  failures, targets: judged, results,
}, null, 2)}\n`);
writeFileSync(join(root, "docs/benchmarks.svg"), svg(results, `cachebus benchmark, ${machine.model}, ${machine.cpus} cores, Chromium ${chromium}`));
// The results section of docs/benchmarks.md is this run's; the analysis around it is written by hand.
const doc = join(root, "docs/benchmarks.md");
const [begin, end] = ["<!-- results:begin -->", "<!-- results:end -->"];
const text = readFileSync(doc, "utf8");
if (text.includes(begin) && text.includes(end)) {
  const section = markdown(results, judged, machine, seconds);
  writeFileSync(doc, `${text.slice(0, text.indexOf(begin) + begin.length)}\n${section}\n${text.slice(text.indexOf(end))}`);
}
console.log(`\nwrote docs/benchmarks.json, docs/benchmarks.svg and the results in docs/benchmarks.md; ${seconds.toFixed(0)} s`);
if (failures.length > 0) {
  console.error(`\nwrong results (the run fails):`);
  for (const f of failures) console.error(`  ${f.workload} · ${f.subject}: ${f.error}`);
  process.exit(1);
}
