// Flights (src/ts/internal/flights.ts) over a scripted fake core: what the facade does with the
// engine's plans (serve, join, start, load) and fates (current, overtaken, scope ended), retries,
// not-modified answers, aborts and revalidation. The engine's own rules are tested in Rust.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CacheError } from "../../pkg/errors.js";
import { notModified } from "../../pkg/http.js";
import { Flights, retryDelay } from "../../pkg/internal/flights.js";
import { deferred, fakeCore, settle, writeOptions } from "./fake-core.mjs";

// The engine's plan codes (planFetch) and fates (storeFetched, confirmFetched, failFetch).
const SERVE = 0;
const START = -1;
const LOAD = -2;
const CURRENT = 0;
const OVERTAKEN = 1;
const SCOPE_ENDED = 2;
// Why planFetch is asked: a caller's fetch or a background revalidation.
const CALLER = 0;
const REVALIDATION = 1;

/** Flights over a fake core answering `answers`; `delay(attempt, base)` stands in for retryDelay. */
function setup(answers, { delay = () => 0 } = {}) {
  const core = fakeCore(answers);
  const delays = [];
  const notified = [];
  const retryDelay = (attempt, baseDelayMs) => {
    delays.push([attempt, baseDelayMs]);
    return delay(attempt, baseDelayMs);
  };
  const flights = new Flights(core, (key) => core.loadValue(key), (key) => notified.push(key), retryDelay);
  return { core, flights, delays, notified };
}

/** A fetcher answering `answer(run)` (run counts from 1), recording each context it gets. */
function fetcherOf(answer) {
  const fetcher = (context) => {
    fetcher.contexts.push(context);
    return answer(fetcher.contexts.length, context);
  };
  fetcher.contexts = [];
  fetcher.runs = () => fetcher.contexts.length;
  return fetcher;
}

const rejectsWithCode = (promise, code) =>
  assert.rejects(promise, (error) => error instanceof CacheError && error.code === code);

// ── plans ──────────────────────────────────────────────────────────────────────────────────────

test("a call joins the flight in the joinable map without asking the engine", async () => {
  const { core, flights } = setup({ planFetch: START, storeFetched: CURRENT });
  const answer = deferred();
  const fetcher = fetcherOf(() => answer.promise);
  const first = flights.fetch("k", fetcher);
  const second = flights.fetch("k", fetcher);
  assert.equal(second, first, "the joiner gets the flight's own promise");
  assert.equal(core.callsOf("planFetch").length, 1, "the join was decided in JS");
  answer.resolve("v");
  assert.deepEqual(await Promise.all([first, second]), ["v", "v"]);
  assert.equal(fetcher.runs(), 1);
  assert.deepEqual(flights.counts(), { started: 1, joined: 1, served: 0, shared: 0 });
});

test("a forced call, or one with a dedupMs the engine must check, asks the engine instead of joining", async () => {
  for (const options of [{ force: true }, { dedupMs: -1 }, { dedupMs: "1000" }]) {
    const { core, flights } = setup({ planFetch: [START, 1], storeFetched: CURRENT });
    const answer = deferred();
    void flights.fetch("k", fetcherOf(() => answer.promise));
    void flights.fetch("k", fetcherOf(() => answer.promise), options);
    assert.equal(core.callsOf("planFetch").length, 2, JSON.stringify(options));
    assert.deepEqual(core.callsOf("planFetch")[1], ["k", options, CALLER]);
    answer.resolve("v");
  }
});

test("a plan naming a flight in flight joins it: no second fetcher run", async () => {
  const { flights } = setup({ planFetch: [START, 1], storeFetched: CURRENT });
  const answer = deferred();
  const fetcher = fetcherOf(() => answer.promise);
  const first = flights.fetch("k", fetcher);
  const forced = flights.fetch("k", fetcher, { force: true }); // past the joinable map: the engine says "join 1"
  assert.equal(forced, first);
  answer.resolve("v");
  assert.equal(await forced, "v");
  assert.equal(fetcher.runs(), 1);
  assert.deepEqual(flights.counts(), { started: 1, joined: 1, served: 0, shared: 0 });
});

test("a plan naming a flight this facade does not hold starts a fetch", async () => {
  const { core, flights } = setup({ planFetch: 7, storeFetched: CURRENT });
  const fetcher = fetcherOf(() => "v");
  assert.equal(await flights.fetch("k", fetcher), "v");
  assert.equal(fetcher.runs(), 1);
  assert.equal(core.callsOf("startFetch").length, 1);
});

