// The packed tarball in two more bundlers, in one fresh app installed once from the registry at
// pinned versions, a folder per setup: webpack 5 with no config (its default entry), served and
// run in Chromium with the hooks and the devtools; two Vite 8 builds, one app importing cachebus
// and cachebus/react only (no devtools or cachebus/testing code may reach it), the same app with
// cachebus/devtools (what the devtools cost) and a page of cachebus/testing (its markers survive); and that app under the Vite 8 dev server, whose dependency
// pre-bundling must leave the hooks one module for the devtools and the app.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { launchBrowser } from "../e2e/harness.mjs";
import { installApp } from "./fresh-app.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const app = mkdtempSync(join(tmpdir(), "cachebus-bundlers-"));
let browser;
const servers = [];

const dependencies = { react: manifest.devDependencies.react, "react-dom": manifest.devDependencies["react-dom"] };
const devDependencies = { webpack: "5.113.0", "webpack-cli": "7.3.1", vite: manifest.devDependencies.vite };

/** Texts only the devtools module holds: present in a bundle of it, whatever the minifier renamed. */
const DEVTOOLS_MARKERS = ["data-cachebus-devtools", "requests saved by dedup and cache", "cannot read the cache"];
/** Texts only cachebus/testing holds. */
const TESTING_MARKERS = ["cachebus-test-", "waitForFetches takes a cache made by createTestProvider"];

/** An app of the hooks (and, with `devtools`, the devtools beside them): the fetched value in #out. */
const reactApp = (namespace, devtools) => `import { createElement as h } from "react";
import { createRoot } from "react-dom/client";
import { CacheProvider, useCached } from "cachebus/react";
${devtools ? 'import { CacheDevtools } from "cachebus/devtools";\n' : ""}
function Greeting() {
  const { data } = useCached("greeting", async () => ({ text: "hello from cachebus" }), { tier: "local" });
  return h("p", { id: "out" }, data ? data.text : "loading");
}
createRoot(document.getElementById("root")).render(
  h(CacheProvider, { namespace: "${namespace}", fallback: h("p", { id: "out" }, "starting") }, h(Greeting)${devtools ? ", h(CacheDevtools, { initialIsOpen: true })" : ""}),
);
`;
const html = (script) => `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head>
<body><div id="root"></div><script ${script}></script></body></html>`;

const files = {
  // webpack's defaults: entry ./src/index.js, output ./dist/main.js.
  "webpack/src/index.js": reactApp("webpack-app", true),
  "vite-react/index.html": html('type="module" src="./main.js"'),
  "vite-react/main.js": reactApp("vite-react-app", false),
  "vite-devtools/index.html": html('type="module" src="./main.js"'),
  "vite-devtools/main.js": reactApp("vite-devtools-app", true),
  // The helpers bundled into a page, only to show that their markers survive a build.
  "vite-testing/index.html": html('type="module" src="./main.js"'),
  "vite-testing/main.js": `import { createTestProvider, waitForFetches } from "cachebus/testing";
const { cache } = await createTestProvider();
await waitForFetches(cache);
`,
};

before(async () => {
  installApp(app, "bundlers", files, { dependencies, devDependencies });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  for (const server of servers) await server.close();
  rmSync(app, { recursive: true, force: true });
});

