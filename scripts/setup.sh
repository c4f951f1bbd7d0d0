#!/usr/bin/env bash
# Installs what building and testing cachebus needs, skipping whatever is already there:
# Debian's chromium + chromium-driver, the wasm32 Rust target and std's source, the wasm-bindgen
# CLI at exactly the version Cargo.lock pins, and the npm dev dependencies (binaryen's wasm-opt,
# tsc, vite, playwright-core).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
if ((${#missing[@]})); then
  echo "› apt-get install ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "› rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# The release wasm rebuilds std with its panics as bare traps (scripts/build.sh, D-151): std's source.
if ! rustup component list --installed | grep -q '^rust-src'; then
  echo "› rustup component add rust-src"
  rustup component add rust-src
fi

# The CLI must equal the wasm-bindgen crate exactly; Cargo.lock is the one source of that version.
pinned=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $pinned" ]; then
  echo "› cargo install wasm-bindgen-cli $pinned (about 2 minutes)"
  # Not --locked: the CLI's own lockfile names a crate version the registry mirror lacks.
  cargo install wasm-bindgen-cli --version "$pinned" --force --quiet
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "› npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