test("plan 0 serves the engine's value: no fetcher run, no fetch started, counted as served", async () => {
  const { core, flights } = setup({ planFetch: SERVE, get: "cached" });
  const fetcher = fetcherOf(() => "fetched");
  assert.equal(await flights.fetch("k", fetcher), "cached");
  assert.equal(fetcher.runs(), 0);
  assert.deepEqual(core.callsOf("startFetch"), []);
  assert.deepEqual(core.callsOf("get").map(([key]) => key), ["k"]); // then the time (internal/values.ts)
  assert.deepEqual(flights.counts(), { started: 0, joined: 0, served: 1, shared: 0 });
});

test("LOAD reads the value back from its tier, then plans again: a fresh one is served", async () => {
  const { core, flights } = setup({ planFetch: [LOAD, SERVE], loadValue: () => Promise.resolve(), get: "loaded" });
  const fetcher = fetcherOf(() => "fetched");
  assert.equal(await flights.fetch("k", fetcher), "loaded");
  assert.deepEqual(core.callsOf("loadValue"), [["k"]]);
  assert.equal(core.callsOf("planFetch").length, 2);
  assert.equal(fetcher.runs(), 0);
});

test("a second LOAD (the value was unreadable) starts a fetch instead of loading again", async () => {
  const { core, flights } = setup({ planFetch: [LOAD, LOAD], loadValue: () => Promise.resolve(), storeFetched: CURRENT });
  const fetcher = fetcherOf(() => "fetched");
  assert.equal(await flights.fetch("k", fetcher), "fetched");
  assert.equal(core.callsOf("loadValue").length, 1, "no load loop");
  assert.equal(fetcher.runs(), 1);
});

test("a user switch while LOAD reads the value ends the call with SCOPE_CHANGED: the fetcher is never run for the next user", async () => {
  let loaded;
  const { core, flights } = setup({ planFetch: [LOAD, START], loadValue: () => new Promise((r) => (loaded = r)) });
  const fetcher = fetcherOf(() => "alice's balance");
  const pending = flights.fetch("k", fetcher);
  core.user = "bob"; // switched while IndexedDB answers
  loaded();
  await assert.rejects(pending, (error) => error instanceof CacheError && error.code === "SCOPE_CHANGED");
  assert.equal(fetcher.runs(), 0);
  assert.equal(core.callsOf("planFetch").length, 1, "nothing planned for bob");
});

// ── what the fetcher gets, what the engine is told ─────────────────────────────────────────────

test("the fetcher gets a live signal and the held entry's etag and value, observed (no read counted)", async () => {
  const previous = { n: 1 };
  const { core, flights } = setup({
    planFetch: START,
    peek: { state: "stale", etag: '"e0"' },
    observe: previous,
    storeFetched: CURRENT,
  });
  const fetcher = fetcherOf(() => ({ n: 2 }));
  await flights.fetch("k", fetcher);
  const [context] = fetcher.contexts;
  assert.ok(context.signal instanceof AbortSignal);
  assert.equal(context.signal.aborted, false);
  assert.equal(context.etag, '"e0"');
  assert.equal(context.previous, previous);
  assert.deepEqual(core.callsOf("get"), [], "get would count a hit");
});

test("a failed first load holds no value: the fetcher gets no etag or previous, and the answer is stored", async () => {
  const { core, flights } = setup({
    planFetch: START,
    peek: { state: "error", error: new Error("down"), etag: '"stray"' },
    observe: "v",
    storeFetched: CURRENT,
    confirmFetched: CURRENT,
  });
  const fetcher = fetcherOf(() => "v"); // equal to what observe says, which must not matter
  await flights.fetch("k", fetcher);
  assert.equal(fetcher.contexts[0].etag, undefined);
  assert.equal(fetcher.contexts[0].previous, undefined);
  assert.deepEqual(core.callsOf("observe"), []);
  assert.equal(core.callsOf("storeFetched").length, 1, "nothing is held to confirm");
});

