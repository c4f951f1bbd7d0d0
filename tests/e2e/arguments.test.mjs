// Every public call given wrong arguments, in real Chromium through the built package: each
// refusal is a CacheError with its exact code, thrown by synchronous methods and rejected by
// those that return a promise; hostile objects (proxies, throwing getters, revoked proxies) never
// let their own errors out; strings holding a lone surrogate never reach an entry.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openCachePage, startPackageServer, useBrowser } from "./harness.mjs";

const env = useBrowser(startPackageServer);

/**
 * Page helpers: `outcome(call)` says how `call()` ended — `throws CODE`, `rejects CODE` (a
 * CacheError's code, or `raw Name: message` for anything else), `returns` or `resolves` — and
 * `hostile()` makes objects whose every access throws.
 */
function helpers() {
  const describe = (error) =>
    error instanceof cachebus.CacheError ? error.code : `raw ${error?.name}: ${error?.message}`;
  window.outcome = async (call) => {
    let result;
    try {
      result = call();
    } catch (error) {
      return `throws ${describe(error)}`;
    }
    if (!(result instanceof Promise)) return "returns";
    try {
      await result;
      return "resolves";
    } catch (error) {
      return `rejects ${describe(error)}`;
    }
  };
  /** Runs every call of `calls` (name → function) in order; name → outcome. */
  window.outcomes = async (calls) => {
    const seen = {};
    for (const [name, call] of Object.entries(calls)) seen[name] = await outcome(call);
    return seen;
  };
  const trap = () => {
    throw new Error("hostile trap");
  };
  const traps = { get: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, getPrototypeOf: trap };
  window.hostile = () => new Proxy({}, traps);
  window.hostileArray = () => new Proxy(["t"], traps);
  window.revoked = () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  };
  window.throwingGetter = (name, rest = {}) =>
    Object.defineProperty({ ...rest }, name, { enumerable: true, get: trap });
}

