// What `npm pack` would publish: the wasm, the JS and the .d.ts files, and nothing from the repo.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const manifest = JSON.parse(readFileSync(`${root}package.json`, "utf8"));

function packedFiles() {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const out = execFileSync(npm, ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8" });
  return JSON.parse(out)[0].files.map((file) => file.path);
}

test("npm pack lists the wasm, the JS glue, the facade and their .d.ts files", () => {
  const files = packedFiles();
  for (const expected of [
    "pkg/wasm/cachebus_bg.wasm",
    "pkg/wasm/cachebus.js",
    "pkg/index.js",
    "pkg/index.d.ts",
    "pkg/errors.js",
    "pkg/errors.d.ts",
    "pkg/internal/loader.js",
    "pkg/node.js",
    "package.json",
    "README.md",
    "LICENSE",
  ]) {
    assert.ok(files.includes(expected), `${expected} missing from the tarball: ${files.join(", ")}`);
  }
  const stray = files.filter((f) => !/^(pkg\/|package\.json$|README\.md$|LICENSE)/.test(f));
  assert.deepEqual(stray, [], "only the build output and the manifest are published");
});

test("every JS module of the facade ships with its .d.ts", () => {
  const files = new Set(packedFiles());
  const facade = [...files].filter((f) => /^pkg\/(internal\/)?[^/]+\.js$/.test(f));
  assert.ok(facade.length >= 3);
  for (const js of facade) assert.ok(files.has(js.replace(/\.js$/, ".d.ts")), `${js} has no .d.ts`);
});

test("the manifest is an ES module package whose exports put types first", () => {
  assert.equal(manifest.type, "module");
  const main = manifest.exports["."];
  assert.equal(Object.keys(main)[0], "types", "TypeScript reads the first matching condition");
  // Node (plain, Vitest, SSR) gets the entry that reads the wasm from disk; everything else the browser one.
  assert.deepEqual(main, { types: "./pkg/index.d.ts", node: "./pkg/node.js", default: "./pkg/index.js" });
  const react = manifest.exports["./react"];
  assert.equal(Object.keys(react)[0], "types");
  assert.deepEqual(react, { types: "./pkg/react.d.ts", default: "./pkg/react.js" });
  assert.deepEqual(manifest.exports["./devtools"], { types: "./pkg/devtools.d.ts", default: "./pkg/devtools.js" });
  assert.deepEqual(manifest.exports["./testing"], { types: "./pkg/testing.d.ts", default: "./pkg/testing.js" });
  assert.equal(manifest.peerDependenciesMeta.react.optional, true, "React is an optional peer");
  assert.equal(manifest.exports["./wasm"], "./pkg/wasm/cachebus_bg.wasm", "the wasm file as a subpath, to hand over yourself");
});

test("the manifest names its repository and license, and gives cachebus/react, cachebus/devtools and cachebus/testing types under moduleResolution node10", () => {
  assert.equal(manifest.license, "MIT");
  assert.match(readFileSync(`${root}LICENSE`, "utf8"), /^MIT License\n/);
  assert.equal(typeof manifest.repository?.url, "string");
  assert.deepEqual(manifest.typesVersions, {
    "*": { react: ["./pkg/react.d.ts"], devtools: ["./pkg/devtools.d.ts"], testing: ["./pkg/testing.d.ts"] },
  });
});

test("only the node entry has a side effect (registering the file reader); bundlers may drop the rest", () => {
  assert.deepEqual(manifest.sideEffects, ["./pkg/node.js"]);
});

test("the node entry exports exactly what the browser entry does", async () => {
  const browser = await import(`${root}pkg/index.js`);
  const node = await import(`${root}pkg/node.js`);
  assert.deepEqual(Object.keys(node).sort(), Object.keys(browser).sort());
  for (const name of Object.keys(browser)) assert.equal(node[name], browser[name], name);
});

test("the hooks module is a client module, and imports the facade by the package's name", () => {
  const hooks = readFileSync(`${root}pkg/react.js`, "utf8");
  assert.match(hooks, /^"use client";/);
  // So that Node's `node` condition applies to it as well (the wasm read from disk there).
  assert.match(hooks, /^import \{ createCache \} from "cachebus";$/m);
  assert.doesNotMatch(hooks, /from "\.\/cache\.js"/);
});

test("the devtools module is a client module, and imports the hooks and the facade by the package's names", () => {
  const devtools = readFileSync(`${root}pkg/devtools.js`, "utf8");
  assert.match(devtools, /^"use client";/);
  // One copy of the provider's context: the one the app's own "cachebus/react" import resolves to.
  assert.match(devtools, /^import \{ useCache \} from "cachebus\/react";$/m);
  assert.match(devtools, /^import \{ CacheError \} from "cachebus";$/m);
  assert.doesNotMatch(devtools, /from "\.\//, "no relative import: a second copy of a module the app imports by name");
});
