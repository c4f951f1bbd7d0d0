//! `CustomEvent`s on `window`: the cache's announcements and diagnostics.

use js_sys::{Array, JsString, Object, Reflect};
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

    /// The facade's change listener (see [`announce`]).
    #[derive(Clone)]
    pub type ChangeListener;

    /// `listener.call(undefined, kind, keys, tags, origin, user)`; what it throws is the facade's.
    #[wasm_bindgen(method, catch, js_name = call)]
    fn notify(
        this: &ChangeListener,
        this_arg: &JsValue,
        kind: &JsString,
        keys: &JsString,
        tags: &Array,
        origin: &JsString,
        user: &JsValue,
    ) -> Result<JsValue, JsValue>;
}

/// Hands each change to `listener`, the facade, which announces it as a `cachebus:change` event
/// on `window` and notifies its subscribers: `(kind, keys, tags, origin, user)`, the keys as one
/// string joined by `"\0"` (keys hold no control characters, [`crate::core::validate_key`]),
/// the user `null` when signed out. One call per change: the detail object built here through
/// setters, and the event constructed and dispatched through web-sys, cost a dozen boundary
/// calls per change, which dominated a tick with one write.
pub fn announce(changes: Vec<Change>, listener: &ChangeListener) {
    for change in changes {
        let tags: Array = change.tags.iter().map(|t| JsValue::from_str(t)).collect();
        let user = change.user.as_deref().map_or(JsValue::NULL, JsValue::from_str);
        let keys = JsString::from(joined(&change.keys).as_str());
        let kind = names::kind(change.kind);
        let _ = listener.notify(&JsValue::UNDEFINED, &kind, &keys, &tags, &names::origin(change.origin), &user);
    }
}

/// `keys` joined by `"\0"`, built by hand: `[String]::join` is a generic kilobyte of wasm for
/// this one call.
fn joined(keys: &[String]) -> String {
    let mut text = String::with_capacity(keys.iter().map(|key| key.len() + 1).sum());
    for (i, key) in keys.iter().enumerate() {
        if i > 0 {
            text.push('\0');
        }
        text.push_str(key);
    }
    text
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