/** Serves the folder `dir` on 127.0.0.1 (the .wasm as application/wasm); resolves with its URL. */
function serveFolder(dir) {
  const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
  const server = createServer(async (request, response) => {
    const path = normalize(join(dir, decodeURIComponent(new URL(request.url, "http://x").pathname)));
    const file = path.endsWith("/") ? join(path, "index.html") : path;
    try {
      const body = await readFile(file);
      response.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  servers.push({ close: () => new Promise((resolve) => server.close(resolve)) });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${server.address().port}/`)));
}

/**
 * Opens `url` in a fresh page until the hooks show their data and the devtools their entry;
 * resolves with the .wasm responses (path, status), the stored keys and the page's errors.
 */
async function showsDataAndDevtools(url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (msg) => msg.type() === "error" && problems.push(msg.text()));
  const wasm = [];
  page.on("response", (response) => response.url().endsWith(".wasm") && wasm.push([new URL(response.url()).pathname, response.status()]));
  await page.goto(url);
  await page.locator("#out", { hasText: "hello from cachebus" }).waitFor({ timeout: 15_000 });
  // The devtools found the provider's cache: "cachebus/react" is one module for both.
  await page.locator("[data-cachebus-devtools=entry][data-key=greeting][data-tier=local]").waitFor();
  const persisted = await page.evaluate(() => Object.keys(localStorage));
  await context.close();
  return { wasm, persisted, problems };
}

/** The JS files a build wrote under `dir`, read. */
function scripts(dir) {
  return readdirSync(dir, { recursive: true })
    .filter((name) => name.endsWith(".js"))
    .map((name) => readFileSync(join(dir, name), "utf8"));
}

test("webpack 5 with no config: the bundle ships the wasm and no fs; the hooks show their data in Chromium, the devtools their entry", async () => {
  const dir = join(app, "webpack");
  execFileSync(join(app, "node_modules/.bin/webpack"), ["--mode", "production"], { cwd: dir, stdio: "pipe" });
  writeFileSync(join(dir, "dist/index.html"), html('src="./main.js"'));
  const emitted = readdirSync(join(dir, "dist"));
  const wasmFiles = emitted.filter((name) => name.endsWith(".wasm"));
  assert.equal(wasmFiles.length, 1, `one wasm emitted: ${emitted.join(", ")}`);
  const bundle = readFileSync(join(dir, "dist/main.js"), "utf8");
  // The browser build, not the `node` entry that reads the wasm from disk.
  assert.doesNotMatch(bundle, /node:fs|["']fs["']|fs\/promises/, "a browser bundle holds no fs");

  assert.deepEqual(await showsDataAndDevtools(await serveFolder(join(dir, "dist"))), {
    wasm: [[`/${wasmFiles[0]}`, 200]],
    persisted: ["cachebus:webpack-app::greeting"],
    problems: [],
  });
});

test("Vite 8 build: an app of cachebus and cachebus/react holds no devtools or testing code; importing cachebus/devtools adds it", (t) => {
  const built = {};
  for (const folder of ["vite-react", "vite-devtools", "vite-testing"]) {
    execFileSync(join(app, "node_modules/.bin/vite"), ["build", "--logLevel", "error"], { cwd: join(app, folder), stdio: "inherit" });
    built[folder] = scripts(join(app, folder, "dist"));
  }
  const holds = (sources) => DEVTOOLS_MARKERS.filter((marker) => sources.some((source) => source.includes(marker)));
  assert.deepEqual(holds(built["vite-react"]), [], "no devtools code without the import");
  assert.deepEqual(holds(built["vite-devtools"]), DEVTOOLS_MARKERS, "the markers survive minification, so their absence above means something");
  const holdsTesting = (sources) => TESTING_MARKERS.filter((marker) => sources.some((source) => source.includes(marker)));
  assert.deepEqual(holdsTesting(built["vite-react"]), [], "no cachebus/testing code without the import");
  assert.deepEqual(holdsTesting(built["vite-testing"]), TESTING_MARKERS, "the testing markers survive a build too");
  const gzip = (sources) => gzipSync(sources.join("\n"), { level: 9 }).length;
  t.diagnostic(`devtools add ${gzip(built["vite-devtools"]) - gzip(built["vite-react"])} B gzip to a Vite 8 build of the hooks`);
});

test("Vite 8 dev server: the app with the devtools shows its data, and the devtools find the provider's cache", async () => {
  const vite = await import(pathToFileURL(join(app, "node_modules/vite/dist/node/index.js")).href);
  assert.match(vite.version, /^8\./);
  const server = await vite.createServer({ root: join(app, "vite-devtools"), configFile: false, logLevel: "silent", server: { host: "127.0.0.1", port: 0 } });
  await server.listen();
  servers.push(server);
  const { wasm, persisted, problems } = await showsDataAndDevtools(server.resolvedUrls.local[0]);
  assert.equal(wasm.length, 1, JSON.stringify(wasm));
  assert.deepEqual([wasm[0][1], persisted, problems], [200, ["cachebus:vite-devtools-app::greeting"], []]);
});