test("every Cache method refuses wrong arguments with a CacheError and its code", async () => {
  const context = await env.browser.newContext();
  const { page, problems } = await openCachePage(context, env.server.url, { namespace: "args", user: "alice" }, helpers);
  const result = await page.evaluate(async () => {
    const { createCache } = cachebus;
    let fetcherCalls = 0;
    const fetcher = async () => ++fetcherCalls;
    const lone = "x\ud800";
    cache.set("k", "kept");
    return {
      createCache: await outcomes({
        none: () => createCache(),
        number: () => createCache(42),
        proxy: () => createCache(hostile()),
        revoked: () => createCache(revoked()),
        throwingNamespace: () => createCache(throwingGetter("namespace")),
        throwingThrottle: () => createCache(throwingGetter("focusThrottleMs", { namespace: "args" })),
        badThrottle: () => createCache({ namespace: "args", focusThrottleMs: "5" }),
        hostileDefaults: () => createCache({ namespace: "args", defaults: hostile() }),
        hostileBudgets: () => createCache({ namespace: "args", budgets: hostile() }),
        numberBudgets: () => createCache({ namespace: "args", budgets: 42 }),
        hostileMigrate: () => createCache({ namespace: "args", migrate: hostile() }),
        loneUser: () => createCache({ namespace: "args", user: "alice\udc00" }),
      }),
      set: await outcomes({
        numberKey: () => cache.set(42, 1),
        loneKey: () => cache.set(lone, 1),
        numberOptions: () => cache.set("k", 1, 42),
        stringOptions: () => cache.set("k", 1, "local"),
        proxyOptions: () => cache.set("k", 1, hostile()),
        revokedOptions: () => cache.set("k", 1, revoked()),
        throwingTier: () => cache.set("k", 1, throwingGetter("tier")),
        hostileTags: () => cache.set("k", 1, { tags: hostileArray() }),
        revokedTags: () => cache.set("k", 1, { tags: revoked() }),
        loneTag: () => cache.set("k", 1, { tags: ["t\udbff"] }),
        undefinedValue: () => cache.set("k", undefined),
      }),
      get: await outcomes({ numberKey: () => cache.get(42), loneKey: () => cache.get("x\udc00") }),
      peek: await outcomes({ numberKey: () => cache.peek(42), loneKey: () => cache.peek("x\udfff") }),
      read: await outcomes({ numberKey: () => cache.read(42), loneKey: () => cache.read("x\udbff") }),
      keys: await outcomes({
        number: () => cache.keys(42),
        proxy: () => cache.keys(hostile()),
        hostileTags: () => cache.keys({ tags: hostileArray() }),
        lonePrefix: () => cache.keys({ prefix: lone }),
      }),
      fetch: await outcomes({
        numberKey: () => cache.fetch(42, fetcher),
        loneKey: () => cache.fetch(lone, fetcher),
        noFetcher: () => cache.fetch("f", undefined),
        numberFetcher: () => cache.fetch("f", 42),
        numberOptions: () => cache.fetch("f", fetcher, 42),
        proxyOptions: () => cache.fetch("f", fetcher, hostile()),
        throwingForce: () => cache.fetch("f", fetcher, throwingGetter("force")),
        hostileRetry: () => cache.fetch("f", fetcher, { retry: hostile() }),
        badRetry: () => cache.fetch("f", fetcher, { retry: { count: -1 } }),
        symbolInterval: () => cache.fetch("f", fetcher, { refreshIntervalMs: Symbol("ms") }),
        badDedup: () => cache.fetch("f", fetcher, { dedupMs: -1 }),
      }),
      fetcherCalls,
      subscribe: await outcomes({
        numberKey: () => cache.subscribe(42, () => {}),
        loneKey: () => cache.subscribe(lone, () => {}),
        numberListener: () => cache.subscribe("k", 42),
      }),
      mutate: await outcomes({
        numberKey: () => cache.mutate(42, 1),
        loneKey: () => cache.mutate(lone, 1),
        numberOptions: () => cache.mutate("k", 1, 42),
        proxyOptions: () => cache.mutate("k", 1, hostile()),
        throwingCommit: () => cache.mutate("k", 1, throwingGetter("commit")),
        numberCommit: () => cache.mutate("k", 1, { commit: 42 }),
        stringRollback: () => cache.mutate("k", 1, { rollbackOnError: "yes" }),
        badTier: () => cache.mutate("k", 1, { tier: "disk" }),
      }),
      revalidate: await outcomes({ number: () => cache.revalidate(42), proxy: () => cache.revalidate(hostile()) }),
      on: await outcomes({
        nullHandler: () => cache.on("ping", null),
        numberName: () => cache.on(42, () => {}),
        loneName: () => cache.on("ping\ud800", () => {}),
      }),
      emit: await outcomes({
        numberName: () => cache.emit(42),
        loneName: () => cache.emit("ping\udfff"),
        numberOptions: () => cache.emit("ping", 1, 42),
        proxyOptions: () => cache.emit("ping", 1, hostile()),
        throwingCrossTab: () => cache.emit("ping", 1, throwingGetter("crossTab")),
        stringCrossTab: () => cache.emit("ping", 1, { crossTab: "no" }),
      }),
      rules: await outcomes({
        null: () => cache.rules(null),
        numberRule: () => cache.rules({ ping: 42 }),
        proxyTable: () => cache.rules(hostile()),
        throwingRule: () => cache.rules(throwingGetter("ping")),
        hostileRuleTags: () => cache.rules({ ping: { tags: hostileArray() } }),
        loneName: () => cache.rules({ "ping\udc00": { prefix: "a" } }),
        numberOptions: () => cache.rules({ ping: { prefix: "a" } }, 42),
        proxyOptions: () => cache.rules({ ping: { prefix: "a" } }, hostile()),
        throwingFallback: () => cache.rules({ ping: { prefix: "a" } }, throwingGetter("fallback")),
      }),
      connect: await outcomes({
        nullSource: () => cache.connect(null, () => {}),
        plainObject: () => cache.connect({}, () => {}),
        proxySource: () => cache.connect(hostile(), () => {}),
        numberMap: () => cache.connect(new EventTarget(), 42),
      }),
      invalidate: await outcomes({
        number: () => cache.invalidate(42),
        proxy: () => cache.invalidate(hostile()),
        revoked: () => cache.invalidate(revoked()),
        throwingKey: () => cache.invalidate(throwingGetter("key")),
        hostileTags: () => cache.invalidate({ tags: hostileArray() }),
        loneKey: () => cache.invalidate(lone),
        lonePattern: () => cache.invalidate({ pattern: "x\udfff*" }),
        loneTag: () => cache.invalidate({ tags: ["t\ud800"] }),
      }),
      remove: await outcomes({
        undefined: () => cache.remove(undefined),
        proxy: () => cache.remove(hostile()),
        loneKey: () => cache.remove({ key: lone }),
      }),
      switchUser: await outcomes({
        number: () => cache.switchUser(42),
        proxy: () => cache.switchUser(hostile()),
        lone: () => cache.switchUser("bob\ud800"),
      }),
      clearUser: await outcomes({ number: () => cache.clearUser(42), lone: () => cache.clearUser("bob\udc00") }),
      cleanLegacy: await outcomes({
        number: () => cache.cleanLegacy(42),
        hostileArray: () => cache.cleanLegacy(hostileArray()),
        loneName: () => cache.cleanLegacy(["legacy\ud800"]),
      }),
      // Nothing refused above stuck: the cache is usable and still holds what it held.
      after: [cache.get("k"), cache.user, (cache.set("after", 1), cache.get("after"))],
    };
  });
  assert.deepEqual(result, {
    createCache: {
      none: "rejects INVALID_OPTIONS",
      number: "rejects INVALID_OPTIONS",
      proxy: "rejects INVALID_OPTIONS",
      revoked: "rejects INVALID_OPTIONS",
      throwingNamespace: "rejects INVALID_OPTIONS",
      throwingThrottle: "rejects INVALID_OPTIONS",
      badThrottle: "rejects INVALID_OPTIONS",
      hostileDefaults: "rejects INVALID_OPTIONS",
      hostileBudgets: "rejects INVALID_OPTIONS",
      numberBudgets: "rejects INVALID_OPTIONS",
      hostileMigrate: "rejects INVALID_OPTIONS",
      loneUser: "rejects INVALID_USER",
    },
    set: {
      numberKey: "throws INVALID_KEY",
      loneKey: "throws INVALID_KEY",
      numberOptions: "throws INVALID_OPTIONS",
      stringOptions: "throws INVALID_OPTIONS",
      proxyOptions: "throws INVALID_OPTIONS",
      revokedOptions: "throws INVALID_OPTIONS",
      throwingTier: "throws INVALID_OPTIONS",
      hostileTags: "throws INVALID_OPTIONS",
      revokedTags: "throws INVALID_OPTIONS",
      loneTag: "throws INVALID_KEY",
      undefinedValue: "throws INVALID_VALUE",
    },
    get: { numberKey: "throws INVALID_KEY", loneKey: "throws INVALID_KEY" },
    peek: { numberKey: "throws INVALID_KEY", loneKey: "throws INVALID_KEY" },
    read: { numberKey: "rejects INVALID_KEY", loneKey: "rejects INVALID_KEY" },
    keys: {
      number: "throws INVALID_TARGET",
      proxy: "throws INVALID_TARGET",
      hostileTags: "throws INVALID_TARGET",
      lonePrefix: "throws INVALID_KEY",
    },
    fetch: {
      numberKey: "rejects INVALID_KEY",
      loneKey: "rejects INVALID_KEY",
      noFetcher: "rejects INVALID_OPTIONS",
      numberFetcher: "rejects INVALID_OPTIONS",
      numberOptions: "rejects INVALID_OPTIONS",
      proxyOptions: "rejects INVALID_OPTIONS",
      throwingForce: "rejects INVALID_OPTIONS",
      hostileRetry: "rejects INVALID_OPTIONS",
      badRetry: "rejects INVALID_OPTIONS",
      symbolInterval: "rejects INVALID_OPTIONS",
      badDedup: "rejects INVALID_OPTIONS",
    },
    fetcherCalls: 0,
    subscribe: {
      numberKey: "throws INVALID_KEY",
      loneKey: "throws INVALID_KEY",
      numberListener: "throws INVALID_OPTIONS",
    },
    mutate: {
      numberKey: "rejects INVALID_KEY",
      loneKey: "rejects INVALID_KEY",
      numberOptions: "rejects INVALID_OPTIONS",
      proxyOptions: "rejects INVALID_OPTIONS",
      throwingCommit: "rejects INVALID_OPTIONS",
      numberCommit: "rejects INVALID_OPTIONS",
      stringRollback: "rejects INVALID_OPTIONS",
      badTier: "rejects INVALID_TIER",
    },
    revalidate: { number: "throws INVALID_TARGET", proxy: "throws INVALID_TARGET" },
    on: { nullHandler: "throws INVALID_OPTIONS", numberName: "throws INVALID_OPTIONS", loneName: "throws INVALID_KEY" },
    emit: {
      numberName: "throws INVALID_OPTIONS",
      loneName: "throws INVALID_KEY",
      numberOptions: "throws INVALID_OPTIONS",
      proxyOptions: "throws INVALID_OPTIONS",
      throwingCrossTab: "throws INVALID_OPTIONS",
      stringCrossTab: "throws INVALID_OPTIONS",
    },
    rules: {
      null: "throws INVALID_OPTIONS",
      numberRule: "throws INVALID_OPTIONS",
      proxyTable: "throws INVALID_OPTIONS",
      throwingRule: "throws INVALID_OPTIONS",
      hostileRuleTags: "throws INVALID_OPTIONS",
      loneName: "throws INVALID_KEY",
      numberOptions: "throws INVALID_OPTIONS",
      proxyOptions: "throws INVALID_OPTIONS",
      throwingFallback: "throws INVALID_OPTIONS",
    },
    connect: {
      nullSource: "throws INVALID_OPTIONS",
      plainObject: "throws INVALID_OPTIONS",
      proxySource: "throws INVALID_OPTIONS",
      numberMap: "throws INVALID_OPTIONS",
    },
    invalidate: {
      number: "throws INVALID_TARGET",
      proxy: "throws INVALID_TARGET",
      revoked: "throws INVALID_TARGET",
      throwingKey: "throws INVALID_TARGET",
      hostileTags: "throws INVALID_TARGET",
      loneKey: "throws INVALID_KEY",
      lonePattern: "throws INVALID_KEY",
      loneTag: "throws INVALID_KEY",
    },
    remove: { undefined: "rejects INVALID_TARGET", proxy: "rejects INVALID_TARGET", loneKey: "rejects INVALID_KEY" },
    switchUser: { number: "rejects INVALID_USER", proxy: "rejects INVALID_USER", lone: "rejects INVALID_USER" },
    clearUser: { number: "rejects INVALID_USER", lone: "rejects INVALID_USER" },
    cleanLegacy: { number: "throws INVALID_OPTIONS", hostileArray: "throws INVALID_OPTIONS", loneName: "throws INVALID_KEY" },
    after: ["kept", "alice", 1],
  });
  assert.deepEqual(problems, []);
  await context.close();
});

