// Argument checks (src/ts/internal/args.ts), made before anything reaches the engine: keys,
// options copied once into plain objects, option types. The browser suite (arguments.test.mjs)
// throws hostile arguments at every public call; this pins each check where it is written.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CacheError } from "../../pkg/errors.js";
import {
  checkedKey,
  createArgs,
  fetchOptions,
  mutateOptions,
  optionOfType,
  plainOptions,
  wellFormed,
  writeArgs,
} from "../../pkg/internal/args.js";

const code = (expected) => (error) => error instanceof CacheError && error.code === expected;

const HIGH = "\uD800";
const LOW = "\uDC00";

test("checkedKey returns a well-formed string key as it is", () => {
  for (const key of ["", "balance", "assets:shop1:*", `emoji ${HIGH}${LOW}`, "\u{1F600}"]) assert.equal(checkedKey(key), key);
});

test("checkedKey refuses a key that is not a string with INVALID_KEY (no coercion)", () => {
  for (const key of [undefined, null, 1, Symbol("k"), { toString: () => "k" }, ["k"]]) {
    assert.throws(() => checkedKey(key), code("INVALID_KEY"), String(typeof key));
  }
});

test("checkedKey refuses a lone surrogate with INVALID_KEY: UTF-8 would turn it into U+FFFD and merge keys", () => {
  for (const key of [HIGH, LOW, `a${HIGH}`, `${LOW}a`, `${LOW}${HIGH}`, `${HIGH}${HIGH}${LOW}`, `${HIGH}${LOW}${LOW}`]) {
    assert.throws(() => checkedKey(key), code("INVALID_KEY"), escape(key));
  }
});

test("where String.prototype.isWellFormed is missing, the regex fallback agrees with it on every short string", async (t) => {
  // Every string of up to 4 units over letters and the edges of both surrogate ranges.
  const units = ["a", "\uD800", "\uDBFF", "\uDC00", "\uDFFF"];
  const strings = [""];
  for (let length = 1, last = [""]; length <= 4; length++) {
    last = last.flatMap((prefix) => units.map((unit) => prefix + unit));
    strings.push(...last);
  }
  const native = String.prototype.isWellFormed;
  delete String.prototype.isWellFormed;
  t.after(() => (String.prototype.isWellFormed = native));
  // A second instance of the module (another URL), evaluated without isWellFormed.
  const { wellFormed: fallback } = await import("../../pkg/internal/args.js?without-isWellFormed");
  String.prototype.isWellFormed = native;
  assert.notEqual(fallback, wellFormed);
  const disagreements = strings.filter((text) => fallback(text) !== native.call(text)).map(escape);
  assert.deepEqual(disagreements, []);
});

test("plainOptions: none given is undefined; a value that is not an object is INVALID_OPTIONS", () => {
  assert.equal(plainOptions(undefined, ["a"]), undefined);
  assert.equal(plainOptions(null, ["a"]), undefined);
  for (const options of [1, "ttl", true, Symbol("o"), () => ({})]) {
    assert.throws(() => plainOptions(options, ["a"]), code("INVALID_OPTIONS"), typeof options);
  }
});

test("plainOptions copies only the named options into a fresh object, leaving null and undefined ones out", () => {
  const options = { a: 1, b: null, c: undefined, d: false, unknown: "x" };
  const copy = plainOptions(options, ["a", "b", "c", "d", "e"]);
  assert.deepEqual(copy, { a: 1, d: false });
  assert.notEqual(copy, options);
  assert.equal(Object.getPrototypeOf(copy), Object.prototype);
});

test("plainOptions reads each option once, so a getter cannot answer differently later", () => {
  let reads = 0;
  const options = {
    get ttlMs() {
      reads += 1;
      return reads === 1 ? 1_000 : -1;
    },
  };
  const copy = plainOptions(options, ["ttlMs"]);
  assert.equal(copy.ttlMs, 1_000);
  assert.equal(copy.ttlMs, 1_000);
  assert.equal(reads, 1);
});

test("plainOptions turns a throwing getter or proxy into INVALID_OPTIONS", () => {
  const getter = {
    get tier() {
      throw new Error("hostile");
    },
  };
  const proxy = new Proxy(
    {},
    {
      get() {
        throw new Error("hostile");
      },
    },
  );
  assert.throws(() => plainOptions(getter, ["tier"]), code("INVALID_OPTIONS"));
  assert.throws(() => plainOptions(proxy, ["tier"]), code("INVALID_OPTIONS"));
});

