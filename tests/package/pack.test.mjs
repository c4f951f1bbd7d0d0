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
    "package.json",
    "README.md",
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
  assert.equal(main.types, "./pkg/index.d.ts");
  assert.equal(main.default, "./pkg/index.js");
  const react = manifest.exports["./react"];
  assert.equal(Object.keys(react)[0], "types");
  assert.deepEqual(react, { types: "./pkg/react.d.ts", default: "./pkg/react.js" });
  assert.equal(manifest.peerDependenciesMeta.react.optional, true, "React is an optional peer");
});

test("the hooks module is a client module", () => {
  const hooks = readFileSync(`${root}pkg/react.js`, "utf8");
  assert.match(hooks, /^"use client";/);
});
