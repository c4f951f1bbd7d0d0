// The packed tarball as a consumer meets it: `npm pack`, install into a fresh Vite + React app in a
// temp folder (next to React and Vite from the registry), build it, and run it in Chromium.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { preview } from "vite";
import { launchBrowser } from "../e2e/harness.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const manifest = JSON.parse(execFileSync("npm", ["pkg", "get", "devDependencies"], { cwd: root, encoding: "utf8" }));
const app = mkdtempSync(join(tmpdir(), "cachebus-consumer-"));
let server;
let browser;

const files = {
  "index.html": `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head>
<body><div id="root"></div><script type="module" src="./main.js"></script></body></html>`,
  "main.js": `import { createElement as h } from "react";
import { createRoot } from "react-dom/client";
import { CacheProvider, useCache, useCached } from "cachebus/react";
import { CacheError } from "cachebus";

function typedError(cache) {
  try {
    cache.set(42, "not a string key");
    return "no error";
  } catch (error) {
    return \`\${error instanceof CacheError} \${error.name} \${error.code}\`;
  }
}

function Greeting() {
  const cache = useCache();
  const { data } = useCached("greeting", async () => ({ text: "hello from cachebus" }), { tier: "local" });
  return h("p", { id: "out" }, data ? \`\${data.text} for \${cache.user} (\${typedError(cache)})\` : "loading");
}
createRoot(document.getElementById("root")).render(h(CacheProvider, { namespace: "consumer", user: "u_1" }, h(Greeting)));
`,
};

before(async () => {
  const tarball = execFileSync("npm", ["pack", "--pack-destination", app, "--ignore-scripts", "--silent"], {
    cwd: root,
    encoding: "utf8",
  }).trim();
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({
      name: "consumer",
      private: true,
      type: "module",
      dependencies: {
        cachebus: `file:./${tarball}`,
        react: manifest.react,
        "react-dom": manifest["react-dom"],
      },
      devDependencies: { vite: manifest.vite },
    }),
  );
  for (const [name, text] of Object.entries(files)) writeFileSync(join(app, name), text);
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: app, stdio: "inherit" });
  execFileSync(join(app, "node_modules/.bin/vite"), ["build", "--logLevel", "warn"], { cwd: app, stdio: "inherit" });
  server = await preview({ root: app, configFile: false, logLevel: "silent", preview: { host: "127.0.0.1", port: 0 } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
  rmSync(app, { recursive: true, force: true });
});

test("a fresh Vite + React app installs the tarball, builds, and renders through cachebus/react", async () => {
  const page = await browser.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (msg) => msg.type() === "error" && problems.push(msg.text()));
  const wasm = [];
  page.on("response", (r) => r.url().endsWith(".wasm") && wasm.push(r.status()));
  await page.goto(server.resolvedUrls.local[0]);
  await page.locator("#out", { hasText: "hello from cachebus" }).waitFor({ timeout: 10_000 });
  assert.equal(await page.locator("#out").textContent(), "hello from cachebus for u_1 (true CacheError INVALID_KEY)");
  assert.deepEqual(wasm, [200], "the wasm shipped in the tarball was bundled and loaded once");
  const persisted = await page.evaluate(() => Object.keys(localStorage));
  assert.deepEqual(persisted, ["cachebus:consumer:u_1:greeting"]);
  assert.deepEqual(problems, []);
});
