// The token-balance seed's server (seed 003): balances per user, spending, a request counter, and
// a WebSocket at /ws that pushes `token-balance-updated` to every open tab.
import { WebSocketServer } from "ws";

const START = { alice: 100, bob: 50 };

/** A Vite plugin serving `/api/balance/*` and `/ws` from `vite preview` and the dev server. */
export function balanceApi() {
  const balances = new Map(Object.entries(START));
  const requests = { balance: 0 };
  const sockets = new WebSocketServer({ noServer: true });
  const push = (message) => {
    for (const client of sockets.clients) client.send(JSON.stringify(message));
  };
  const json = (response, status, body) => {
    response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
    response.end(JSON.stringify(body));
  };
  const handle = (request, response, next) => {
    const url = new URL(request.url, "http://x");
    const balance = url.pathname.match(/^\/api\/balance\/(\w+)(\/spend)?$/);
    if (url.pathname === "/api/stats") return json(response, 200, requests);
    if (!balance) return next();
    const user = balance[1];
    if (!balances.has(user)) return json(response, 404, { error: "no such user" });
    if (balance[2] && request.method === "POST") {
      balances.set(user, balances.get(user) - 10);
      json(response, 200, { user, tokens: balances.get(user) });
      push({ type: "token-balance-updated", user, tokens: balances.get(user) });
      return;
    }
    requests.balance += 1;
    json(response, 200, { user, tokens: balances.get(user) });
  };
  const attach = (server) => {
    server.middlewares.use(handle);
    server.httpServer?.on("upgrade", (request, socket, head) => {
      if (new URL(request.url, "http://x").pathname !== "/ws") return;
      sockets.handleUpgrade(request, socket, head, (client) => sockets.emit("connection", client, request));
    });
    server.httpServer?.on("close", () => sockets.close());
  };
  return { name: "cachebus-demo-balance-api", configureServer: attach, configurePreviewServer: attach };
}