test("a current answer (fate 0) resolves every caller with it; storeFetched gets the options and the etag the fetcher set", async () => {
  const { core, flights } = setup({ planFetch: START, storeFetched: CURRENT });
  const answer = { n: 1 };
  const fetcher = fetcherOf((_run, { setEtag }) => {
    setEtag('"e1"');
    return answer;
  });
  const options = { tier: "local", ttlMs: 5_000, tags: ["t"] };
  const [a, b] = await Promise.all([flights.fetch("k", fetcher, options), flights.fetch("k", fetcher)]);
  assert.equal(a, answer);
  assert.equal(b, answer);
  assert.deepEqual(core.callsOf("startFetch"), [["k", ["t"]]], "the tags invalidations match while in flight");
  assert.deepEqual(
    core.callsOf("storeFetched").map(([key, id, value, ...write]) => [key, id, value, writeOptions(write)]),
    [["k", 1, answer, { tier: "local", ttlMs: 5_000, tags: ["t"], etag: '"e1"' }]],
  );
});

// ── fates ──────────────────────────────────────────────────────────────────────────────────────

test("a fate of 2 rejects every caller with SCOPE_CHANGED and never calls the fetcher again", async () => {
  const { core, flights, notified } = setup({ planFetch: START, storeFetched: SCOPE_ENDED });
  const fetcher = fetcherOf(() => "alice's balance");
  const first = flights.fetch("k", fetcher);
  const joined = flights.fetch("k", fetcher);
  await rejectsWithCode(first, "SCOPE_CHANGED");
  await rejectsWithCode(joined, "SCOPE_CHANGED");
  await settle();
  assert.equal(fetcher.runs(), 1, "the previous user's closure is not run again");
  assert.equal(core.callsOf("startFetch").length, 1);
  assert.deepEqual(notified, []);
});

test("a failure whose scope ended rejects with SCOPE_CHANGED, not the fetcher's error, and notifies nobody", async () => {
  const { flights, notified } = setup({ planFetch: START, failFetch: SCOPE_ENDED });
  const fetcher = fetcherOf(() => Promise.reject(new Error("500")));
  await rejectsWithCode(flights.fetch("k", fetcher), "SCOPE_CHANGED");
  assert.equal(fetcher.runs(), 1);
  assert.deepEqual(notified, [], "peek shows no error of the previous user");
});

test("after close, a fetch its scope outlived rejects with CLOSED", async () => {
  const { flights } = setup({ planFetch: START, storeFetched: SCOPE_ENDED });
  const answer = deferred();
  const pending = flights.fetch("k", fetcherOf(() => answer.promise));
  flights.close();
  answer.resolve("v");
  await rejectsWithCode(pending, "CLOSED");
});

test("a fate of 1 (overtaken) re-runs the fetcher, unforced, and resolves with the answer the engine keeps", async () => {
  const { core, flights } = setup({ planFetch: START, storeFetched: [OVERTAKEN, CURRENT] });
  const fetcher = fetcherOf((run) => `answer ${run}`);
  assert.equal(await flights.fetch("k", fetcher, { force: true }), "answer 2");
  assert.equal(fetcher.runs(), 2);
  // A forced call forces its first fetch only: the re-run respects the engine's dedup again.
  assert.deepEqual(
    core.callsOf("planFetch").map(([, options, trigger]) => [options.force, trigger === REVALIDATION]),
    [
      [true, false],
      [false, false],
    ],
  );
  assert.deepEqual(flights.counts(), { started: 2, joined: 0, served: 0, shared: 0 }, "the re-run is no caller's call");
});

test("an overtaken fetch whose key was written meanwhile is served the write, and the serve is no caller's", async () => {
  // A `set` of the key overtakes its fetch: the re-run plans again and the engine serves the write.
  const { flights } = setup({ planFetch: [START, SERVE], storeFetched: OVERTAKEN, get: "written" });
  const fetcher = fetcherOf(() => "fetched before the write");
  assert.equal(await flights.fetch("k", fetcher), "written");
  assert.equal(fetcher.runs(), 1);
  assert.deepEqual(flights.counts(), { started: 1, joined: 0, served: 0, shared: 0 });
});

test("a fate of 1 re-runs the fetcher at most 3 times, then returns the latest answer (never stored)", async () => {
  const { core, flights } = setup({ planFetch: START, storeFetched: OVERTAKEN });
  const fetcher = fetcherOf((run) => `answer ${run}`);
  assert.equal(await flights.fetch("k", fetcher), "answer 4");
  assert.equal(fetcher.runs(), 4, "one run plus MAX_OVERTAKES re-runs");
  assert.equal(core.callsOf("storeFetched").length, 4, "each answer was offered, each refused");
});

