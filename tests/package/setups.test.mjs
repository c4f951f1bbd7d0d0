// The packed tarball in the setups of issue 14, as the README's "Bundlers and frameworks" tells
// them to use it: one fresh app in a temp folder, installed once from the registry at pinned
// versions, with a folder per setup: plain Node; Vitest 4.1 rendering the hooks with Testing
// Library under jsdom and happy-dom, with no setup; an esbuild 0.28 bundle (the README's step) run
// in Chromium; the Vite 6 dev server, with the README's config (data appears) and without it (a
// WASM_LOAD_FAILED that says what to add).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { launchBrowser } from "../e2e/harness.mjs";
import { installApp } from "./fresh-app.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const app = mkdtempSync(join(tmpdir(), "cachebus-setups-"));
let browser;
const servers = [];

/** The tools of each setup, pinned (React from this repository's own pins). */
const dependencies = {
  react: manifest.devDependencies.react,
  "react-dom": manifest.devDependencies["react-dom"],
};
const devDependencies = {
  vitest: "4.1.12",
  jsdom: "29.1.1",
  "happy-dom": "21.0.3",
  "@testing-library/react": "16.3.3",
  "@testing-library/dom": "10.4.2",
  esbuild: "0.28.2",
  vite: "6.4.6",
};

/** A React page of the hooks: the value a fetcher gives, or the CacheError the provider hands to onError. */
const reactPage = (namespace) => `import { createElement as h } from "react";
import { createRoot } from "react-dom/client";
import { CacheProvider, useCached } from "cachebus/react";

function Greeting() {
  const { data } = useCached("greeting", async () => ({ text: "hello from cachebus" }), { tier: "local" });
  return h("p", { id: "out" }, data ? data.text : "loading");
}
const failed = (error) => h("p", { id: "out" }, \`\${error.name} \${error.code}: \${error.message}\`);
createRoot(document.getElementById("root")).render(
  h(CacheProvider, { namespace: "${namespace}", onError: () => {}, errorFallback: failed, fallback: h("p", { id: "out" }, "starting") }, h(Greeting)),
);
`;
const html = (body) => `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head>
<body>${body}<script type="module" src="./main.js"></script></body></html>`;

/** A Vitest test file rendering a component with the hooks under `environment`, with no setup file. */
const vitestFile = (environment) => `// @vitest-environment ${environment}
import { createElement as h } from "react";
import { render, screen } from "@testing-library/react";
import { expect, test } from "vitest";
import { CacheProvider, useCached } from "cachebus/react";

function Balance() {
  const { data } = useCached("balance", async () => ({ tokens: 100 }), { tier: "local" });
  return h("p", null, data ? \`tokens: \${data.tokens}\` : "loading");
}

test("a component with the hooks renders its fetched value under ${environment}", async () => {
  const view = render(h(CacheProvider, { namespace: "vitest-app", user: "u1", fallback: h("p", null, "starting") }, h(Balance)));
  expect((await screen.findByText("tokens: 100", {}, { timeout: 3000 })).textContent).toBe("tokens: 100");
  view.unmount(); // the provider closes its cache
});
`;

/**
 * The README's "Testing your app" files (its Vitest config and test, blocks marked
 * `vitest-example: <file>`), by file name: the test below runs exactly what the README shows.
 */
function readmeTestingFiles() {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("\n## Testing your app\n"), readme.indexOf("\n## The two commands\n"));
  const blocks = [...section.matchAll(/<!-- vitest-example: (\S+) -->\n```\w+\n([\s\S]*?)```/g)];
  return Object.fromEntries(blocks.map(([, name, text]) => [`vitest-testing/${name}`, text]));
}

