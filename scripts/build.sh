#!/usr/bin/env bash
# Builds the published package into pkg/ and the demo into www/dist/.
#   cargo (release, size profile, std rebuilt) → wasm-bindgen → wasm-opt -Oz → tsc → vite build
set -euo pipefail
cd "$(dirname "$0")/.."

out=pkg/wasm
echo "› cargo build (release, wasm32, std rebuilt with panics as traps)"
# A panic aborts the module either way (panic = "abort"); `immediate-abort` makes it a bare trap,
# so std's panic handler and the formatting of its messages are not shipped, nor (with
# `location-detail=none`) the source locations a panic would have named (D-151 in
# docs/decisions.md). `inline-mir` turns on the MIR inliner, which rustc leaves off at
# opt-level "z" and which makes this module smaller and faster (D-152). The flags are unstable;
# RUSTC_BOOTSTRAP lets this stable toolchain take them.
RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zinline-mir=yes" \
  cargo build --quiet --release --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort
echo "› wasm-bindgen --target web → $out"
rm -rf pkg && mkdir -p "$out"
wasm-bindgen --target web --out-dir "$out" --out-name cachebus \
  target/wasm32-unknown-unknown/release/cachebus.wasm
echo "› wasm-opt -Oz (npm binaryen)"
# Rust's wasm32 target emits these features by default; wasm-opt must be told it may keep them.
# --converge repeats the passes while they still shrink the module; --low-memory-unused lets it
# fold addresses into loads and stores (Rust's data starts at 1 MiB, its stack below that, so the
# first KiB is never used); the producers and target-features sections are read by no browser
# (D-143 in docs/decisions.md).
node_modules/.bin/wasm-opt -Oz --converge --low-memory-unused --strip-producers --strip-target-features \
  --enable-bulk-memory --enable-mutable-globals --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-reference-types --enable-multivalue \
  "$out/cachebus_bg.wasm" -o "$out/cachebus_bg.wasm"
# wasm-pack-style tools write a `*` .gitignore here, which makes npm drop the wasm: never keep one.
rm -f pkg/.gitignore "$out/.gitignore"
echo "› tsc (facade → pkg/)"
node_modules/.bin/tsc -p tsconfig.json
echo "› vite build (demo → www/dist)"
node_modules/.bin/vite build --logLevel warn --config www/vite.config.js
