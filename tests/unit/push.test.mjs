// Server push (src/ts/internal/push.ts): what `map` gets, the fingerprint handed to the engine's
// push ledger (which tells one push from its relayed copies), and the diagnostics for messages
// and sources that fail. The ledger's counting is the engine's (src/core/push.rs).
import assert from "node:assert/strict";
import { afterEach, beforeEach, mock, test } from "node:test";
import { CacheError } from "../../pkg/errors.js";
import { connect, connectOpened } from "../../pkg/internal/push.js";
import { fakeCore } from "./fake-core.mjs";

// Diagnostics are `cachebus:error` events dispatched on window through the global dispatchEvent,
// which Node 20 lacks: each test gets a recording one.
let diagnostics;
beforeEach(() => {
  diagnostics = [];
  globalThis.dispatchEvent = (event) => diagnostics.push({ type: event.type, ...event.detail });
});
afterEach(() => {
  delete globalThis.dispatchEvent;
});

/**
 * A source, a fake core (signed in as `user`) and a connection whose `map` records what it gets
 * and returns `result` (or what `result(data)` returns). `send(data, lastEventId)` dispatches a
 * message event carrying exactly `data` (a MessageEvent would turn `undefined` into `null`).
 */
function setup(options = {}) {
  const { result, user } = { result: { invalidate: "k" }, user: "alice", ...options };
  const core = fakeCore({}, { user });
  const source = new EventTarget();
  const mapped = [];
  const map = (data) => (mapped.push(data), typeof result === "function" ? result(data) : result);
  const disconnect = connect(core, source, map);
  const send = (data, lastEventId = "") => {
    const event = new Event("message");
    Object.defineProperties(event, { data: { value: data }, lastEventId: { value: lastEventId } });
    source.dispatchEvent(event);
  };
  /** The fingerprints handed to the engine, in order. */
  const fingerprints = () => core.callsOf("pushed").map(([, , fingerprint]) => fingerprint);
  return { core, source, mapped, send, fingerprints, disconnect };
}

test("a text push's fingerprint is its text as sent (not re-serialised); map gets the parsed JSON", () => {
  const { core, mapped, send, fingerprints } = setup();
  send('{"kind": "spent",  "tokens": 5}');
  assert.deepEqual(mapped, [{ kind: "spent", tokens: 5 }]);
  assert.deepEqual(fingerprints(), ['{"kind": "spent",  "tokens": 5}']);
  assert.deepEqual(core.callsOf("pushed")[0][0], { invalidate: "k" }, "map's result goes to the engine");
});

test("a text that is not JSON goes to map as it is, and is its own fingerprint", () => {
  const { mapped, send, fingerprints } = setup();
  send("balance-updated");
  assert.deepEqual(mapped, ["balance-updated"]);
  assert.deepEqual(fingerprints(), ["balance-updated"]);
});

test("an object push (an EventTarget's own message) is fingerprinted by its JSON", () => {
  const { mapped, send, fingerprints } = setup();
  const data = { kind: "spent", ids: [1, 2] };
  send(data);
  assert.equal(mapped[0], data, "map gets the object itself");
  assert.deepEqual(fingerprints(), ['{"kind":"spent","ids":[1,2]}']);
});

test("an EventSource's lastEventId prefixes the fingerprint (two pushes of one text with two ids are two pushes)", () => {
  const { send, fingerprints } = setup();
  send("tick", "41");
  send("tick", "42");
  send("tick", "");
  assert.deepEqual(fingerprints(), ["41\ntick", "42\ntick", "tick"]);
});

test("data with no JSON form (a cycle, a BigInt, undefined, a function) has no fingerprint: undefined", () => {
  const cycle = {};
  cycle.self = cycle;
  const { core, send, fingerprints } = setup();
  for (const data of [cycle, { n: 1n }, undefined, () => {}]) send(data, "7");
  assert.deepEqual(fingerprints(), [undefined, undefined, undefined, undefined]);
  assert.equal(core.callsOf("pushed").length, 4, "still applied, however often it arrives");
  assert.deepEqual(diagnostics, []);
});