test("an overtaken failure re-runs the fetcher; after 3 overtakes the latest error rejects the callers", async () => {
  const { flights, notified } = setup({ planFetch: START, failFetch: OVERTAKEN });
  const fetcher = fetcherOf((run) => Promise.reject(new Error(`failure ${run}`)));
  await assert.rejects(flights.fetch("k", fetcher), { message: "failure 4" });
  assert.equal(fetcher.runs(), 4);
  assert.deepEqual(notified, [], "an overtaken failure is not the key's error");
});

test("a current failure (fate 0) rejects its callers with the fetcher's own error and notifies the key", async () => {
  const { core, flights, notified } = setup({ planFetch: START, failFetch: CURRENT });
  const failure = new Error("500");
  const fetcher = fetcherOf(() => Promise.reject(failure));
  const first = flights.fetch("k", fetcher);
  const joined = flights.fetch("k", fetcher);
  await assert.rejects(first, (error) => error === failure);
  await assert.rejects(joined, (error) => error === failure);
  assert.deepEqual(core.callsOf("failFetch"), [["k", 1, failure]]);
  assert.deepEqual(notified, ["k"], "peek(k).error changed, which no change event announces");
});

// ── retries ────────────────────────────────────────────────────────────────────────────────────

test("a rejected fetcher is retried count times with the engine's delays, then failed once in the engine", async () => {
  const { core, flights, delays } = setup({ planFetch: START, failFetch: CURRENT }, { delay: () => 1 });
  const fetcher = fetcherOf((run) => Promise.reject(new Error(`failure ${run}`)));
  await assert.rejects(flights.fetch("k", fetcher, { retry: { count: 2, baseDelayMs: 7 } }), { message: "failure 3" });
  assert.equal(fetcher.runs(), 3);
  assert.deepEqual(delays, [
    [1, 7],
    [2, 7],
  ]);
  assert.equal(core.callsOf("failFetch").length, 1);
  assert.equal(core.callsOf("startFetch").length, 1, "retries are the same flight");
});

test("a retry waits the delay the engine gave", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const { flights } = setup({ planFetch: START, storeFetched: CURRENT }, { delay: () => 50 });
  const fetcher = fetcherOf((run) => (run === 1 ? Promise.reject(new Error("once")) : "v"));
  const pending = flights.fetch("k", fetcher, { retry: { count: 1 } });
  await settle();
  t.mock.timers.tick(49);
  await settle();
  assert.equal(fetcher.runs(), 1, "not before the delay");
  t.mock.timers.tick(1);
  await settle();
  assert.equal(fetcher.runs(), 2);
  assert.equal(await pending, "v");
});

test("a retry that succeeds resolves the callers with its answer; the engine hears of no failure", async () => {
  const { core, flights } = setup({ planFetch: START, storeFetched: CURRENT });
  const fetcher = fetcherOf((run) => (run === 1 ? Promise.reject(new Error("once")) : "v"));
  assert.equal(await flights.fetch("k", fetcher, { retry: { count: 3, baseDelayMs: 0 } }), "v");
  assert.deepEqual(core.callsOf("failFetch"), []);
});

test("retries default to a base delay of 1000 ms (handed to retryDelay)", async () => {
  const { flights, delays } = setup({ planFetch: START, failFetch: CURRENT }, { delay: () => 0 });
  await assert.rejects(flights.fetch("k", fetcherOf(() => Promise.reject(new Error("x"))), { retry: { count: 1 } }));
  assert.deepEqual(delays, [[1, 1_000]]);
});

test("a fetcher that rejects after its signal aborted is not retried", async () => {
  const { core, flights, delays } = setup({ planFetch: START, failFetch: OVERTAKEN, storeFetched: CURRENT });
  const first = deferred();
  const fetcher = fetcherOf((run) => (run === 1 ? first.promise : "after the change"));
  const pending = flights.fetch("k", fetcher, { retry: { count: 5, baseDelayMs: 0 } });
  core.outdate([1]);
  first.reject(new DOMException("aborted", "AbortError"));
  assert.equal(await pending, "after the change", "its callers get a fetch started after the change");
  assert.deepEqual(delays, [], "no retry of the outdated flight");
  assert.deepEqual(core.callsOf("failFetch")[0].slice(0, 2), ["k", 1]);
});

