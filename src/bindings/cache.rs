//! `WasmCache`: the engine with `JsValue` values and the browser clock, as a JS class.

use wasm_bindgen::prelude::*;

use super::errors::to_js;
use super::options::{engine_options, key, set_options};
use crate::core::{CacheError, Engine, ErrorCode};
use crate::web::DateClock;

const UNDEFINED_VALUE: CacheError =
    CacheError::new(ErrorCode::InvalidValue, "undefined cannot be cached; remove the key instead");

/// A cache for one namespace and user. The TypeScript facade wraps it as `Cache`.
#[wasm_bindgen]
pub struct WasmCache {
    engine: Engine<JsValue, DateClock>,
}

#[wasm_bindgen]
impl WasmCache {
    /// Validates `options` and builds an empty cache.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<WasmCache, JsValue> {
        let options = engine_options(&options).map_err(to_js)?;
        Ok(WasmCache { engine: Engine::new(options, DateClock) })
    }

    /// The namespace given at creation.
    #[wasm_bindgen(getter)]
    pub fn namespace(&self) -> String {
        self.engine.scope().namespace().to_owned()
    }

    /// The user given at creation, or `undefined`.
    #[wasm_bindgen(getter)]
    pub fn user(&self) -> Option<String> {
        self.engine.scope().user().map(str::to_owned)
    }

    /// Stores `value` (kept as the same JS value) under `key`.
    pub fn set(&mut self, key_value: JsValue, value: JsValue, options: JsValue) -> Result<(), JsValue> {
        let key = key(&key_value).map_err(to_js)?;
        if value.is_undefined() {
            return Err(to_js(UNDEFINED_VALUE));
        }
        let options = set_options(&options).map_err(to_js)?;
        self.engine.set(&key, value, options).map_err(to_js)
    }

    /// The value under `key`, or `undefined` when it is missing or expired.
    pub fn get(&mut self, key_value: JsValue) -> Result<JsValue, JsValue> {
        let key = key(&key_value).map_err(to_js)?;
        let value = self.engine.get(&key).map_err(to_js)?;
        Ok(value.cloned().unwrap_or(JsValue::UNDEFINED))
    }

    /// Drops every entry; later calls throw a `CLOSED` error.
    pub fn close(&mut self) {
        self.engine.close();
    }
}
