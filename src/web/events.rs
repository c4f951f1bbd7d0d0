//! `CustomEvent`s on `window`: the cache's announcements and diagnostics.

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit};

use crate::core::{Diagnostic, Scope};

/// The event name of diagnostics.
pub const ERROR_EVENT: &str = "cachebus:error";

/// Dispatches `new CustomEvent(name, { detail })` on `window`. Without a window (a worker) or
/// when construction fails, nothing happens: announcing must never break the operation.
pub fn dispatch(name: &str, detail: &JsValue) {
    let Some(window) = web_sys::window() else { return };
    let init = CustomEventInit::new();
    init.set_detail(detail);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
        // Listener exceptions are reported by the browser, not thrown here.
        let _ = window.dispatch_event(&event);
    }
}

/// Dispatches each diagnostic as `cachebus:error` with
/// `detail = { code, key, tier, namespace, user }`.
pub fn report(diagnostics: Vec<Diagnostic>, scope: &Scope) {
    for diagnostic in diagnostics {
        let detail = Object::new();
        let set = |name: &str, value: JsValue| {
            let _ = Reflect::set(&detail, &JsValue::from_str(name), &value);
        };
        set("code", JsValue::from_str(diagnostic.code.as_str()));
        set("key", diagnostic.key.as_deref().map_or(JsValue::NULL, JsValue::from_str));
        set("tier", diagnostic.tier.map_or(JsValue::NULL, |t| JsValue::from_str(t.as_str())));
        set("namespace", JsValue::from_str(scope.namespace()));
        set("user", scope.user().map_or(JsValue::NULL, JsValue::from_str));
        dispatch(ERROR_EVENT, &detail);
    }
}