const files = {
  ...readmeTestingFiles(),
  "node/main.mjs": `import { createCache, CacheError } from "cachebus";
const problems = [typeof window, typeof localStorage, typeof indexedDB];
const cache = await createCache({ namespace: "node-app", user: "u1" });
cache.set("greeting", { text: "hello" }, { tier: "local" });
const fetched = await cache.fetch("answer", async () => 42);
let refused;
try { cache.set(42, 1); } catch (error) { refused = [error instanceof CacheError, error.code]; }
console.log(JSON.stringify({ problems, get: cache.get("greeting"), fetched, refused, tier: cache.peek("greeting").tier }));
cache.close(); // lets the process exit (the cache's BroadcastChannel holds Node's event loop)
`,
  "node/broken.mjs": `import { createCache, CacheError } from "cachebus";
const results = [];
try {
  await createCache({ namespace: "node-app", wasm: new Uint8Array([1, 2, 3]) });
  results.push("no error");
} catch (error) {
  results.push([error instanceof CacheError, error.code, error.message.includes("the bytes passed as \`wasm\`")]);
}
const cache = await createCache({ namespace: "node-app" }); // a failed load is retried, from disk
results.push(cache.namespace);
cache.close();
console.log(JSON.stringify(results));
`,
  "vitest/jsdom.test.js": vitestFile("jsdom"),
  "vitest/happy-dom.test.js": vitestFile("happy-dom"),
  // The README's esbuild step: the wasm through the file loader, handed to createCache.
  "esbuild/main.js": `import { createCache } from "cachebus";
import wasm from "cachebus/wasm";

const cache = await createCache({ namespace: "esbuild-app", wasm });
cache.set("greeting", { text: "hello from esbuild" }, { tier: "local" });
document.getElementById("out").textContent = cache.get("greeting").text;
`,
  "esbuild/index.html": html('<p id="out"></p>'),
  // The README's Vite 6/7 dev config.
  "vite/vite.config.js": `export default { optimizeDeps: { exclude: ["cachebus"] } };\n`,
  "vite/index.html": html('<div id="root"></div>'),
  "vite/main.js": reactPage("vite-app"),
  // The same app with no config.
  "vite-bare/index.html": html('<div id="root"></div>'),
  "vite-bare/main.js": reactPage("vite-bare-app"),
};

before(async () => {
  installApp(app, "setups", files, { dependencies, devDependencies });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  for (const server of servers) await server.close();
  rmSync(app, { recursive: true, force: true });
});

/** Runs `args` with Node in the app; its stdout, parsed as JSON. Fails after 30 s (a process that never exits). */
function nodeScript(script) {
  return JSON.parse(execFileSync(process.execPath, [script], { cwd: app, encoding: "utf8", timeout: 30_000 }));
}

/** Opens `url` in a fresh page; resolves with `#out`'s text once it is not a waiting one, the .wasm responses and the page errors. */
async function load(url, waitingTexts = ["", "starting", "loading"]) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(error.message));
  const wasm = [];
  page.on("response", (response) => response.url().includes(".wasm") && wasm.push([new URL(response.url()).pathname, response.status()]));
  await page.goto(url);
  await page.waitForFunction((waiting) => !waiting.includes(document.getElementById("out")?.textContent ?? ""), waitingTexts, { timeout: 15_000 });
  const text = await page.locator("#out").textContent();
  const persisted = await page.evaluate(() => Object.keys(localStorage));
  await context.close();
  return { text, wasm, persisted, problems };
}

