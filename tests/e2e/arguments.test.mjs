// Public calls given wrong arguments, in real Chromium through the built package: strings
// holding a lone surrogate never reach an entry.
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
