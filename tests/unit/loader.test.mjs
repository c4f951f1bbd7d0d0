// The wasm loader (src/ts/internal/loader.ts) under Node, with the real built module, Node's own
// fetch, Response and WebAssembly, and a real HTTP server on 127.0.0.1: every kind the `wasm`
// option takes, every way a load fails (WASM_LOAD_FAILED naming where, with the hints), the
// option's argument check, and one module per process (single flight, first wins, retry).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { runInNewContext } from "node:vm";
import { CacheError } from "../../pkg/errors.js";
import { createArgs } from "../../pkg/internal/args.js";
import { compileWasm, loadBindings, wasmOption } from "../../pkg/internal/loader.js";

const wasmFile = new URL("../../pkg/wasm/cachebus_bg.wasm", import.meta.url);
const bytes = readFileSync(wasmFile);
const expectedExports = WebAssembly.Module.exports(new WebAssembly.Module(bytes));
const page = "<!doctype html><html><body>the app</body></html>";

let server;
let base;
before(async () => {
  server = createServer((request, response) => {
    const routes = {
      "/cachebus_bg.wasm": () => response.writeHead(200, { "content-type": "application/wasm" }).end(bytes),
      "/octet.wasm": () => response.writeHead(200, { "content-type": "application/octet-stream" }).end(bytes),
      // What the Vite 6/7 dev server answers for the URL it rewrote into .vite/deps/.
      "/node_modules/.vite/deps/cachebus_bg.wasm": () => response.writeHead(200, { "content-type": "text/html" }).end(page),
      "/truncated.wasm": () => response.writeHead(200, { "content-type": "application/wasm" }).end(bytes.subarray(0, 64)),
    };
    (routes[new URL(request.url, "http://x").pathname] ?? (() => response.writeHead(404, "Not Found").end()))();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => server.close());

/** Asserts `promise` rejects with WASM_LOAD_FAILED whose message names `where` and says `reason`. */
async function failsWith(promise, where, reason) {
  const error = await promise.then(
    () => assert.fail("the load succeeded"),
    (error) => error,
  );
  assert.ok(error instanceof CacheError, `not a CacheError: ${error}`);
  assert.equal(error.code, "WASM_LOAD_FAILED");
  assert.ok(error.message.includes(`from ${where}:`), `does not name ${where}: ${error.message}`);
  assert.match(error.message, reason);
  // The hint per bundler is in every message.
  assert.ok(error.message.includes('optimizeDeps: { exclude: ["cachebus"] }'), error.message);
  assert.ok(error.message.includes("--loader:.wasm=file"), error.message);
  return error;
}

const compiled = async (source) => WebAssembly.Module.exports(await compileWasm(source));

test("bytes: a Buffer, a Uint8Array viewing part of a larger buffer, an ArrayBuffer, bytes of another realm", async () => {
  const padded = new Uint8Array(bytes.length + 16);
  padded.set(bytes, 8);
  const otherRealm = runInNewContext("new Uint8Array(length)", { length: bytes.length });
  otherRealm.set(bytes);
  assert.ok(!(otherRealm instanceof Uint8Array), "the other realm's bytes are not this realm's Uint8Array");
  for (const source of [bytes, padded.subarray(8, 8 + bytes.length), bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length), otherRealm]) {
    assert.deepEqual(await compiled(source), expectedExports);
  }
});

test("a WebAssembly.Module is taken as it is", async () => {
  const module = new WebAssembly.Module(bytes);
  assert.equal(await compileWasm(module), module);
});

test("a Response, streamed when served as application/wasm, else compiled from its bytes; a promise of one", async () => {
  assert.deepEqual(await compiled(new Response(bytes, { headers: { "content-type": "application/wasm" } })), expectedExports);
  assert.deepEqual(await compiled(new Response(bytes, { headers: { "content-type": "application/octet-stream" } })), expectedExports);
  assert.deepEqual(await compiled(new Response(bytes)), expectedExports);
  assert.deepEqual(await compiled(fetch(`${base}/cachebus_bg.wasm`)), expectedExports);
  assert.deepEqual(await compiled(fetch(`${base}/octet.wasm`)), expectedExports);
});

test("a URL or a string is fetched", async () => {
  assert.deepEqual(await compiled(`${base}/cachebus_bg.wasm`), expectedExports);
  assert.deepEqual(await compiled(new URL("/cachebus_bg.wasm", base)), expectedExports);
});

test("a 404 names the URL and the status", async () => {
  await failsWith(compileWasm(`${base}/missing.wasm`), `${base}/missing.wasm`, /the server answered 404 Not Found/);
  await failsWith(compileWasm(fetch(`${base}/missing.wasm`)), `${base}/missing.wasm`, /404/);
  await failsWith(compileWasm(new Response("", { status: 500 })), "the Response passed as `wasm`", /answered 500/);
});

test("a page served where the module should be (the Vite 6/7 dev symptom) is told apart from a broken module", async () => {
  const url = `${base}/node_modules/.vite/deps/cachebus_bg.wasm`;
  await failsWith(compileWasm(url), url, /not a WebAssembly file \(it starts with "<!doctype html><", served as text\/html\)/);
  const error = await failsWith(compileWasm(`${base}/truncated.wasm`), `${base}/truncated.wasm`, /not a valid WebAssembly module \(CompileError: /);
  assert.ok(error.cause instanceof WebAssembly.CompileError, "the platform's error is the cause");
  await failsWith(compileWasm(new Uint8Array([1, 2, 3])), "the bytes passed as `wasm`", /not a WebAssembly file/);
});

test("a refused connection, a rejected promise and a promise of something else fail with the cause attached", async () => {
  const closed = createServer();
  await new Promise((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${closed.address().port}/cachebus_bg.wasm`;
  await new Promise((resolve) => closed.close(resolve));
  const refused = await failsWith(compileWasm(url), url, /the request failed \(TypeError: fetch failed\)/);
  assert.ok(refused.cause instanceof TypeError);
  const reason = new Error("offline");
  const rejected = await failsWith(compileWasm(Promise.reject(reason)), "the promise passed as `wasm`", /it rejected \(Error: offline\)/);
  assert.equal(rejected.cause, reason);
  await failsWith(compileWasm(Promise.resolve(bytes)), "the promise passed as `wasm`", /did not resolve to a Response/);
});

test("a file: URL: Node's fetch cannot read it, the reader the node entry registers can", async () => {
  // Before pkg/node.js is imported no reader is registered, as in a browser bundle.
  await failsWith(compileWasm(wasmFile), wasmFile.href, /the request failed/);
  await import("../../pkg/node.js");
  assert.deepEqual(await compiled(wasmFile), expectedExports);
  assert.deepEqual(await compiled(wasmFile.href), expectedExports);
  const missing = new URL("./missing.wasm", wasmFile);
  const error = await failsWith(compileWasm(missing), missing.href, /the file could not be read \(Error: ENOENT/);
  assert.equal(error.cause.code, "ENOENT");
});

test("wasmOption passes every kind through as it is; no option is undefined", () => {
  const module = new WebAssembly.Module(bytes);
  const response = new Response(bytes);
  const promise = Promise.resolve(response);
  for (const wasm of ["/cachebus_bg.wasm", new URL(base), response, promise, bytes, bytes.buffer, new DataView(bytes.buffer), module]) {
    assert.equal(wasmOption({ namespace: "n", wasm }), wasm);
  }
  for (const options of [undefined, null, { namespace: "n" }, { wasm: undefined }, { wasm: null }]) {
    assert.equal(wasmOption(options), undefined);
  }
});

test("wasmOption refuses anything else with INVALID_OPTIONS, and options it cannot read", () => {
  const invalid = (error) => error instanceof CacheError && error.code === "INVALID_OPTIONS";
  const hostile = new Proxy({}, { get: () => { throw new Error("trap"); }, getPrototypeOf: () => { throw new Error("trap"); } });
  for (const wasm of [42, true, Symbol("w"), () => {}, {}, [], { then: 1 }, { arrayBuffer: () => {} }, hostile]) {
    assert.throws(() => wasmOption({ wasm }), invalid, String(typeof wasm));
  }
  const throwing = { get wasm() { throw new Error("getter"); } };
  assert.throws(() => wasmOption(throwing), invalid);
  assert.throws(() => wasmOption("not options"), invalid);
});

test("one module per process: a failed load is retried with the next call's wasm, then the first load wins", async () => {
  await failsWith(loadBindings(new Uint8Array([0, 0x61, 0x73, 0x6d, 1])), "the bytes passed as `wasm`", /not a valid WebAssembly module/);
  const [first, second] = [loadBindings(bytes), loadBindings(`${base}/missing.wasm`)];
  assert.equal(first, second, "concurrent callers share one load");
  const bindings = await first;
  assert.equal(typeof bindings.openCache, "function");
  // Loaded: a later wasm, even a broken or rejecting one, is ignored (and its rejection handled).
  assert.equal(await loadBindings(new Uint8Array([1, 2, 3])), bindings);
  assert.equal(await loadBindings(Promise.reject(new Error("never looked at"))), bindings);
  assert.equal(await loadBindings(), bindings);
});

test("the errors the loaded module raises are the facade's CacheError", async () => {
  const bindings = await loadBindings(bytes);
  // The options as createCache passes them (flat, see createArgs).
  const options = createArgs({ namespace: "not a namespace" });
  assert.throws(() => bindings.openCache(...options, undefined), (error) => error instanceof CacheError && error.code === "INVALID_NAMESPACE");
});