test("optionOfType lets undefined and the right type through, and names the option it refuses", () => {
  assert.doesNotThrow(() => optionOfType(undefined, "number", "x"));
  assert.doesNotThrow(() => optionOfType(1, "number", "x"));
  assert.doesNotThrow(() => optionOfType(() => {}, "function", "x"));
  assert.throws(() => optionOfType("1", "number", "refreshIntervalMs"), {
    code: "INVALID_OPTIONS",
    message: "refreshIntervalMs must be a number",
  });
  assert.throws(() => optionOfType(null, "boolean", "crossTab"), code("INVALID_OPTIONS"), "null is no boolean here");
});

test("fetchOptions keeps the fetch and set options, drops the rest, and copies retry into a plain object too", () => {
  let retryReads = 0;
  const retry = {
    get count() {
      retryReads += 1;
      return 2;
    },
    extra: true,
  };
  const options = { tier: "local", ttlMs: 1, staleMs: 2, tags: ["t"], etag: "e", dedupMs: 3, force: true, retry, revalidateOnFocus: false, revalidateOnReconnect: false, refreshIntervalMs: 4, refreshWhenHidden: true, commit: () => {} };
  const copy = fetchOptions(options);
  const { commit, ...expected } = options;
  assert.deepEqual({ ...copy, retry: undefined }, { ...expected, retry: undefined });
  assert.deepEqual(copy.retry, { count: 2 });
  assert.notEqual(copy.retry, retry);
  assert.equal(copy.retry.count, 2);
  assert.equal(retryReads, 1);
  assert.equal(fetchOptions(undefined), undefined);
});

test("fetchOptions leaves a primitive retry for the fetch to refuse, and refuses a non-number refreshIntervalMs", () => {
  assert.equal(fetchOptions({ retry: 3 }).retry, 3);
  for (const refreshIntervalMs of ["1000", Symbol("ms"), {}]) {
    assert.throws(() => fetchOptions({ refreshIntervalMs }), code("INVALID_OPTIONS"));
  }
});

test("mutateOptions keeps commit, rollbackOnError and the set options; commit must be a function, rollbackOnError a boolean", () => {
  const commit = () => 1;
  assert.deepEqual(mutateOptions({ commit, rollbackOnError: false, tier: "idb", force: true }), {
    commit,
    rollbackOnError: false,
    tier: "idb",
  });
  assert.throws(() => mutateOptions({ commit: "POST /x" }), code("INVALID_OPTIONS"));
  assert.throws(() => mutateOptions({ rollbackOnError: "no" }), code("INVALID_OPTIONS"));
});

/** `text` with its code units spelled out, for messages. */
function escape(text) {
  return [...Array(text.length).keys()].map((i) => text.charCodeAt(i).toString(16).padStart(4, "0")).join(" ");
}

test("writeArgs passes a write's options to the engine in its order, the tier as its index, not-given as undefined", () => {
  assert.deepEqual(writeArgs(undefined), [undefined, undefined, undefined, undefined, undefined]);
  assert.deepEqual(writeArgs(null), [undefined, undefined, undefined, undefined, undefined]);
  assert.deepEqual(writeArgs({ tier: null, ttlMs: null, tags: null }), [undefined, undefined, undefined, undefined, undefined]);
  assert.deepEqual(writeArgs({ tier: "memory" })[0], 0);
  assert.deepEqual(writeArgs({ tier: "local" })[0], 1);
  assert.deepEqual(
    writeArgs({ tier: "idb", ttlMs: 10, staleMs: Infinity, tags: ["a", "b"], etag: '"e"', other: 1 }),
    [2, 10, Infinity, ["a", "b"], '"e"'],
  );
  // Values are the engine's to judge: a negative TTL or an empty tag crosses as given.
  assert.deepEqual(writeArgs({ ttlMs: -1, tags: [""] }), [undefined, -1, undefined, [""], undefined]);
});

test("writeArgs refuses wrong types with the engine's codes", () => {
  assert.throws(() => writeArgs("local"), code("INVALID_OPTIONS"));
  assert.throws(() => writeArgs({ tier: "session" }), code("INVALID_TIER"));
  assert.throws(() => writeArgs({ tier: "toString" }), code("INVALID_TIER"), "no inherited names");
  assert.throws(() => writeArgs({ tier: 1 }), code("INVALID_TIER"));
  assert.throws(() => writeArgs({ ttlMs: "10" }), code("INVALID_TTL"));
  assert.throws(() => writeArgs({ staleMs: 10n }), code("INVALID_TTL"));
  assert.throws(() => writeArgs({ tags: "t" }), code("INVALID_OPTIONS"));
  assert.throws(() => writeArgs({ tags: ["t", 1] }), code("INVALID_OPTIONS"));
  assert.throws(() => writeArgs({ tags: [`t${HIGH}`] }), code("INVALID_KEY"), "a lone surrogate would cross as U+FFFD");
  assert.throws(() => writeArgs({ etag: 1 }), code("INVALID_OPTIONS"));
  // Two wrong options: the tags are judged first, as everywhere in the engine.
  assert.throws(() => writeArgs({ tier: "session", tags: 1 }), code("INVALID_OPTIONS"));
});