test("an abort ends a retry's wait at once", { timeout: 2_000 }, async () => {
  // A 60 s delay: if the abort did not cut the wait, the test would time out.
  const { core, flights } = setup({ planFetch: START, failFetch: CURRENT }, { delay: () => 60_000 });
  const fetcher = fetcherOf(() => Promise.reject(new Error("down")));
  const pending = flights.fetch("k", fetcher, { retry: { count: 1 } });
  await settle();
  core.outdate([1]);
  await assert.rejects(pending, { message: "down" });
  assert.equal(core.callsOf("failFetch").length, 1);
});

test(
  "a rejected fetcher stops retrying when the signal aborts: no run after the abort",
  { timeout: 2_000 },
  async () => {
    const { core, flights } = setup({ planFetch: START, failFetch: CURRENT }, { delay: () => 60_000 });
    const fetcher = fetcherOf(() => Promise.reject(new Error("down")));
    const pending = flights.fetch("k", fetcher, { retry: { count: 1 } });
    await settle();
    core.outdate([1]);
    await assert.rejects(pending);
    assert.equal(fetcher.runs(), 1, "the fetcher ran again after its flight was outdated");
  },
);

test("an invalid retry is INVALID_OPTIONS, thrown before the engine starts a fetch", () => {
  for (const retry of [{ count: -1 }, { count: 1.5 }, { count: 1, baseDelayMs: -1 }, { count: 1, baseDelayMs: NaN }]) {
    const { core, flights } = setup({ planFetch: START });
    assert.throws(
      () => flights.fetch("k", fetcherOf(() => "v"), { retry }),
      (error) => error instanceof CacheError && error.code === "INVALID_OPTIONS",
      JSON.stringify(retry),
    );
    assert.deepEqual(core.callsOf("startFetch"), []);
    assert.equal(flights.known("k"), undefined, "a refused call leaves no fetcher for revalidation");
  }
});

// ── not modified ───────────────────────────────────────────────────────────────────────────────

test("notModified confirms the held value (confirmFetched, not storeFetched) and callers get the held object", async () => {
  const held = { n: 1 };
  const { core, flights } = setup({
    planFetch: START,
    peek: { state: "fresh", etag: '"e"' },
    observe: held,
    confirmFetched: CURRENT,
  });
  const options = { ttlMs: 60_000 };
  assert.equal(await flights.fetch("k", fetcherOf(() => notModified), options), held);
  assert.deepEqual(
    core.callsOf("confirmFetched").map(([key, id, ...write]) => [key, id, writeOptions(write)]),
    [["k", 1, options]],
  );
  assert.deepEqual(core.callsOf("storeFetched"), []);
});

test("an answer deep-equal to the held value, with no new etag, is a not-modified: the held object stays", async () => {
  const held = { list: [1, { a: "x" }], none: null };
  const { core, flights } = setup({ planFetch: START, peek: { state: "fresh" }, observe: held, confirmFetched: CURRENT });
  const answer = await flights.fetch("k", fetcherOf(() => ({ none: null, list: [1, { a: "x" }] })));
  assert.equal(answer, held, "subscribers keep the object they render");
  assert.deepEqual(core.callsOf("storeFetched"), []);
});

test("an equal answer with a different etag, or a deeply different one, is stored", async () => {
  const cases = [
    { name: "new etag", answer: { n: 1 }, etag: '"e2"' },
    { name: "same etag", answer: { n: 1 }, etag: '"e1"', confirmed: true },
    { name: "deep difference", answer: { n: 1, list: [2] } },
    { name: "extra key", answer: { n: 1, m: undefined } },
    { name: "array for object", answer: [1] },
  ];
  for (const { name, answer, etag, confirmed = false } of cases) {
    const held = { n: 1, ...(name === "deep difference" ? { list: [1] } : {}) };
    const { core, flights } = setup({
      planFetch: START,
      peek: { state: "fresh", etag: '"e1"' },
      observe: held,
      storeFetched: CURRENT,
      confirmFetched: CURRENT,
    });
    await flights.fetch("k", fetcherOf((_run, { setEtag }) => (etag && setEtag(etag), answer)));
    assert.equal(core.callsOf("confirmFetched").length === 1, confirmed, name);
    assert.equal(core.callsOf("storeFetched").length === 1, !confirmed, name);
  }
});

