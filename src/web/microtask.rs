//! Work deferred to a microtask of the current tick, through the platform's `queueMicrotask`
//! (the wasm carries no futures executor for it).

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = queueMicrotask)]
    fn queue_microtask(callback: &JsValue);
}

/// Calls `callback` (a JS function, which may be called again later) in a microtask: after the
/// current call and its caller's synchronous code, before the browser does anything else.
pub fn queue(callback: &JsValue) {
    queue_microtask(callback);
}

/// Runs `f` once in a microtask (see [`queue`]): a closure made for this call alone.
pub fn defer(f: impl FnOnce() + 'static) {
    queue(&Closure::once_into_js(f));
}
