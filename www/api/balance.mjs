// The token-balance seed's server (seed 003): balances per user, spending, a request counter, and
// a WebSocket at /ws that pushes `token-balance-updated` to every open tab.
import { apiPlugin, createPushHub, sendJson } from "./lib/http.mjs";

const START = { alice: 100, bob: 50 };

/** Serves `/api/balance/:user`, `POST /api/balance/:user/spend`, `/api/balance/stats` and `/ws`. */
export default function balanceApi() {
  const balances = new Map(Object.entries(START));
  const requests = { balance: 0 };
  const hub = createPushHub();
  const handle = (request, response, url) => {
    if (url.pathname === "/api/balance/stats") return void sendJson(request, response, requests);
    const balance = url.pathname.match(/^\/api\/balance\/(\w+)(\/spend)?$/);
    if (!balance) return false;
    const user = balance[1];
    if (!balances.has(user)) return void sendJson(request, response, { error: "no such user" }, 404);
    if (balance[2] && request.method === "POST") {
      balances.set(user, balances.get(user) - 10);
      sendJson(request, response, { user, tokens: balances.get(user) });
      hub.push({ type: "token-balance-updated", user, tokens: balances.get(user) });
      return;
    }
    requests.balance += 1;
    sendJson(request, response, { user, tokens: balances.get(user) });
  };
  return apiPlugin("cachebus-demo-balance-api", handle, { hub, wsPath: "/ws" });
}