test("only plain objects, arrays and primitives compare deeply: an equal Date is a new value", async () => {
  const { core, flights } = setup({ planFetch: START, peek: { state: "fresh" }, observe: new Date(0), storeFetched: CURRENT });
  await flights.fetch("k", fetcherOf(() => new Date(0)));
  assert.equal(core.callsOf("storeFetched").length, 1);
});

test("a not-modified that makes a stale entry fresh notifies the key; one of a fresh entry does not", async () => {
  for (const [before, expected] of [
    ["stale", ["k"]],
    ["fresh", []],
  ]) {
    const { flights, notified } = setup({
      planFetch: START,
      peek: [{ state: before }, { state: "fresh" }],
      observe: "held",
      confirmFetched: CURRENT,
    });
    await flights.fetch("k", fetcherOf(() => notModified));
    assert.deepEqual(notified, expected, `${before} before`);
  }
});

test("a not-modified has no answer to settle for: it follows overtakes past 3 until the engine keeps one", async () => {
  // Deliberate (`answer !== notModified` in flights.ts): the MAX_OVERTAKES fallback returns the
  // latest answer, and a not-modified is none. Each overtake is a real change in the engine.
  const overtakes = Array(5).fill(OVERTAKEN);
  const { flights } = setup({
    planFetch: START,
    peek: { state: "fresh" },
    observe: "held",
    confirmFetched: [...overtakes, CURRENT],
  });
  const fetcher = fetcherOf(() => notModified);
  assert.equal(await flights.fetch("k", fetcher), "held");
  assert.equal(fetcher.runs(), 6);
});

// ── aborts ─────────────────────────────────────────────────────────────────────────────────────

test("ids handed to the onOutdated callback abort exactly those flights' signals", () => {
  const { core, flights } = setup({ planFetch: START });
  const fetchers = ["a", "b", "c"].map((key) => {
    const fetcher = fetcherOf(() => new Promise(() => {}));
    void flights.fetch(key, fetcher);
    return fetcher;
  });
  core.outdate([1, 3, 99]); // 99: a flight this facade never held (or that settled)
  assert.deepEqual(
    fetchers.map((fetcher) => fetcher.contexts[0].signal.aborted),
    [true, false, true],
  );
});

test("an outdated flight is no longer joinable: the next call asks the engine", () => {
  const { core, flights } = setup({ planFetch: START });
  const first = flights.fetch("k", fetcherOf(() => new Promise(() => {})));
  core.outdate([1]);
  const next = flights.fetch("k", fetcherOf(() => new Promise(() => {})));
  assert.notEqual(next, first, "a call after the change gets a fetch started after it");
  assert.equal(core.callsOf("planFetch").length, 2);
});

test("a settled flight is no longer joinable: the next call asks the engine", async () => {
  const { core, flights } = setup({ planFetch: START, storeFetched: CURRENT });
  await flights.fetch("k", fetcherOf(() => "v"));
  await flights.fetch("k", fetcherOf(() => "w"));
  assert.equal(core.callsOf("planFetch").length, 2);
});

// ── revalidation, forgetting, closing ──────────────────────────────────────────────────────────

test("revalidate refetches with the key's last fetcher and options, telling the engine it is a revalidation", async () => {
  const { core, flights } = setup({ planFetch: [SERVE, SERVE, START], get: "cached", storeFetched: CURRENT });
  const older = fetcherOf(() => "older");
  const latest = fetcherOf(() => "latest");
  await flights.fetch("k", older, { ttlMs: 1 });
  await flights.fetch("k", latest, { ttlMs: 2 });
  flights.revalidate("k");
  await settle();
  assert.deepEqual(core.callsOf("planFetch")[2], ["k", { ttlMs: 2 }, REVALIDATION]);
  assert.equal(older.runs(), 0);
  assert.equal(latest.runs(), 1);
  assert.deepEqual(flights.counts(), { started: 1, joined: 0, served: 2, shared: 0 }, "a revalidation is no caller's call");
});