test("a map result of undefined or null pushes nothing and reports nothing", () => {
  for (const result of [undefined, null]) {
    const { core, send } = setup({ result });
    send("ignored");
    assert.deepEqual(core.callsOf("pushed"), []);
  }
  assert.deepEqual(diagnostics, []);
});

test("a data getter that throws is a PUSH_ERROR diagnostic, not an uncaught error, and later messages still go through", () => {
  const { core, source, send } = setup();
  const failure = new Error("detached");
  const hostile = new Event("message");
  Object.defineProperty(hostile, "data", {
    get() {
      throw failure;
    },
  });
  assert.doesNotThrow(() => source.dispatchEvent(hostile));
  assert.deepEqual(diagnostics, [{ type: "cachebus:error", code: "PUSH_ERROR", event: "message", error: failure, namespace: "ns", user: "alice" }]);
  send("next");
  assert.equal(core.callsOf("pushed").length, 1);
});

test("a map that throws, or a result the engine refuses, is a PUSH_ERROR with that error", () => {
  const mapFailure = new Error("unknown kind");
  const { send } = setup({
    result: () => {
      throw mapFailure;
    },
  });
  send("x");
  const refused = new CacheError("INVALID_TARGET", "no target");
  const second = setup();
  second.core.answers.pushed = () => {
    throw refused;
  };
  second.send("y");
  assert.deepEqual(
    diagnostics.map(({ code, error }) => [code, error]),
    [
      ["PUSH_ERROR", mapFailure],
      ["PUSH_ERROR", refused],
    ],
  );
});

test("a source's close and error events are reported as SOURCE_CLOSED and SOURCE_ERROR, with user null when signed out", () => {
  const { source } = setup({ user: undefined });
  source.dispatchEvent(new Event("close"));
  source.dispatchEvent(new Event("error"));
  assert.deepEqual(diagnostics, [
    { type: "cachebus:error", code: "SOURCE_CLOSED", event: "close", error: undefined, namespace: "ns", user: null },
    { type: "cachebus:error", code: "SOURCE_ERROR", event: "error", error: undefined, namespace: "ns", user: null },
  ]);
});

test("each connection is its own way for the ledger: two connects hand the engine two connection numbers", () => {
  const core = fakeCore();
  const one = new EventTarget();
  const two = new EventTarget();
  connect(core, one, () => ({ invalidate: "k" }));
  connect(core, two, () => ({ invalidate: "k" }));
  one.dispatchEvent(new MessageEvent("message", { data: "x" }));
  two.dispatchEvent(new MessageEvent("message", { data: "x" }));
  one.dispatchEvent(new MessageEvent("message", { data: "x" }));
  const [a, b, c] = core.callsOf("pushed").map(([, connection]) => connection);
  assert.notEqual(a, b);
  assert.equal(a, c);
});

test("disconnect removes the listeners: later messages, closes and errors reach nothing", () => {
  const { core, source, send, disconnect } = setup();
  disconnect();
  send("x");
  source.dispatchEvent(new Event("close"));
  source.dispatchEvent(new Event("error"));
  assert.deepEqual(core.callsOf("pushed"), []);
  assert.deepEqual(diagnostics, []);
});

test("a source without addEventListener and removeEventListener, or one whose getters throw, is INVALID_OPTIONS", () => {
  const hostile = new Proxy(
    {},
    {
      get() {
        throw new Error("hostile");
      },
    },
  );
  for (const source of [undefined, null, "ws://x", {}, { addEventListener() {} }, hostile]) {
    assert.throws(
      () => connect(fakeCore(), source, () => undefined),
      (error) => error instanceof CacheError && error.code === "INVALID_OPTIONS",
    );
  }
});

test("a source that refuses a listener is INVALID_OPTIONS, and the listeners it took are removed", () => {
  const added = new Set();
  const source = {
    addEventListener(type, listener) {
      if (type === "error") throw new Error("no more listeners");
      added.add(listener);
    },
    removeEventListener(_type, listener) {
      added.delete(listener);
    },
  };
  assert.throws(() => connect(fakeCore(), source, () => undefined), { code: "INVALID_OPTIONS" });
  assert.equal(added.size, 0);
});

