import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

// The demo imports "cachebus" exactly as an app would; here it resolves to the local build in pkg/.
export default defineConfig({
  root: here("."),
  resolve: {
    alias: [{ find: /^cachebus$/, replacement: here("../pkg/index.js") }],
  },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
  server: { host: "127.0.0.1", port: 5173 },
  preview: { host: "127.0.0.1", port: 4173, strictPort: true },
});