test("a failed revalidation rejects nobody (no unhandled rejection), also one that loads the value first", async (t) => {
  const unhandled = [];
  const record = (reason) => unhandled.push(reason);
  process.on("unhandledRejection", record);
  t.after(() => process.off("unhandledRejection", record));
  // The revalidation's plan is LOAD: its rejection comes through the load's promise chain,
  // which no flight bookkeeping handles.
  const { flights, notified } = setup({
    planFetch: [START, LOAD, START],
    loadValue: () => Promise.resolve(),
    failFetch: CURRENT,
    storeFetched: CURRENT,
  });
  await flights.fetch("k", fetcherOf((run) => (run === 1 ? "v" : Promise.reject(new Error("down")))));
  flights.revalidate("k");
  await settle();
  await settle(); // unhandled rejections are reported once the microtask queue has drained
  assert.deepEqual(notified, ["k"]);
  assert.deepEqual(unhandled, []);
});

test("a revalidation that joins a flight in flight is no caller's join", async () => {
  const { flights } = setup({ planFetch: [START, 1], storeFetched: CURRENT });
  const answer = deferred();
  const pending = flights.fetch("k", fetcherOf(() => answer.promise));
  flights.revalidate("k"); // the engine says "join 1"
  answer.resolve("v");
  await pending;
  assert.deepEqual(flights.counts(), { started: 1, joined: 0, served: 0, shared: 0 });
});

test("revalidate of a key never fetched does nothing", () => {
  const { core, flights } = setup({});
  flights.revalidate("k");
  assert.deepEqual(core.callsOf("planFetch"), []);
});

test("forgetFetchers drops every kept fetcher: no later revalidation runs a previous user's closure", async () => {
  const { core, flights } = setup({ planFetch: SERVE, get: "v" });
  const fetcher = fetcherOf(() => "v");
  await flights.fetch("k", fetcher);
  flights.forgetFetchers();
  assert.equal(flights.known("k"), undefined);
  flights.revalidate("k");
  assert.equal(core.callsOf("planFetch").length, 1);
  assert.equal(fetcher.runs(), 0);
});

test("after close, nothing is joinable and no fetcher is kept: each call is the engine's to refuse", () => {
  const closed = new CacheError("CLOSED", "closed");
  const { core, flights } = setup({ planFetch: START });
  void flights.fetch("k", fetcherOf(() => new Promise(() => {})));
  flights.close();
  core.answers.planFetch = () => {
    throw closed; // what the engine does once closed
  };
  assert.equal(flights.known("k"), undefined);
  assert.throws(() => flights.fetch("k", fetcherOf(() => "v")), (error) => error === closed);
  assert.equal(core.callsOf("planFetch").length, 2);
});

test("retryDelay doubles the base delay for each earlier retry, up to 30 s", () => {
  assert.deepEqual([1, 2, 3, 4].map((attempt) => retryDelay(attempt, 100)), [100, 200, 400, 800]);
  assert.equal(retryDelay(20, 100), 30_000);
  assert.equal(retryDelay(2_000, 100), 30_000, "no overflow to Infinity past the cap");
  assert.equal(retryDelay(3, 0), 0);
  assert.equal(retryDelay(1, Infinity), 30_000);
});

// ── IndexedDB loading behind createCache ───────────────────────────────────────────────────────

test("a fetch that would start while the load that may bring its key is pending waits for it, then plans again", async () => {
  const core = fakeCore({ planFetch: [START, SERVE], get: "from disk" });
  const loading = deferred();
  const pending = (key) => (key === "k" ? loading.promise : undefined);
  const flights = new Flights(core, () => Promise.resolve(), () => {}, () => 0, undefined, pending);
  const fetcher = fetcherOf(() => "network");
  const answer = flights.fetch("k", fetcher, {});
  await settle();
  assert.equal(core.callsOf("planFetch").length, 1, "no second plan before the load lands");
  loading.resolve();
  assert.equal(await answer, "from disk");
  assert.equal(fetcher.runs(), 0);
  assert.deepEqual(flights.counts(), { started: 0, joined: 0, served: 1, shared: 0 }, "one call, counted once");
});

test("a forced fetch does not wait for the load; a switch while waiting ends the call", async () => {
  const core = fakeCore({ planFetch: START, storeFetched: CURRENT, get: "forced" });
  const loading = deferred();
  const flights = new Flights(core, () => Promise.resolve(), () => {}, () => 0, undefined, () => loading.promise);
  const forced = fetcherOf(() => "forced");
  assert.equal(await flights.fetch("k", forced, { force: true }), "forced", "fetched without waiting");
  const waiting = flights.fetch("j", fetcherOf(() => "never"), {});
  core.user = "bob";
  loading.resolve();
  await rejectsWithCode(waiting, "SCOPE_CHANGED");
});
