import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import { balanceApi } from "./api/balance.mjs";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

// The demo imports "cachebus" and "cachebus/react" exactly as an app would; here they resolve to
// the local build in pkg/. Each page is an entry; the seed pages' APIs are served by plugins.
export default defineConfig({
  root: here("."),
  resolve: {
    alias: [
      { find: /^cachebus$/, replacement: here("../pkg/index.js") },
      { find: /^cachebus\/react$/, replacement: here("../pkg/react.js") },
    ],
  },
  plugins: [balanceApi()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    rollupOptions: { input: { tiers: here("index.html"), balance: here("balance.html") } },
  },
  server: { host: "127.0.0.1", port: 5173 },
  preview: { host: "127.0.0.1", port: 4173, strictPort: true },
});