test("a duck-typed source (another frame's WebSocket, a wrapper) is accepted", () => {
  const listeners = new Map();
  const source = {
    addEventListener: (type, listener) => listeners.set(type, listener),
    removeEventListener: (type) => listeners.delete(type),
  };
  const core = fakeCore();
  const disconnect = connect(core, source, () => ({ invalidate: "k" }));
  listeners.get("message")({ data: "x", lastEventId: "" });
  assert.deepEqual(core.callsOf("pushed").map(([, , fingerprint]) => fingerprint), ["x"]);
  disconnect();
  assert.equal(listeners.size, 0);
});

/**
 * `connectOpened` over sources this records: `opened` lists them in order (each an EventTarget
 * with a `close` that counts), `failNext` makes the next `open` throw. Timers are mocked.
 */
function opening() {
  mock.timers.enable({ apis: ["setTimeout"] });
  const core = fakeCore();
  const opened = [];
  let failNext = false;
  const open = () => {
    if (failNext) {
      failNext = false;
      throw new Error("refused");
    }
    const source = new EventTarget();
    source.closed = 0;
    source.close = () => (source.closed += 1);
    opened.push(source);
    return source;
  };
  const disconnect = connectOpened(core, open, (data) => ({ key: data }));
  return { core, opened, disconnect, failNext: () => (failNext = true) };
}

test("a source that closes is opened again after 1 s, then after twice as long each time in a row, back to 1 s once one opens", (t) => {
  t.after(() => mock.timers.reset());
  const { core, opened } = opening();
  assert.equal(opened.length, 1);
  opened[0].dispatchEvent(new Event("close"));
  mock.timers.tick(999);
  assert.equal(opened.length, 1, "not before 1 s");
  mock.timers.tick(1);
  assert.equal(opened.length, 2, "opened again");
  assert.equal(opened[0].closed, 1, "the closed one was let go");
  opened[1].dispatchEvent(new Event("close")); // closed without ever opening: the server is away
  mock.timers.tick(1_999);
  assert.equal(opened.length, 2);
  mock.timers.tick(1);
  assert.equal(opened.length, 3, "after 2 s");
  opened[2].dispatchEvent(new Event("open"));
  opened[2].dispatchEvent(new Event("close"));
  mock.timers.tick(1_000);
  assert.equal(opened.length, 4, "back to 1 s after a source opened");
  opened[0].dispatchEvent(new MessageEvent("message", { data: '"old"' }));
  opened[3].dispatchEvent(new MessageEvent("message", { data: '"new"' }));
  assert.deepEqual(core.callsOf("pushed").map(([result]) => result), [{ key: "new" }], "only the open source is listened to");
});

test("waits grow to 30 s at most; an open that throws is reported and tried again", (t) => {
  t.after(() => mock.timers.reset());
  const { opened, failNext } = opening();
  for (let i = 0; i < 7; i++) {
    opened.at(-1).dispatchEvent(new Event("close"));
    mock.timers.tick(30_000);
  }
  const count = opened.length;
  opened.at(-1).dispatchEvent(new Event("close"));
  mock.timers.tick(29_999);
  assert.equal(opened.length, count, "the wait stays at 30 s");
  mock.timers.tick(1);
  assert.equal(opened.length, count + 1);
  failNext();
  opened.at(-1).dispatchEvent(new Event("close"));
  mock.timers.tick(30_000);
  assert.equal(opened.length, count + 1, "the open threw");
  assert.equal(diagnostics.filter((d) => d.code === "SOURCE_ERROR" && d.event === "open").length, 1);
  mock.timers.tick(30_000);
  assert.equal(opened.length, count + 2, "and was tried again");
});

test("an error that is not a close opens nothing; disconnect closes the source and ends the reopening", (t) => {
  t.after(() => mock.timers.reset());
  const { opened, disconnect } = opening();
  opened[0].dispatchEvent(new Event("error")); // a WebSocket's error comes with its close; an EventSource retries
  mock.timers.tick(60_000);
  assert.equal(opened.length, 1);
  opened[0].dispatchEvent(new Event("close"));
  disconnect();
  assert.equal(opened[0].closed, 1);
  mock.timers.tick(60_000);
  assert.equal(opened.length, 1, "no source opens after disconnect");
});
