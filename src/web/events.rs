//! `CustomEvent`s on `window`: the cache's announcements and diagnostics.

use js_sys::{Array, Function, JsString, Object, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::{CustomEventInit, Event};

use super::names;
use crate::core::{Change, Diagnostic, Scope};

#[wasm_bindgen]
extern "C" {
    /// `new CustomEvent(name, init)` with a JS string name (web-sys's takes `&str`, decoded
    /// from wasm memory on every call).
    #[wasm_bindgen(extends = Event, js_name = CustomEvent)]
    type NamedEvent;

    #[wasm_bindgen(constructor, catch, js_class = "CustomEvent")]
    fn new(name: &JsString, init: &CustomEventInit) -> Result<NamedEvent, JsValue>;

    /// The `detail` of a `cachebus:change` event, filled through setters (no names cross).
    #[wasm_bindgen(extends = Object)]
    type ChangeDetail;

    #[wasm_bindgen(method, setter)]
    fn set_namespace(this: &ChangeDetail, value: &JsString);
    #[wasm_bindgen(method, setter)]
    fn set_user(this: &ChangeDetail, value: &JsValue);
    #[wasm_bindgen(method, setter)]
    fn set_kind(this: &ChangeDetail, value: &JsString);
    #[wasm_bindgen(method, setter)]
    fn set_keys(this: &ChangeDetail, value: &Array);
    #[wasm_bindgen(method, setter)]
    fn set_tags(this: &ChangeDetail, value: &Array);
    #[wasm_bindgen(method, setter)]
    fn set_origin(this: &ChangeDetail, value: &JsString);
}

/// Announces each change as a `cachebus:change` event on `window` with
/// `detail = { namespace, user, kind, keys, tags, origin }`, then hands the same detail to
/// `listener` (the facade's subscribers).
pub fn announce(changes: Vec<Change>, namespace: &JsString, listener: Option<&Function>) {
    for change in changes {
        let detail: ChangeDetail = Object::new().unchecked_into();
        detail.set_namespace(namespace);
        detail.set_user(&change.user.as_deref().map_or(JsValue::NULL, JsValue::from_str));
        detail.set_kind(&names::kind(change.kind));
        detail.set_keys(&key_array(&change.keys));
        detail.set_tags(&change.tags.iter().map(|t| JsValue::from_str(t)).collect());
        detail.set_origin(&names::origin(change.origin));
        dispatch(&names::change_event(), &detail);
        if let Some(listener) = listener {
            let _ = listener.call1(&JsValue::UNDEFINED, &detail);
        }
    }
}

/// `keys` as a JS array, decoded in one call: a string per key crossed the boundary at a cost
/// that dominated announcing a loop of writes. Keys hold no control characters
/// ([`crate::core::validate_key`]), so `\0` separates them unambiguously.
fn key_array(keys: &[String]) -> Array {
    if keys.is_empty() {
        return Array::new();
    }
    // Built by hand: `[String]::join` is a generic kilobyte of wasm for this one call.
    let mut text = String::with_capacity(keys.iter().map(|key| key.len() + 1).sum());
    for (i, key) in keys.iter().enumerate() {
        if i > 0 {
            text.push('\0');
        }
        text.push_str(key);
    }
    JsString::from(text.as_str()).split("\0")
}

/// Dispatches `new CustomEvent(name, { detail })` on `window`. Without a window (a worker) or
/// when construction fails, nothing happens: announcing must never break the operation.
pub fn dispatch(name: &JsString, detail: &JsValue) {
    let Some(window) = web_sys::window() else { return };
    let init = CustomEventInit::new();
    init.set_detail(detail);
    if let Ok(event) = NamedEvent::new(name, &init) {
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
        dispatch(&names::error_event(), &detail);
    }
}

/// Reports a failure of code the cache ran for the app (an `on` handler, a rule function, a push
/// `map`) as `cachebus:error` with `detail = { code, event, error, namespace, user }`.
pub fn report_failure(code: &str, event: &str, error: &JsValue, scope: &Scope) {
    let detail = Object::new();
    let set = |name: &str, value: &JsValue| {
        let _ = Reflect::set(&detail, &JsValue::from_str(name), value);
    };
    set("code", &JsValue::from_str(code));
    set("event", &JsValue::from_str(event));
    set("error", error);
    set("namespace", &JsValue::from_str(scope.namespace()));
    set("user", &scope.user().map_or(JsValue::NULL, JsValue::from_str));
    dispatch(&names::error_event(), &detail);
}
