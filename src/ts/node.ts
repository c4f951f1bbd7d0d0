/**
 * cachebus under Node (the package's `node` export condition: plain Node, Vitest, server-side
 * rendering): the same API as the browser entry, with the WebAssembly module read from disk,
 * since Node's `fetch` cannot read `file:` URLs. Browser bundles never resolve this module, so
 * they hold no `fs`. Without `window`, localStorage and IndexedDB, every tier is memory.
 */
import { readFile } from "node:fs/promises";
import { readFilesWith } from "./internal/loader.js";

readFilesWith((url) => readFile(url));

export * from "./index.js";
