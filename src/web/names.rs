//! The JS strings of the core's names (states, tiers, change kinds, origins) and of the
//! diagnostics' event name, created once.
//!
//! Passing a `&str` to JS decodes it from wasm memory on every call (a `TextDecoder` call each);
//! these are made once per page and handed out as references. A `peek()` used to decode its
//! state and tier (and its seven property names) every time, and hooks peek on every render.

use js_sys::JsString;
use wasm_bindgen::prelude::*;

use crate::core::{ChangeKind, Origin, State, Tier};

// rustfmt drops the initializers of statics in an extern block (not Rust syntax, but the macro's).
#[rustfmt::skip]
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(thread_local_v2, static_string)]
    static FRESH: JsString = "fresh";
    #[wasm_bindgen(thread_local_v2, static_string)]
    static STALE: JsString = "stale";
    #[wasm_bindgen(thread_local_v2, static_string)]
    static EXPIRED: JsString = "expired";
    #[wasm_bindgen(thread_local_v2, static_string)]
    static MEMORY: JsString = "memory";
    #[wasm_bindgen(thread_local_v2, static_string)]
    static LOCAL: JsString = "local";
    #[wasm_bindgen(thread_local_v2, static_string)]
    static IDB: JsString = "idb";
    #[wasm_bindgen(thread_local_v2, static_string)]
    static SET: JsString = "set";
    #[wasm_bindgen(thread_local_v2, static_string)]
    static INVALIDATE: JsString = "invalidate";
    #[wasm_bindgen(thread_local_v2, static_string)]
    static REMOVE: JsString = "remove";
    #[wasm_bindgen(thread_local_v2, static_string)]
    static EVICT: JsString = "evict";
    #[wasm_bindgen(thread_local_v2, static_string)]
    static EXPIRE: JsString = "expire";
    #[wasm_bindgen(thread_local_v2, static_string)]
    static CLEAR: JsString = "clear";
    #[wasm_bindgen(thread_local_v2, static_string)]
    static TAB: JsString = "tab";
    #[wasm_bindgen(thread_local_v2, static_string)]
    static PUSH: JsString = "push";
    #[wasm_bindgen(thread_local_v2, static_string)]
    static ERROR_EVENT: JsString = "cachebus:error";
}

/// `"fresh"`, `"stale"` or `"expired"` (as [`State::as_str`]).
pub fn state(state: State) -> JsString {
    match state {
        State::Fresh => FRESH.with(JsString::clone),
        State::Stale => STALE.with(JsString::clone),
        State::Expired => EXPIRED.with(JsString::clone),
    }
}

/// `"memory"`, `"local"` or `"idb"` (as [`Tier::as_str`]).
pub fn tier(tier: Tier) -> JsString {
    match tier {
        Tier::Memory => MEMORY.with(JsString::clone),
        Tier::Local => LOCAL.with(JsString::clone),
        Tier::Idb => IDB.with(JsString::clone),
    }
}

/// The change kind's name (as [`ChangeKind::as_str`]).
pub fn kind(kind: ChangeKind) -> JsString {
    match kind {
        ChangeKind::Set => SET.with(JsString::clone),
        ChangeKind::Invalidate => INVALIDATE.with(JsString::clone),
        ChangeKind::Remove => REMOVE.with(JsString::clone),
        ChangeKind::Evict => EVICT.with(JsString::clone),
        ChangeKind::Expire => EXPIRE.with(JsString::clone),
        ChangeKind::Clear => CLEAR.with(JsString::clone),
    }
}

/// `"local"`, `"tab"` or `"push"` (as [`Origin::as_str`]).
pub fn origin(origin: Origin) -> JsString {
    match origin {
        Origin::Local => LOCAL.with(JsString::clone),
        Origin::Tab => TAB.with(JsString::clone),
        Origin::Push => PUSH.with(JsString::clone),
    }
}

/// `"cachebus:error"`, the event name of diagnostics.
pub fn error_event() -> JsString {
    ERROR_EVENT.with(JsString::clone)
}
