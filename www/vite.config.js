import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { defineConfig } from "vite";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

// Every `www/*.html` is a page; every `www/api/*.mjs` default-exports a Vite plugin serving one
// page's API (shared plumbing lives in `www/api/lib/`). Adding a page touches no shared file.
const pages = Object.fromEntries(
  readdirSync(here(".")).filter((name) => name.endsWith(".html")).map((name) => [name.slice(0, -5), here(name)]),
);
const apis = await Promise.all(
  readdirSync(here("api"))
    .filter((name) => name.endsWith(".mjs"))
    .map(async (name) => (await import(pathToFileURL(here(`api/${name}`)).href)).default()),
);

// The demo imports "cachebus", "cachebus/react" and "cachebus/devtools" exactly as an app would;
// here they resolve to the local build in pkg/. CACHEBUS_DEMO_DIST builds (and previews) another
// folder than dist/.
export default defineConfig({
  root: here("."),
  resolve: {
    alias: [
      { find: /^cachebus$/, replacement: here("../pkg/index.js") },
      { find: /^cachebus\/react$/, replacement: here("../pkg/react.js") },
      { find: /^cachebus\/devtools$/, replacement: here("../pkg/devtools.js") },
    ],
  },
  plugins: apis,
  build: {
    outDir: process.env.CACHEBUS_DEMO_DIST ?? "dist",
    emptyOutDir: true,
    target: "es2022",
    rollupOptions: {
      input: pages,
      // "use client" in cachebus/react is for React Server Components bundlers; a client-only
      // bundle drops it on purpose.
      onwarn: (warning, warn) => warning.code === "MODULE_LEVEL_DIRECTIVE" || warn(warning),
    },
  },
  server: { host: "127.0.0.1", port: 5173 },
  preview: { host: "127.0.0.1", port: 4173, strictPort: true },
});
