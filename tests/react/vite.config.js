import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

// A page that hands React, ReactDOM and cachebus (with its hooks, from the local build) to the
// browser tests, which compose components with createElement. React ships no browser ES module,
// so this is bundled.
export default defineConfig({
  root: here("."),
  base: "/react/",
  resolve: {
    alias: [
      { find: /^cachebus$/, replacement: here("../../pkg/index.js") },
      { find: /^cachebus\/react$/, replacement: here("../../pkg/react.js") },
    ],
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // "use client" in cachebus/react is for React Server Components bundlers; dropped on purpose here.
    rollupOptions: { onwarn: (warning, warn) => warning.code === "MODULE_LEVEL_DIRECTIVE" || warn(warning) },
  },
  logLevel: "warn",
});
