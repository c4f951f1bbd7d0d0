// The packed tarball in a fresh Next.js 16 App Router app (Turbopack, the default), installed once
// from the registry at pinned versions and built once for every case: `next build`, then
// `next start` on 127.0.0.1, pages loaded in Chromium. A client page holds the provider, the
// hooks and the devtools; a server page renders the provider and the devtools itself, which only
// builds because both modules are marked "use client".
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { launchBrowser } from "../e2e/harness.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const app = mkdtempSync(join(tmpdir(), "cachebus-next-"));
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
let browser;
let next;
let url;
/** Seconds the install and the build took, for the first test's diagnostics. */
const took = {};

const dependencies = {
  next: "16.4.6",
  react: manifest.devDependencies.react,
  "react-dom": manifest.devDependencies["react-dom"],
};

const files = {
  "app/layout.js": `export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <head><link rel="icon" href="data:," /></head>
      <body>{children}</body>
    </html>
  );
}
`,
  "app/page.js": `"use client";
import { CacheProvider, useCached } from "cachebus/react";
import { CacheDevtools } from "cachebus/devtools";

function Greeting() {
  const { data } = useCached("greeting", async () => ({ text: "hello from a client page" }), { tier: "local" });
  return <p id="out">{data ? data.text : "loading"}</p>;
}

export default function Page() {
  return (
    <main>
      <h1>client page</h1>
      <CacheProvider namespace="next-client">
        <Greeting />
        <CacheDevtools initialIsOpen />
      </CacheProvider>
    </main>
  );
}
`,
  "app/server/page.js": `import { CacheProvider } from "cachebus/react";
import { CacheDevtools } from "cachebus/devtools";
import { Greeting } from "./greeting.js";

export default function Page() {
  return (
    <main>
      <h1>server page</h1>
      <CacheProvider namespace="next-server" fallback={<p id="out">starting</p>}>
        <Greeting />
        <CacheDevtools initialIsOpen />
      </CacheProvider>
    </main>
  );
}
`,
  "app/server/greeting.js": `"use client";
import { useCached } from "cachebus/react";

export function Greeting() {
  const { data } = useCached("greeting", async () => ({ text: "hello from a server page" }), { tier: "local" });
  return <p id="out">{data ? data.text : "loading"}</p>;
}
`,
};

/** A port nothing listens on now. */
function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Runs `command` in the app; resolves with the seconds it took. Its output is shown only when it fails. */
function timed(command, args) {
  const start = performance.now();
  try {
    execFileSync(command, args, { cwd: app, env, encoding: "utf8", stdio: "pipe" });
  } catch (error) {
    throw new Error(`${[command, ...args].join(" ")} failed:\n${error.stdout}\n${error.stderr}`);
  }
  return Math.round((performance.now() - start) / 100) / 10;
}

before(async () => {
  const tarball = execFileSync("npm", ["pack", "--pack-destination", app, "--ignore-scripts", "--silent"], { cwd: root, encoding: "utf8" }).trim();
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "next-app", private: true, dependencies: { cachebus: `file:./${tarball}`, ...dependencies } }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(app, name)), { recursive: true });
    writeFileSync(join(app, name), text);
  }
  took.install = timed("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"]);
  took.build = timed(join(app, "node_modules/.bin/next"), ["build"]);
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  // Its own process group, so that the server's workers go with it.
  next = spawn(join(app, "node_modules/.bin/next"), ["start", "-H", "127.0.0.1", "-p", String(port)], { cwd: app, env, stdio: "ignore", detached: true });
  process.once("exit", stopNext);
  const until = Date.now() + 30_000;
  while (!(await fetch(url).then((response) => response.ok, () => false))) {
    if (Date.now() > until || next.exitCode !== null) throw new Error(`next start did not answer on ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  browser = await launchBrowser();
});

function stopNext() {
  if (next?.exitCode === null) process.kill(-next.pid, "SIGTERM");
}

after(async () => {
  await browser?.close();
  stopNext();
  rmSync(app, { recursive: true, force: true });
});

/** Opens `path` in a fresh page until #out shows `text`; resolves with the .wasm responses, the stored keys and the page's errors. */
async function load(path, text) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(error.message));
  // A hydration mismatch is a console error.
  page.on("console", (msg) => msg.type() === "error" && problems.push(msg.text()));
  const wasm = [];
  page.on("response", (response) => response.url().includes(".wasm") && wasm.push(response.status()));
  await page.goto(`${url}${path}`);
  await page.locator("#out", { hasText: text }).waitFor({ timeout: 15_000 });
  // The devtools found the provider's cache and list the fetched entry.
  await page.locator("[data-cachebus-devtools=entry][data-key=greeting][data-tier=local]").waitFor();
  const persisted = await page.evaluate(() => Object.keys(localStorage));
  await context.close();
  return { wasm, persisted, problems };
}

test("a client page with CacheProvider, useCached and CacheDevtools: served by next start, its data and the devtools appear in Chromium", async (t) => {
  t.diagnostic(`npm install took ${took.install} s, next build ${took.build} s`);
  const response = await fetch(`${url}/`);
  assert.equal(response.status, 200);
  const html = await response.text();
  assert.ok(html.includes("<h1>client page</h1>"), "the page is rendered on the server");
  // With no fallback the provider renders its children on the server, the hooks pending; the
  // devtools render nothing there (hydration would otherwise not match).
  assert.ok(html.includes('<p id="out">loading</p>'), "the provider's children are in the server's HTML");
  assert.ok(!html.includes("data-cachebus-devtools"), "the devtools render nothing on the server");
  assert.deepEqual(await load("/", "hello from a client page"), { wasm: [200], persisted: ["cachebus:next-client::greeting"], problems: [] });
});

test("a server page renders CacheProvider and CacheDevtools (client modules by their \"use client\"); its client child's data appears in Chromium", async () => {
  const response = await fetch(`${url}/server`);
  assert.equal(response.status, 200);
  const html = await response.text();
  assert.ok(html.includes("<h1>server page</h1>"), "the page is rendered on the server");
  assert.ok(html.includes('<p id="out">starting</p>'), "a fallback given is what the server renders");
  assert.deepEqual(await load("/server", "hello from a server page"), { wasm: [200], persisted: ["cachebus:next-server::greeting"], problems: [] });
});
