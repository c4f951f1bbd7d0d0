// A small JSON API for the browser tests, served on the package server's origin:
//   GET  /api/items/:id[?delay=ms]  {id, version}, ETag "id-version", 304 on If-None-Match
//   GET  /api/fail                  500
//   GET  /api/not-json              200 with a body that is not JSON
// Every request is recorded, so a test can assert what reached the server.

/** Creates the API: `handle(request, response)` serves it; `requests` records it. */
export function createApi() {
  const versions = new Map();
  const requests = [];
  const send = (response, status, body, headers = {}) => {
    response.writeHead(status, { "content-type": "application/json", ...headers });
    response.end(body);
  };
  return {
    requests,
    /** Changes item `id`, as a server-side write would. */
    bump(id) {
      versions.set(id, (versions.get(id) ?? 1) + 1);
    },
    /** Serves `/api/*`; returns false for other paths. */
    handle(request, response) {
      const url = new URL(request.url, "http://x");
      if (!url.pathname.startsWith("/api/")) return false;
      const record = { path: url.pathname, ifNoneMatch: request.headers["if-none-match"] ?? null, status: 0 };
      requests.push(record);
      const reply = (status, body, headers) => {
        record.status = status;
        send(response, status, body, headers);
      };
      const item = url.pathname.match(/^\/api\/items\/([\w-]+)$/);
      if (item) {
        const id = item[1];
        const version = versions.get(id) ?? 1;
        const etag = `"${id}-${version}"`;
        const answer = () =>
          record.ifNoneMatch === etag
            ? reply(304, "", { etag })
            : reply(200, JSON.stringify({ id, version }), { etag });
        const delay = Number(url.searchParams.get("delay") ?? 0);
        if (delay > 0) setTimeout(answer, delay);
        else answer();
      } else if (url.pathname === "/api/fail") {
        reply(500, JSON.stringify({ error: "boom" }));
      } else if (url.pathname === "/api/not-json") {
        reply(200, "<html>not json</html>");
      } else {
        reply(404, "{}");
      }
      return true;
    },
  };
}