test("keys with lone surrogates are refused: four such keys never share the entry of U+FFFD", async () => {
  const context = await env.browser.newContext();
  const { page, problems } = await openCachePage(context, env.server.url, { namespace: "surrogates" }, helpers);
  const result = await page.evaluate(async () => {
    const lone = ["x\ud800", "x\udbff", "x\udc00", "x\udfff"];
    const replaced = "x\ufffd"; // what each of them would become as UTF-8
    cache.set(replaced, "the real U+FFFD key", { tier: "local" });
    cache.set("x\ud83d\ude00", "a well-formed pair", { tier: "local" });
    const refused = await outcomes(Object.fromEntries(lone.map((key) => [key, () => cache.set(key, key, { tier: "local" })])));
    const errors = [];
    addEventListener("cachebus:error", (event) => errors.push(`${event.detail.code} ${event.detail.event}`));
    // A rule's targets and a push's event reach the engine too: a lone surrogate there is the
    // rule's or the push's failure, reported, and invalidates nothing.
    cache.rules({ ping: () => ({ prefix: "x\udc00" }) });
    cache.emit("ping");
    const source = new EventTarget();
    cache.connect(source, (data) => data);
    source.dispatchEvent(new MessageEvent("message", { data: { key: "x\ud800" } }));
    source.dispatchEvent(new MessageEvent("message", { data: { event: "x\udfff" } }));
    await new Promise((resolve) => setTimeout(resolve, 0));
    return {
      refused,
      replaced: [cache.get(replaced), cache.peek(replaced).state],
      pair: cache.get("x\ud83d\ude00"),
      keys: cache.keys(),
      stored: Object.keys(localStorage).sort(),
      errors,
    };
  });
  assert.deepEqual(result, {
    refused: {
      "x\ud800": "throws INVALID_KEY",
      "x\udbff": "throws INVALID_KEY",
      "x\udc00": "throws INVALID_KEY",
      "x\udfff": "throws INVALID_KEY",
    },
    replaced: ["the real U+FFFD key", "fresh"],
    pair: "a well-formed pair",
    keys: ["x\ufffd", "x\ud83d\ude00"], // UTF-8 order
    stored: ["cachebus:surrogates::x\ud83d\ude00", "cachebus:surrogates::x\ufffd"],
    errors: ["RULE_ERROR ping", "PUSH_ERROR message", "PUSH_ERROR message"],
  });
  assert.deepEqual(problems, []);
  await context.close();
});

