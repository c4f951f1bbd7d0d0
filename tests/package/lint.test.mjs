// What the package's consumers' tools say about the tarball: @arethetypeswrong/cli (types resolve
// under every moduleResolution, cachebus/react, cachebus/devtools and cachebus/testing under node10 too) and publint
// (the manifest and the files agree). Both are pinned devDependencies, run from node_modules: no
// registry needed.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const bin = (name) => `${root}node_modules/.bin/${name}`;

/** Runs `command`; resolves with its exit code and output (it must not throw on a non-zero exit). */
function run(command, args) {
  try {
    return { code: 0, output: execFileSync(command, args, { cwd: root, encoding: "utf8", stdio: "pipe", env: { ...process.env, FORCE_COLOR: "0" } }) };
  } catch (error) {
    return { code: error.status, output: `${error.stdout}${error.stderr}` };
  }
}

test("attw --pack finds no problem: types for cachebus, cachebus/react, cachebus/devtools and cachebus/testing under node10, node16 and bundler", () => {
  // The package is ESM only (D-04): a require() of it is a dynamic-import-only warning, by design.
  // cachebus/wasm is the .wasm file, not a module: there are no types to find for it.
  const { code, output } = run(bin("attw"), ["--pack", ".", "--format", "json", "--exclude-entrypoints", "./wasm", "--ignore-rules", "cjs-resolves-to-esm"]);
  assert.equal(code, 0, output);
  const report = JSON.parse(output);
  // The JSON lists the ignored problems too.
  const problems = report.analysis.problems.filter((problem) => problem.kind !== "CJSResolvesToESM");
  assert.deepEqual(problems, []);
  const entrypoints = report.analysis.entrypoints;
  for (const entry of [".", "./react", "./devtools", "./testing"]) {
    for (const resolution of ["node10", "node16-cjs", "node16-esm", "bundler"]) {
      const types = entrypoints[entry].resolutions[resolution].resolution;
      assert.ok(types?.isTypeScript, `${entry} under ${resolution} resolves to ${types?.fileName}`);
    }
  }
});

test("publint: all good", () => {
  const { code, output } = run(bin("publint"), ["--strict"]);
  assert.equal(code, 0, output);
  assert.match(output, /All good!/);
});
