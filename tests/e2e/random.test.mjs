// A seeded random walk over two tabs of one namespace in real Chromium: slow fetches (answers
// labelled with the user they were fetched for and the instant they started), sets, invalidations
// and removals by every target kind, user switches, logouts, server pushes and reloads. After
// every step: no tab shows, and no storage holds, another user's value (at once); no fresh value
// anywhere comes from a fetch that started before the latest change of its key (once the tabs
// have heard of each other's changes). The seed is printed; `CACHEBUS_SEED=n` replays a run.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openCachePage, startPackageServer, useBrowser } from "./harness.mjs";

const env = useBrowser(startPackageServer);
const NAMESPACE = "random-walk";
const STEPS = 320;
const USERS = ["alice", "bob"];
const KEYS = ["list:a", "list:b", "item:1", "item:2"];
const tagsOf = (key) => [key.split(":")[0]];

/** mulberry32: a small seeded generator, so that a failing walk can be replayed. */
function generator(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Installs `window.cache` for `user` and the walk's helpers in a (re)loaded page. */
async function start(page, user) {
  await page.evaluate(
    async ({ namespace, user }) => {
      window.cachebus = await import("/pkg/index.js");
      window.cache = await cachebus.createCache({ namespace, user });
      window.sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
      window.source = new EventTarget();
      // What happened in this tab lately, shown when a check fails.
      window.recent = [];
      addEventListener("cachebus:change", (e) => {
        recent.push(`${Date.now()} ${e.detail.origin} ${e.detail.kind} ${e.detail.keys.join(",")}`);
        if (recent.length > 40) recent.shift();
      });
      cache.connect(source, (data) => (data.type === "lists-changed" ? { tags: ["list"] } : undefined));
      window.walk = {
        // A slow fetcher is a closure of the user who called it: it labels its answer so.
        fetch(key, delay, tags, n) {
          const user = cache.user;
          const fetcher = async () => {
            const at = Date.now();
            await sleep(delay);
            return { user, at, n };
          };
          cache.fetch(key, fetcher, { tier: "local", tags, dedupMs: 0 }).catch(() => {});
        },
        /** Per key: the value shown, whether fresh; and the values localStorage holds, per user. */
        look(keys, users) {
          const now = Date.now();
          const shown = keys.map((key) => {
            const info = cache.peek(key);
            return info && info.state !== "error" ? { key, value: cache.get(key), fresh: info.state === "fresh" } : null;
          });
          const stored = [];
          for (const user of users) {
            for (const key of keys) {
              const text = localStorage.getItem(`cachebus:${namespace}:${user}:${key}`);
              if (text === null) continue;
              const envelope = JSON.parse(text);
              const fresh = (envelope.s === null || envelope.s > now) && (envelope.x === null || envelope.x > now);
              stored.push({ user, key, value: envelope.d, fresh });
            }
          }
          return { user: cache.user, shown: shown.filter(Boolean), stored };
        },
      };
    },
    { namespace: NAMESPACE, user },
  );
}

test(`a seeded random walk of ${STEPS} steps over two tabs never shows or stores another user's or an outdated value`, async () => {
  const seed = Number(process.env.CACHEBUS_SEED ?? Math.floor(Math.random() * 2 ** 31));
  console.log(`random walk seed: ${seed} (replay with CACHEBUS_SEED=${seed})`);
  const random = generator(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const context = await env.browser.newContext();
  const problems = [];
  const tabs = [];
  for (let i = 0; i < 2; i++) {
    const page = await context.newPage();
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(env.server.url);
    await start(page, "alice");
    tabs.push({ page, user: "alice" });
  }
  // The latest change of each user's key, as instants of the pages' clock (the machine's).
  const changed = Object.fromEntries(USERS.map((u) => [u, Object.fromEntries(KEYS.map((k) => [k, 0]))]));
  const change = (user, keys, at) => keys.forEach((k) => (changed[user][k] = Math.max(changed[user][k], at)));
  const now = (page) => page.evaluate(() => Date.now());
  const log = [];

  const targets = [
    () => {
      const key = pick(KEYS);
      return { target: key, keys: [key] };
    },
    () => ({ target: { prefix: "list:" }, keys: KEYS.filter((k) => k.startsWith("list:")) }),
    () => ({ target: { pattern: "*:1" }, keys: KEYS.filter((k) => k.endsWith(":1")) }),
    () => ({ target: { tags: ["item"] }, keys: KEYS.filter((k) => k.startsWith("item:")) }),
    () => ({ target: { all: true }, keys: KEYS }),
  ];

  for (let step = 0; step < STEPS; step++) {
    const t = pick(tabs);
    const roll = random();
    if (roll < 0.36) {
      const key = pick(KEYS);
      const delay = Math.floor(random() * 60);
      log.push(`${step}: tab${tabs.indexOf(t)} (${t.user}) fetch ${key} ${delay}ms`);
      await t.page.evaluate(({ key, delay, tags, n }) => walk.fetch(key, delay, tags, n), { key, delay, tags: tagsOf(key), n: step });
    } else if (roll < 0.5) {
      const key = pick(KEYS);
      log.push(`${step}: tab${tabs.indexOf(t)} (${t.user}) set ${key}`);
      const at = await t.page.evaluate(
        ({ key, tags, n }) => {
          const at = Date.now();
          cache.set(key, { user: cache.user, at, n, set: true }, { tier: "local", tags });
          return at;
        },
        { key, tags: tagsOf(key), n: step },
      );
      change(t.user, [key], at);
    } else if (roll < 0.64) {
      const { target, keys } = pick(targets)();
      log.push(`${step}: tab${tabs.indexOf(t)} (${t.user}) invalidate ${JSON.stringify(target)}`);
      const at = await now(t.page);
      await t.page.evaluate((target) => cache.invalidate(target), target);
      change(t.user, keys, at);
    } else if (roll < 0.72) {
      const { target, keys } = pick(targets)();
      log.push(`${step}: tab${tabs.indexOf(t)} (${t.user}) remove ${JSON.stringify(target)}`);
      const at = await now(t.page);
      await t.page.evaluate((target) => cache.remove(target), target);
      change(t.user, keys, at);
    } else if (roll < 0.8) {
      const user = t.user === "alice" ? "bob" : "alice";
      log.push(`${step}: tab${tabs.indexOf(t)} (${t.user}) switchUser ${user}`);
      await t.page.evaluate((user) => cache.switchUser(user), user);
      t.user = user;
    } else if (roll < 0.84) {
      log.push(`${step}: tab${tabs.indexOf(t)} (${t.user}) clearUser`);
      const at = await now(t.page);
      await t.page.evaluate(() => cache.clearUser());
      change(t.user, KEYS, at);
    } else if (roll < 0.94) {
      // The server pushes one message to every tab's connection (each tab holds its own).
      log.push(`${step}: push lists-changed`);
      const text = JSON.stringify({ type: "lists-changed", n: step });
      let first = Infinity;
      for (const other of tabs) {
        const at = await other.page.evaluate((data) => {
          const at = Date.now();
          source.dispatchEvent(new MessageEvent("message", { data }));
          return at;
        }, text);
        first = Math.min(first, at);
      }
      for (const user of new Set(tabs.map((other) => other.user))) change(user, ["list:a", "list:b"], first);
    } else {
      log.push(`${step}: tab${tabs.indexOf(t)} (${t.user}) reload`);
      await t.page.reload();
      await start(t.page, t.user);
    }

    await new Promise((resolve) => setTimeout(resolve, 5));
    const context = () => `seed ${seed}, after step ${step}\n${log.slice(-12).join("\n")}`;
    // At once: nobody sees or stores another user's value.
    for (const [i, other] of tabs.entries()) {
      const seen = await other.page.evaluate(({ keys, users }) => walk.look(keys, users), { keys: KEYS, users: USERS });
      assert.equal(seen.user, other.user, context());
      for (const { key, value } of seen.shown) {
        assert.equal(value.user, other.user, `tab${i} (${other.user}) shows ${key} = ${JSON.stringify(value)}; ${context()}`);
      }
      for (const { user, key, value } of seen.stored) {
        assert.equal(value.user, user, `stored under ${user}: ${key} = ${JSON.stringify(value)}; ${context()}`);
      }
    }
    // Once the tabs heard of each other's changes: nothing fresh predates its key's latest change.
    const outdated = async () => {
      const found = [];
      for (const [i, other] of tabs.entries()) {
        const seen = await other.page.evaluate(({ keys, users }) => walk.look(keys, users), { keys: KEYS, users: USERS });
        for (const { key, value, fresh } of seen.shown) {
          if (fresh && value.at < changed[other.user][key]) found.push(`tab${i} (${other.user}) shows ${key} = ${JSON.stringify(value)} fresh`);
        }
        for (const { user, key, value, fresh } of seen.stored) {
          if (fresh && value.at < changed[user][key]) found.push(`storage holds ${user}:${key} = ${JSON.stringify(value)} fresh`);
        }
      }
      return found;
    };
    let found = await outdated();
    for (let tries = 0; found.length > 0 && tries < 40; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      found = await outdated();
    }
    if (found.length > 0) {
      const states = await Promise.all(
        tabs.map((other) =>
          other.page.evaluate((keys) => ({ peek: keys.map((k) => [k, cache.peek(k), cache.get(k)]), recent }), KEYS),
        ),
      );
      assert.deepEqual(found, [], `changed: ${JSON.stringify(changed)}; tabs: ${JSON.stringify(states)}; ${context()}`);
    }
  }
  assert.deepEqual(problems, []);
  await context.close();
});
