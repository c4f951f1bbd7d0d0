// Where the wasm's code bytes go: reads the code and name sections of the module wasm-bindgen
// writes before wasm-opt (twiggy 0.7 cannot parse the bulk-memory opcodes this toolchain emits)
// and sums the function bodies by origin.
// Usage (after `scripts/build.sh`, which leaves the release build under target/):
//   node scripts/wasm-sizes.mjs               the totals by origin (crate, or our module)
//   node scripts/wasm-sizes.mjs --by-origin   the same, with each origin's 5 largest functions
//                                             (--by-origin-top N: N of them)
//   node scripts/wasm-sizes.mjs --top 40      the largest functions, whatever their origin
//   node scripts/wasm-sizes.mjs --grep hashbrown   every function whose name holds the text
//   node scripts/wasm-sizes.mjs --wasm <file>      another build of the module (see below)
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);

// `--wasm <file>`: another build, e.g. one with `RUSTFLAGS="-C symbol-mangling-version=v0"`,
// whose names keep their generic arguments (`HashMap<String, u64>`, not `HashMap<K,V,S>`).
const release = value("--wasm", new URL("../target/wasm32-unknown-unknown/release/cachebus.wasm", import.meta.url).pathname);
const dir = mkdtempSync(join(tmpdir(), "cachebus-sizes-"));
let bytes;
try {
  execFileSync("wasm-bindgen", ["--target", "web", "--out-dir", dir, "--out-name", "cachebus", release]);
  bytes = readFileSync(join(dir, "cachebus_bg.wasm"));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

let at = 8;
const u32 = () => {
  let result = 0;
  let shift = 0;
  let byte;
  do {
    byte = bytes[at++];
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return result;
};
const text = () => {
  const length = u32();
  const start = at;
  at += length;
  return bytes.toString("utf8", start, at);
};

let imported = 0;
const bodies = [];
const names = new Map();
let dataBytes = 0;
while (at < bytes.length) {
  const id = bytes[at++];
  const size = u32();
  const end = at + size;
  if (id === 2) {
    for (let count = u32(); count > 0; count--) {
      text();
      text();
      const kind = bytes[at++];
      if (kind === 0) {
        imported++;
        u32();
      } else if (kind === 1) {
        at++;
        if (bytes[at++] & 1) u32();
        u32();
      } else if (kind === 2) {
        if (bytes[at++] & 1) u32();
        u32();
      } else {
        at += 2;
      }
    }
  } else if (id === 10) {
    for (let count = u32(); count > 0; count--) {
      const length = u32();
      bodies.push(length);
      at += length;
    }
  } else if (id === 11) {
    dataBytes = size;
  } else if (id === 0 && text() === "name") {
    while (at < end) {
      const sub = bytes[at++];
      const subSize = u32();
      const subEnd = at + subSize;
      if (sub === 1) {
        for (let count = u32(); count > 0; count--) {
          const index = u32();
          names.set(index, text());
        }
      }
      at = subEnd;
    }
  }
  at = end;
}

// `<hashbrown::raw::RawTable<T> as Drop>::drop` → hashbrown; `cachebus::core::engine::…` →
// core::engine; `core::fmt::…` → core::fmt; a wasm-bindgen export shim → its own origin.
const origin = (name) => {
  let path = name.replace(/\[[0-9a-f]{16}\]/g, "").replace(/^<+/, "").replace(/^(&|\*const |\*mut |dyn |mut )+/, "");
  if (/^(__wbg_|__wbindgen)/.test(name)) return "wasm-bindgen shims (__wbg_*/__wbindgen*)";
  if (/^(wasmcache_|[a-z][a-z0-9]*_[a-zA-Z0-9_]+$)/.test(path) && !path.includes("::")) return "exports (the Rust shim of each)";
  const parts = path.split(/::|<| as |>/).filter(Boolean);
  if (parts[0] === "cachebus") return `cachebus::${parts[1] ?? "?"}${parts[2] && /^[a-z_]+$/.test(parts[2]) ? `::${parts[2]}` : ""}`;
  if (["core", "alloc", "std"].includes(parts[0])) return `${parts[0]}::${parts[1] ?? "?"}`;
  return parts[0] ?? "?";
};

// Legacy-mangled names end in a hash (`::h0123456789abcdef`) that only tells instances apart.
const readable = (name) => name.replace(/::h[0-9a-f]{16}$/, "");
const functions = bodies.map((size, i) => ({ name: readable(names.get(imported + i) ?? `#${imported + i}`), size }));
const total = functions.reduce((sum, f) => sum + f.size, 0);
const kb = (n) => (n / 1024).toFixed(1).padStart(6);
console.log(`code ${kb(total)} KB in ${functions.length} functions (${imported} imports), data ${kb(dataBytes)} KB`);

const grep = value("--grep");
if (grep !== undefined) {
  const hits = functions.filter((f) => f.name.includes(grep)).sort((a, b) => b.size - a.size);
  for (const f of hits) console.log(`${String(f.size).padStart(7)}  ${f.name}`);
  console.log(`${String(hits.reduce((s, f) => s + f.size, 0)).padStart(7)}  in ${hits.length} functions`);
  process.exit(0);
}
if (flag("--top")) {
  for (const f of [...functions].sort((a, b) => b.size - a.size).slice(0, Number(value("--top", 40)))) {
    console.log(`${String(f.size).padStart(7)}  ${origin(f.name).padEnd(28)}  ${f.name}`);
  }
  process.exit(0);
}

const groups = new Map();
for (const f of functions) {
  const key = origin(f.name);
  const group = groups.get(key) ?? { size: 0, functions: [] };
  group.size += f.size;
  group.functions.push(f);
  groups.set(key, group);
}
const perGroup = flag("--by-origin") ? Number(value("--by-origin-top", 5)) : 0;
for (const [key, group] of [...groups].sort((a, b) => b[1].size - a[1].size)) {
  console.log(`${kb(group.size)} KB  ${String(group.functions.length).padStart(4)} fns  ${key}`);
  for (const f of group.functions.sort((a, b) => b.size - a.size).slice(0, perGroup)) {
    console.log(`             ${String(f.size).padStart(6)}  ${f.name}`);
  }
}
