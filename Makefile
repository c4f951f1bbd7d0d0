# The two commands of the README are `make demo` and `make test`; both install what is missing.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
export CHROMEDRIVER ?= /usr/bin/chromedriver

.PHONY: setup build demo test size measure bench

## setup: install what is missing (chromium, wasm32 target, rust-src, pinned wasm-bindgen CLI, npm ci)
setup:
	@scripts/setup.sh

## build: wasm + facade into pkg/, demo into www/dist/
build: setup
	@scripts/build.sh

## demo: build everything and serve the www/ demo on 127.0.0.1 (prints its URL)
demo: build
	@node scripts/demo-server.mjs

## test: every test layer; exits non-zero on any failure
test: setup
	@echo "━━ 1/5 native core: cargo test"
	cargo test
	@echo "━━ build"
	@scripts/build.sh
	@echo "━━ 2/5 browser, Rust: wasm-bindgen-test in headless Chromium"
	cargo test --target wasm32-unknown-unknown --tests
	@echo "━━ 3/5 types: tsc --noEmit over the usage examples and the demo"
	node_modules/.bin/tsc -p tests/types
	node_modules/.bin/tsc -p www
	@echo "━━ 4/5 facade internals: node --test tests/unit/"
	node --test tests/unit/
	@echo "━━ 5/5 browser, JS: npm pack + Playwright in headless Chromium"
	node_modules/.bin/vite build --config tests/react/vite.config.js
	node --test tests/package/ tests/e2e/

## measure: quick per-tier timings of set, get hit, get miss, invalidate prefix in Chromium
measure: build
	@node scripts/measure.mjs

## size: raw, gzip and brotli bytes of the wasm, the JS glue and the facade; what an app ships;
## the wasm's code by origin (crate or module) before wasm-opt
size: build
	@node scripts/size.mjs --shipped
	@node scripts/wasm-sizes.mjs

## bench: cachebus against its peers in headless Chromium; prints medians and ratios, writes docs/benchmarks.{json,svg}
bench: build
	@node bench/run.mjs