test("writeArgs reads each option once and copies the tags: throwing getters and proxies are INVALID_OPTIONS", () => {
  let reads = 0;
  const tags = ["t"];
  const args = writeArgs({
    get tags() {
      reads += 1;
      return tags;
    },
  });
  tags.push("later");
  assert.equal(reads, 1);
  assert.deepEqual(args[3], ["t"], "a copy: later changes to the caller's array do not reach the engine");
  assert.throws(() => writeArgs({ get ttlMs() { throw new Error("getter"); } }), code("INVALID_OPTIONS"));
  const trap = new Proxy(["t"], { get: () => { throw new Error("trap"); } });
  assert.throws(() => writeArgs({ tags: trap }), code("INVALID_OPTIONS"));
  const { proxy, revoke } = Proxy.revocable([], {});
  revoke();
  assert.throws(() => writeArgs({ tags: proxy }), code("INVALID_OPTIONS"));
});

test("createArgs passes createCache's options to openCache in its order, the tier as its index, not-given as undefined", () => {
  const none = [undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined];
  assert.deepEqual(createArgs({ namespace: "ns" }), ["ns", ...none]);
  assert.deepEqual(createArgs({ namespace: "ns", user: null, version: null, defaults: null, budgets: {} }), ["ns", ...none]);
  const migrate = () => undefined;
  assert.deepEqual(
    createArgs({
      namespace: "ns",
      user: "u",
      version: 2,
      migrate,
      defaults: { tier: "idb", ttlMs: 10, staleMs: Infinity },
      budgets: { memoryBytes: 1, localBytes: 2, idbBytes: 3 },
      other: 1,
    }),
    ["ns", "u", 2, migrate, 2, 10, Infinity, 1, 2, 3],
  );
  // Values are the engine's to judge: an empty namespace, a negative TTL or budget cross as given.
  assert.deepEqual(createArgs({ namespace: "", defaults: { ttlMs: -1 }, budgets: { localBytes: -5 } }), [
    "", undefined, undefined, undefined, undefined, -1, undefined, undefined, -5, undefined,
  ]);
});

test("createArgs refuses wrong types with the engine's codes and messages", () => {
  const refuses = (options, wanted, message) =>
    assert.throws(() => createArgs(options), (error) => error instanceof CacheError && error.code === wanted && error.message === message);
  refuses(undefined, "INVALID_OPTIONS", "options must be an object");
  refuses(42, "INVALID_OPTIONS", "options must be an object");
  refuses({}, "INVALID_NAMESPACE", "namespace is required and must be a string");
  refuses({ namespace: 1 }, "INVALID_NAMESPACE", "namespace is required and must be a string");
  refuses({ namespace: "ns", user: 1 }, "INVALID_USER", "user must be a string when given");
  refuses({ namespace: "ns", user: true }, "INVALID_USER", "user must be a string when given");
  refuses({ namespace: "ns", user: `u${HIGH}` }, "INVALID_USER", "user must be well-formed UTF-16 (no lone surrogates)");
  refuses({ namespace: "ns", defaults: 1 }, "INVALID_OPTIONS", "options must be an object");
  refuses({ namespace: "ns", defaults: { tier: "session" } }, "INVALID_TIER", 'tier must be "memory", "local" or "idb"');
  refuses({ namespace: "ns", defaults: { ttlMs: "1" } }, "INVALID_TTL", "ttlMs and staleMs must be numbers");
  refuses({ namespace: "ns", budgets: 42 }, "INVALID_OPTIONS", "options must be an object");
  refuses({ namespace: "ns", budgets: { idbBytes: "1" } }, "INVALID_OPTIONS", "budgets must be byte counts >= 0");
  refuses({ namespace: "ns", version: {} }, "INVALID_OPTIONS", "version must be a string or a number");
  refuses({ namespace: "ns", migrate: {} }, "INVALID_OPTIONS", "migrate must be a function");
  refuses({ namespace: "ns", migrate: "no" }, "INVALID_OPTIONS", "migrate must be a function");
  refuses({ get namespace() { throw new Error("getter"); } }, "INVALID_OPTIONS", "an option could not be read");
  refuses({ namespace: "ns", defaults: new Proxy({}, { get: () => { throw new Error("trap"); } }) }, "INVALID_OPTIONS", "an option could not be read");
  // Two wrong options: the first in the engine's order wins.
  refuses({ namespace: 1, version: {} }, "INVALID_NAMESPACE", "namespace is required and must be a string");
  refuses({ namespace: "ns", defaults: { tier: "session" }, migrate: 1 }, "INVALID_TIER", 'tier must be "memory", "local" or "idb"');
});
