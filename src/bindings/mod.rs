//! The JS face of the crate: the only module with `#[wasm_bindgen]`.
//!
//! Values cross as `JsValue` and are stored as is; options are read property by property so
//! wrong types become typed errors, never a panic.

mod bus;
mod cache;
mod convert;
mod errors;
mod options;
mod state;

pub use cache::{failure_marker, open_cache, WasmCache};
pub use errors::set_error_factory;
