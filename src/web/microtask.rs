//! Work deferred to a microtask of the current tick, through the platform's `queueMicrotask`
//! (the wasm carries no futures executor for it).

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = queueMicrotask)]
    fn queue_microtask(callback: &JsValue);
}

/// Runs `f` in a microtask: after the current call and its caller's synchronous code, before the
/// browser does anything else.
pub fn defer(f: impl FnOnce() + 'static) {
    queue_microtask(&Closure::once_into_js(f));
}
