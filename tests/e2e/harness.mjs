// Shared set-up for the browser tests: the demo server as a child process (killed by pid) and
// Debian's Chromium driven by playwright-core.
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before } from "node:test";
import { chromium } from "playwright-core";
import { WebSocketServer } from "ws";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Where screenshots go (ignored by git). */
export const screenshotDir = `${root}test-results/screenshots`;

/** Flags this machine needs: root, no GPU, no network but loopback. */
export const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Starts `scripts/demo-server.mjs` on a free port; resolves with its URL and a stop function. */
export function startDemoServer() {
  const child = spawn(process.execPath, ["scripts/demo-server.mjs", "--port", "0"], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const stop = () => {
    if (child.exitCode === null) child.kill("SIGTERM");
  };
  process.once("exit", stop);
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => fail(new Error(`demo server printed no URL: ${output}`)), 20_000);
    const fail = (error) => {
      clearTimeout(timer);
      stop();
      reject(error);
    };
    child.once("exit", (code) => fail(new Error(`demo server exited with ${code}: ${output}`)));
    child.stdout.on("data", (chunk) => {
      output += chunk;
      const match = output.match(/cachebus demo: (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (match) {
        clearTimeout(timer);
        child.removeAllListeners("exit");
        resolve({ url: match[1], stop });
      }
    });
  });
}

/** Launches Debian's Chromium headless. */
export function launchBrowser() {
  mkdirSync(screenshotDir, { recursive: true });
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: chromiumArgs });
}

/**
 * Opens the demo at `url` in a fresh page and waits until it has loaded cachebus
 * (the demo puts `{ createCache, CacheError, cache }` on `window.cachebus`).
 * `problems` collects console errors and page errors, for the test to assert empty.
 * `beforeLoad(page)` may attach listeners before navigation.
 */
export async function openPage(browser, url, beforeLoad = () => {}) {
  const page = await browser.newPage();
  const problems = [];
  page.on("console", (msg) => msg.type() === "error" && problems.push(msg.text()));
  page.on("pageerror", (error) => problems.push(error.message));
  beforeLoad(page);
  await page.goto(url);
  await page.waitForFunction(() => window.cachebus !== undefined);
  return { page, problems };
}

/**
 * Opens `path` of the demo server (`startDemoServer`) in a new page of `context`. `problems`
 * collects page errors and console errors, for the test to assert empty; `beforeLoad(page)` may
 * attach listeners before navigation.
 */
export async function openDemoTab(context, serverUrl, path, beforeLoad = () => {}) {
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (msg) => msg.type() === "error" && problems.push(msg.text()));
  beforeLoad(page);
  await page.goto(`${serverUrl}${path}`);
  return { page, problems };
}

const contentTypes = {
  ".js": "text/javascript",
  ".wasm": "application/wasm",
  ".html": "text/html",
  ".css": "text/css",
};

/** URL prefixes served from folders of the repository. */
const staticFolders = {
  "/pkg/": "pkg",
  // The hooks fixture (tests/react), built by the test command.
  "/react/": "tests/react/dist",
};

const blankPage = '<!doctype html><link rel="icon" href="data:,"><title>cachebus package</title>';
const pages = {
  "/": blankPage,
  // A frame without allow-same-origin: its origin is opaque, so localStorage and IndexedDB throw.
  "/sandbox": `${blankPage}<iframe name="sandboxed" sandbox="allow-scripts" src="/frame"></iframe>`,
  "/frame": blankPage,
};

/**
 * Serves the built package folder `pkg/` unbundled at `/pkg/` (with CORS, so sandboxed frames can
 * load it), the hooks fixture at `/react/`, an empty page at `/`, and `/sandbox`, a page holding a sandboxed frame, on a free
 * 127.0.0.1 port in this process: the package as an ESM/CDN consumer loads it. `api` (from
 * `createApi()` in api.mjs) is served on the same origin under `/api/`.
 * Resolves with the base URL and a stop function.
 */
export function startPackageServer({ api } = {}) {
  const server = createServer(async (request, response) => {
    if (api?.handle(request, response)) return;
    const path = new URL(request.url, "http://x").pathname;
    if (pages[path]) {
      response.writeHead(200, { "content-type": "text/html" });
      response.end(pages[path]);
      return;
    }
    const folder = Object.entries(staticFolders).find(([prefix]) => path.startsWith(prefix));
    const relative = decodeURIComponent(path.slice(folder?.[0].length ?? 0)) || "index.html";
    const file = folder && normalize(join(root, folder[1], relative));
    if (!file || !file.startsWith(join(root, folder[1]))) {
      response.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, {
        "content-type": contentTypes[extname(file)] ?? "application/octet-stream",
        "access-control-allow-origin": "*",
      });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}/`, stop: () => server.close() });
    });
  });
}

/**
 * Registers `before`/`after` hooks that start a server (`startDemoServer` or
 * `startPackageServer`) and Chromium for the calling test file, and stop both at the end.
 * Returns an object whose `server` and `browser` are set once `before` has run.
 */
export function useBrowser(startServer) {
  const env = { server: undefined, browser: undefined };
  before(async () => {
    env.server = await startServer();
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    env.server?.stop();
  });
  return env;
}

/**
 * Opens a page of `context` on the package server's empty page, with `window.cachebus` (the
 * package) and `window.cache = await createCache(options)`; then runs `setup` (a page function,
 * optional) in the page. Resolves with the page and `problems` (page errors, for the test to
 * assert empty).
 */
export async function openCachePage(context, url, options, setup) {
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(error.message));
  await page.goto(url);
  await page.evaluate(async (options) => {
    window.cachebus = await import("/pkg/index.js");
    window.cache = await window.cachebus.createCache(options);
  }, options);
  if (setup) await page.evaluate(setup);
  return { page, problems };
}

/** Resolves once `ok()` (a check in this process) holds; polls every 10 ms, fails after 5 s naming `what`. */
export async function waitUntil(ok, what) {
  const deadline = Date.now() + 5_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Registers `before`/`after` hooks that run a WebSocket server on 127.0.0.1 for the calling test
 * file. Returns an object whose `port` is set once `before` has run and whose `sockets` lists the
 * server's side of every connection, in order.
 */
export function useWebSocketServer() {
  const ws = { port: undefined, sockets: [] };
  let server;
  before(async () => {
    server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    server.on("connection", (socket) => ws.sockets.push(socket));
    await new Promise((resolve) => server.once("listening", resolve));
    ws.port = server.address().port;
  });
  after(() => {
    for (const socket of ws.sockets) socket.terminate();
    server?.close();
  });
  return ws;
}
