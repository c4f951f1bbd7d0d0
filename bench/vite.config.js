// Vite config of the benchmark, one set of build settings for everything: the workload page
// (default mode, into bench/dist/page/) and, with `--mode size-<subject>`, the size entry
// bench/size/<subject>.js alone (into bench/dist/size/<subject>/, React left out: every
// subject's app ships React anyway).
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig(({ mode }) => {
  const subject = mode.startsWith("size-") ? mode.slice("size-".length) : undefined;
  return {
    root: here("."),
    base: "./",
    logLevel: "warn",
    resolve: {
      alias: [
        { find: /^cachebus$/, replacement: here("../pkg/index.js") },
        { find: /^cachebus\/react$/, replacement: here("../pkg/react.js") },
        { find: /^cachebus-wasm$/, replacement: here("../pkg/wasm/cachebus.js") },
      ],
      // The pinned TanStack packages name slightly different query-core versions; an app
      // bundles one copy.
      dedupe: ["@tanstack/query-core", "@tanstack/query-persist-client-core"],
    },
    build: {
      target: "es2022",
      outDir: subject ? `dist/size/${subject}` : "dist/page",
      emptyOutDir: true,
      reportCompressedSize: false,
      rolldownOptions: {
        ...(subject
          ? { input: here(`size/${subject}.js`), external: [/^react($|\/)/, /^react-dom($|\/)/] }
          : { input: here("index.html") }),
        // React Query marks its modules "use client"; a client bundle has no use for it.
        checks: { moduleLevelDirective: false },
      },
    },
  };
});
