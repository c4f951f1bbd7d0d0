// A stand-in for the wasm engine (WasmCache) in the facade's unit tests. It decides nothing: each
// method answers what the test scripted and records the call, so a test states the engine's word
// and checks what the facade does on it. Not a re-implementation of the engine: rules that live
// in Rust are tested there (src/core/*.rs) and in the browser (tests/e2e/).

/** The WasmCache methods the internals call; any other method is undefined here, on purpose. */
const METHODS = [
  "planFetch",
  "startFetch",
  "storeFetched",
  "confirmFetched",
  "failFetch",
  "peek",
  "observe",
  "get",
  "loadValue",
  "planRead",
  "fillValue",
  "readFailed",
  "adoptRead",
  "hydrateIdb",
  "migrateIdb",
  "beginMutation",
  "settleMutation",
  "set",
  "pushed",
];

/**
 * A fake core. `answers[method]` scripts what `method` returns:
 * - a function: called with the call's arguments, its result returned (a throw is the engine's);
 * - an array: one item per call, in order; a call past its end throws (an unscripted call);
 * - anything else: returned by every call.
 * A method with no answer returns `undefined` ("nothing held", or nothing to return), except
 * `startFetch`, which hands out ids 1, 2, 3… like the engine, and the methods whose answer is a
 * decision (a plan, a fate, an id, a load), which throw: a decision the test did not script is a
 * failure, not a silent `undefined` (which a fate check would take as "overtaken", and loop).
 * `answers` stays writable (`core.answers.planFetch = …`) for later calls.
 *
 * `core.calls` lists every call as `{ method, args }`; `core.callsOf(method)` the args of one
 * method's calls. `onOutdated(callback)` keeps the callback; `core.outdate(ids)` calls it, as the
 * engine does right after a change.
 */
export function fakeCore(answers = {}, scope = {}) {
  const { namespace, user } = { namespace: "ns", user: "alice", ...scope }; // `user: undefined` is signed out
  const calls = [];
  const queues = new Map();
  let nextId = 0;
  let outdated;
  const core = {
    namespace,
    user,
    answers,
    calls,
    callsOf: (method) => calls.filter((call) => call.method === method).map((call) => call.args),
    onOutdated(callback) {
      calls.push({ method: "onOutdated", args: [callback] });
      outdated = callback;
    },
    outdate(ids) {
      if (!outdated) throw new Error("fake core: nobody registered onOutdated");
      outdated(ids);
    },
  };
  for (const method of METHODS) {
    core[method] = (...args) => {
      calls.push({ method, args });
      const answer = core.answers[method];
      if (typeof answer === "function") return answer(...args);
      if (Array.isArray(answer)) {
        const used = queues.get(method) ?? 0;
        if (used >= answer.length) throw new Error(`fake core: no scripted answer left for ${method} call ${used + 1}`);
        queues.set(method, used + 1);
        return answer[used];
      }
      if (answer === undefined && method === "startFetch") return (nextId += 1);
      if (answer === undefined && DECISIONS.has(method)) throw new Error(`fake core: ${method} was not scripted`);
      return answer;
    };
  }
  return core;
}

/** Methods whose answer the facade acts on: unscripted, they throw. */
const DECISIONS = new Set([
  "planFetch",
  "storeFetched",
  "confirmFetched",
  "failFetch",
  "loadValue",
  "planRead",
  "fillValue",
  "adoptRead",
  "hydrateIdb",
  "beginMutation",
]);

/** A promise with its resolve and reject at hand, to settle a fetcher or a commit when the test says. */
export function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending promise callbacks run (a macrotask turn: every queued microtask first). */
export function settle() {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The tiers by the index the engine's write exports take (args.ts `WriteArgs`). */
const TIERS = ["memory", "local", "idb"];

/**
 * Write arguments (`[tier, ttlMs, staleMs, tags, etag]`, as the facade passes them to `set`,
 * `storeFetched`, `confirmFetched`, `beginMutation`, `settleMutation`) as the options object
 * they came from, without the options not given: what a test compares.
 */
export function writeOptions([tier, ttlMs, staleMs, tags, etag]) {
  const options = { tier: TIERS[tier], ttlMs, staleMs, tags, etag };
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
