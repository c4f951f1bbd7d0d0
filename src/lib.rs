//! cachebus: a browser cache layer.
//!
//! The crate has three rooms:
//! - [`core`]: pure Rust (std only) — keys, freshness, the memory tier and the engine that ties
//!   them. Generic over the value handle, so `cargo test` runs it natively with plain values.
//! - `web` (wasm32 only): the browser side — the `Date.now` clock, later storage and events.
//! - `bindings` (wasm32 only): the one place with `#[wasm_bindgen]`, the JS-facing class and errors.
//!
//! The TypeScript facade in `src/ts` wraps the bindings into the published `cachebus` package.

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod web;

#[cfg(target_arch = "wasm32")]
pub mod bindings;

/// The wasm's allocator: Talc instead of Rust's default dlmalloc, for its size (D-07 in
/// docs/decisions.md). Single-threaded: the module never uses atomics.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
