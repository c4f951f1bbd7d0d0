// Small HTTP plumbing shared by the seed pages' demo APIs: JSON with ETags (and 304s), request
// bodies, per-route request counters, a WebSocket push hub, and the Vite plugin that serves them.
import { createHash } from "node:crypto";
import { WebSocketServer } from "ws";

/**
 * How long the seed APIs take to read a list, as a real database would: long enough that a tab
 * told of a change (by the channel, in under a millisecond) sends its own request before another
 * tab's answer lands in the shared localStorage, so the demo tests can count requests exactly.
 */
export const READ_LATENCY_MS = 30;

/** Resolves after `ms`. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The strong ETag of a JSON body: a short hash of its text. */
export function etagOf(text) {
  return `"${createHash("sha1").update(text).digest("base64url").slice(0, 16)}"`;
}

/**
 * Sends `body` as JSON with an ETag; answers `304 Not Modified` (no body) when the request's
 * `If-None-Match` already names it. Returns the status sent.
 */
export function sendJson(request, response, body, status = 200) {
  const text = JSON.stringify(body);
  const etag = etagOf(text);
  const headers = { "content-type": "application/json", "cache-control": "no-store", etag };
  if (status === 200 && request.headers["if-none-match"] === etag) {
    response.writeHead(304, headers).end();
    return 304;
  }
  response.writeHead(status, headers).end(text);
  return status;
}

/** The request's JSON body, or `{}` when it has none or it is not JSON. */
export async function readJson(request) {
  let text = "";
  for await (const chunk of request) text += chunk;
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    return {};
  }
}

/**
 * Counts the GET requests each route answered, by status: `{ "/api/assets": { 200: 2, 304: 1 } }`.
 * `total(route)` sums one route's statuses.
 */
export function createCounter() {
  const counts = {};
  return {
    counts,
    note(route, status) {
      counts[route] ??= {};
      counts[route][status] = (counts[route][status] ?? 0) + 1;
    },
    total(route) {
      return Object.values(counts[route] ?? {}).reduce((a, b) => a + b, 0);
    },
  };
}

/** A WebSocket server without its own port: `push(message)` sends JSON to every open client. */
export function createPushHub() {
  const sockets = new WebSocketServer({ noServer: true });
  return {
    sockets,
    push(message) {
      for (const client of sockets.clients) client.send(JSON.stringify(message));
    },
  };
}

/**
 * A Vite plugin serving `handle(request, response, url)` (return `false` to pass the request on)
 * from the dev and preview servers, and, when `hub` and `wsPath` are given, WebSocket upgrades on
 * `wsPath` into `hub`.
 */
export function apiPlugin(name, handle, { hub, wsPath } = {}) {
  const attach = (server) => {
    server.middlewares.use((request, response, next) => {
      const url = new URL(request.url, "http://x");
      Promise.resolve(handle(request, response, url)).then(
        (handled) => handled === false && next(),
        (error) => next(error),
      );
    });
    if (!hub) return;
    server.httpServer?.on("upgrade", (request, socket, head) => {
      if (new URL(request.url, "http://x").pathname !== wsPath) return;
      hub.sockets.handleUpgrade(request, socket, head, (client) => hub.sockets.emit("connection", client, request));
    });
    server.httpServer?.on("close", () => hub.sockets.close());
  };
  return { name, configureServer: attach, configurePreviewServer: attach };
}