test("the React hooks and the provider hand wrong arguments to an error boundary as CacheErrors", async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(error.message));
  await page.goto(`${env.server.url}react/`);
  await page.waitForFunction(() => window.fixtureReady);
  const result = await page.evaluate(async () => {
    const { createElement: h, Component } = React;
    const { CacheProvider, useCached, useCacheEvent, useCacheStats } = hooks;
    const caught = [];
    class Boundary extends Component {
      state = { error: null };
      static getDerivedStateFromError(error) {
        return { error };
      }
      componentDidCatch(error) {
        caught.push(error instanceof cachebus.CacheError ? error.code : `raw ${error?.name}: ${error?.message}`);
      }
      render() {
        return this.state.error ? h("p", null, "caught") : this.props.children;
      }
    }
    const render = async (element, provider = { namespace: "hooks-args" }) => {
      const container = document.createElement("div");
      document.body.append(container);
      const root = createRoot(container);
      const before = caught.length;
      root.render(h(Boundary, null, h(CacheProvider, provider, element)));
      const until = Date.now() + 2_000;
      while (caught.length === before && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
      root.unmount();
      return caught.slice(before).join(", ") || "nothing caught";
    };
    const Fetching = (props) => (useCached(props.cacheKey, props.fetcher, props.options), null);
    const Listening = (props) => (useCacheEvent(props.name, props.handler), null);
    const Stats = (props) => (useCacheStats(props.intervalMs), null);
    const fetcher = async () => 1;
    return {
      numberFetcher: await render(h(Fetching, { cacheKey: "k", fetcher: 42 })),
      numberOptions: await render(h(Fetching, { cacheKey: "k", fetcher, options: 42 })),
      loneKey: await render(h(Fetching, { cacheKey: "k\ud800", fetcher })),
      numberHandler: await render(h(Listening, { name: "ping", handler: 42 })),
      stringInterval: await render(h(Stats, { intervalMs: "often" })),
      badNamespace: await render(null, { namespace: "not a namespace" }),
      badUser: await render(null, { namespace: "hooks-args", user: "a:b" }),
    };
  });
  assert.deepEqual(result, {
    numberFetcher: "INVALID_OPTIONS",
    numberOptions: "INVALID_OPTIONS",
    loneKey: "INVALID_KEY",
    numberHandler: "INVALID_OPTIONS",
    stringInterval: "INVALID_OPTIONS",
    badNamespace: "INVALID_NAMESPACE",
    badUser: "INVALID_USER",
  });
  // React reports what a boundary caught on the console; nothing escaped as a page error.
  assert.deepEqual(problems, []);
  await context.close();
});