/** Serves the folder `dir` on 127.0.0.1 (the .wasm as application/wasm); resolves with its URL. */
function serveFolder(dir) {
  const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
  const server = createServer(async (request, response) => {
    const file = normalize(join(dir, decodeURIComponent(new URL(request.url, "http://x").pathname) || "/"));
    try {
      const body = await readFile(file.endsWith("/") ? join(file, "index.html") : file);
      response.writeHead(200, { "content-type": types[extname(file)] ?? "text/html" }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  servers.push({ close: () => new Promise((resolve) => server.close(resolve)) });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${server.address().port}/`)));
}

test("plain Node: createCache works with no setup (every tier in memory), and a failed load is a CacheError that is retried", () => {
  assert.deepEqual(nodeScript("node/main.mjs"), {
    problems: ["undefined", "undefined", "undefined"],
    get: { text: "hello" },
    fetched: 42,
    refused: [true, "INVALID_KEY"],
    tier: "memory",
  });
  assert.deepEqual(nodeScript("node/broken.mjs"), [[true, "WASM_LOAD_FAILED", true], "node-app"]);
});

test("Vitest 4.1: a component test with the hooks passes under jsdom and under happy-dom, with no setup", () => {
  let output;
  try {
    output = execFileSync(join(app, "node_modules/.bin/vitest"), ["run", "--root", "vitest", "--reporter", "verbose"], {
      cwd: app,
      encoding: "utf8",
      stdio: "pipe",
      timeout: 120_000,
      env: { ...process.env, CI: "1", NO_COLOR: "1" },
    });
  } catch (error) {
    assert.fail(`vitest failed:\n${error.stdout}\n${error.stderr}`);
  }
  assert.match(output, /✓ jsdom\.test\.js > a component with the hooks renders its fetched value under jsdom/);
  assert.match(output, /✓ happy-dom\.test\.js > a component with the hooks renders its fetched value under happy-dom/);
  assert.match(output, /Tests\s+2 passed \(2\)/);
  assert.doesNotMatch(output, /Unhandled|Error/);
});

test("Vitest 4.1 + jsdom, the README's \"Testing your app\": cachebus/testing seeds, waits for fetches and gives each render its own cache", () => {
  assert.deepEqual(Object.keys(readmeTestingFiles()), ["vitest-testing/vitest.config.js", "vitest-testing/Balance.test.jsx"]);
  let output;
  try {
    output = execFileSync(join(app, "node_modules/.bin/vitest"), ["run", "--root", "vitest-testing", "--reporter", "verbose"], {
      cwd: app,
      encoding: "utf8",
      stdio: "pipe",
      timeout: 120_000,
      env: { ...process.env, CI: "1", NO_COLOR: "1" },
    });
  } catch (error) {
    assert.fail(`vitest failed:\n${error.stdout}\n${error.stderr}`);
  }
  for (const name of ["shows the balance fetched", "shows a seeded balance without fetching", "two renders get separate caches"]) {
    assert.match(output, new RegExp(`✓ Balance\\.test\\.jsx > ${name}`));
  }
  assert.match(output, /Tests\s+3 passed \(3\)/);
  assert.doesNotMatch(output, /Unhandled|Error|act\(/);
});

test("esbuild 0.28, the README's step: the bundle holds no fs, ships the wasm, and runs in Chromium", async () => {
  const dir = join(app, "esbuild");
  execFileSync(join(app, "node_modules/.bin/esbuild"), ["main.js", "--bundle", "--format=esm", "--loader:.wasm=file", "--outdir=dist", "--log-level=warning"], {
    cwd: dir,
    stdio: "inherit",
  });
  writeFileSync(join(dir, "dist/index.html"), files["esbuild/index.html"]);
  const emitted = readdirSync(join(dir, "dist")).sort();
  assert.deepEqual(emitted.map((f) => f.replace(/-[A-Z0-9]{8}\.wasm$/, "-HASH.wasm")), ["cachebus_bg-HASH.wasm", "index.html", "main.js"]);
  const bundle = readFileSync(join(dir, "dist/main.js"), "utf8");
  assert.doesNotMatch(bundle, /node:fs|["']fs["']|fs\/promises/, "a browser bundle holds no fs");
  const { text, wasm, persisted, problems } = await load(await serveFolder(join(dir, "dist")));
  assert.equal(text, "hello from esbuild");
  assert.deepEqual(wasm, [[`/${emitted[0]}`, 200]]);
  assert.deepEqual(persisted, ["cachebus:esbuild-app::greeting"]);
  assert.deepEqual(problems, []);
});

test("Vite 6 dev server: with the README's optimizeDeps.exclude the page shows its data; without it, a WASM_LOAD_FAILED naming the fix", async () => {
  const vite = await import(pathToFileURL(join(app, "node_modules/vite/dist/node/index.js")).href);
  assert.match(vite.version, /^6\./);
  const start = async (folder, configFile) => {
    const server = await vite.createServer({ root: join(app, folder), configFile, logLevel: "silent", server: { host: "127.0.0.1", port: 0 } });
    await server.listen();
    servers.push(server);
    return server.resolvedUrls.local[0];
  };
  const configured = await load(await start("vite", join(app, "vite/vite.config.js")));
  // Served from the package itself (under /@fs/: the app's node_modules is outside this root).
  assert.equal(configured.wasm.length, 1);
  assert.match(configured.wasm[0][0], /\/node_modules\/cachebus\/pkg\/wasm\/cachebus_bg\.wasm$/);
  assert.deepEqual(configured, {
    text: "hello from cachebus",
    wasm: [[configured.wasm[0][0], 200]],
    persisted: ["cachebus:vite-app::greeting"],
    problems: [],
  });
  const bare = await load(await start("vite-bare", false));
  // Pre-bundled into node_modules/.vite/deps/, the module's URL points beside it, where the dev
  // server answers with index.html.
  assert.match(bare.text, /^CacheError WASM_LOAD_FAILED: cachebus could not load its WebAssembly module from http:\/\/127\.0\.0\.1:\d+\/\S*node_modules\/\.vite\/\S*cachebus_bg\.wasm: it is not a WebAssembly file \(it starts with "<!doctype html><", served as text\/html\)/);
  assert.ok(bare.text.includes('add `optimizeDeps: { exclude: ["cachebus"] }` to the Vite config'), bare.text);
  assert.deepEqual(bare.problems, []);
});
