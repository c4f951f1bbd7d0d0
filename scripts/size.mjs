// Prints the raw, gzip and brotli bytes of what an app ships: the wasm, its JS glue and the facade.
// Usage (after a build): node scripts/size.mjs [--shipped]
//   --shipped: also builds the benchmark's size entry (bench/size/cachebus.js: facade, hooks, glue
//   and wasm, minified, as `make bench` row 9 does) and prints what an app ships, each file
//   gzipped alone.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const pkg = new URL("../pkg/", import.meta.url);
const facade = readdirSync(pkg, { recursive: true })
  // node.js is the entry under Node only (the `node` export condition): no browser ships it.
  .filter((name) => name.endsWith(".js") && !name.startsWith("wasm") && name !== "node.js")
  .sort();
// JS modules the Rust side imports (`#[wasm_bindgen(module = ...)]`), which the glue loads.
const snippetDir = new URL("wasm/snippets/", pkg);
const snippets = (existsSync(snippetDir) ? readdirSync(snippetDir, { recursive: true }) : [])
  .filter((name) => name.endsWith(".js"))
  .map((name) => `wasm/snippets/${name}`);
const parts = [
  ["wasm (pkg/wasm/cachebus_bg.wasm)", ["wasm/cachebus_bg.wasm"]],
  ["JS glue (pkg/wasm/cachebus.js, snippets)", ["wasm/cachebus.js", ...snippets]],
  [`facade (pkg/${facade.join(", pkg/")})`, facade],
];

const measure = (files) => {
  const bytes = Buffer.concat(files.map((file) => readFileSync(new URL(file, pkg))));
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
};

const rows = parts.map(([label, files]) => [label, measure(files)]);
const sum = (field) => rows.reduce((total, [, size]) => total + size[field], 0);
rows.push(["total (each part compressed alone)", { raw: sum("raw"), gzip: sum("gzip"), brotli: sum("brotli") }]);

const width = Math.max(...rows.map(([label]) => label.length));
console.log(`${"part".padEnd(width)}  ${"raw".padStart(8)}  ${"gzip".padStart(8)}  ${"brotli".padStart(8)}`);
for (const [label, { raw, gzip, brotli }] of rows) {
  console.log(`${label.padEnd(width)}  ${String(raw).padStart(8)}  ${String(gzip).padStart(8)}  ${String(brotli).padStart(8)}`);
}

if (process.argv.includes("--shipped")) {
  const bench = new URL("../bench/", import.meta.url);
  const vite = new URL("../node_modules/.bin/vite", import.meta.url).pathname;
  execFileSync(vite, ["build", "--config", "vite.config.js", "--mode", "size-cachebus"], { cwd: bench, stdio: "inherit" });
  const assets = new URL("dist/size/cachebus/assets/", bench);
  const files = readdirSync(assets).sort();
  const sizes = files.map((file) => {
    const bytes = readFileSync(new URL(file, assets));
    return [file, bytes.length, gzipSync(bytes, { level: 9 }).length];
  });
  console.log(`\nshipped (bench/dist/size/cachebus/assets, each file gzipped alone)`);
  for (const [file, raw, gzip] of sizes) console.log(`  ${file.padEnd(32)}  ${String(raw).padStart(8)}  ${String(gzip).padStart(8)}`);
  const total = (i) => sizes.reduce((sum, row) => sum + row[i], 0);
  console.log(`  ${"total".padEnd(32)}  ${String(total(1)).padStart(8)}  ${String(total(2)).padStart(8)}`);
}
