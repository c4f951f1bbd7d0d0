// Serves the built demo (www/dist) on 127.0.0.1 and prints its URL.
// Usage: node scripts/demo-server.mjs [--port N]   (N = 0 picks a free port; default 4173)
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { preview } from "vite";

const { values } = parseArgs({ options: { port: { type: "string", default: "4173" } } });
const server = await preview({
  configFile: fileURLToPath(new URL("../www/vite.config.js", import.meta.url)),
  logLevel: "warn",
  preview: { port: Number(values.port), open: false },
});
// The first line a caller (person or test) reads; keep its shape stable.
console.log(`cachebus demo: ${server.resolvedUrls.local[0]}`);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => server.close().finally(() => process.exit(0)));
}
