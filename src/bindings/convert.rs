//! Rust results as plain JS objects: `peek()` and `stats()`.

use js_sys::{Array, JsString, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::core::{Millis, Peeked, Stats, Tier};
use crate::web::names;

fn set(obj: &Object, name: &str, value: JsValue) {
    // Defining a data property on a fresh plain object cannot throw.
    let _ = Reflect::set(obj, &JsValue::from_str(name), &value);
}

fn number(n: impl Into<f64>) -> JsValue {
    JsValue::from_f64(n.into())
}

/// An instant as a number, `null` for never.
fn instant(at: Option<Millis>) -> JsValue {
    at.map_or(JsValue::NULL, |at| number(at as f64))
}

#[wasm_bindgen]
extern "C" {
    /// The object `peek()` returns, filled through setters: no property name crosses.
    #[wasm_bindgen(extends = Object)]
    type EntryInfo;

    #[wasm_bindgen(method, setter)]
    fn set_state(this: &EntryInfo, value: &JsString);
    #[wasm_bindgen(method, setter)]
    fn set_tier(this: &EntryInfo, value: &JsString);
    #[wasm_bindgen(method, setter)]
    fn set_tags(this: &EntryInfo, value: &Array);
    #[wasm_bindgen(method, setter)]
    fn set_etag(this: &EntryInfo, value: &JsValue);
    #[wasm_bindgen(method, setter, js_name = updatedAt)]
    fn set_updated_at(this: &EntryInfo, value: f64);
    #[wasm_bindgen(method, setter, js_name = staleAt)]
    fn set_stale_at(this: &EntryInfo, value: &JsValue);
    #[wasm_bindgen(method, setter, js_name = expiresAt)]
    fn set_expires_at(this: &EntryInfo, value: &JsValue);
    #[wasm_bindgen(method, setter)]
    fn set_error(this: &EntryInfo, value: &JsValue);
    #[wasm_bindgen(method, setter, js_name = errorAt)]
    fn set_error_at(this: &EntryInfo, value: f64);
}

/// `{ state, tier, tags, etag, updatedAt, staleAt, expiresAt, error, errorAt }` (`null`
/// instants: never; `error`/`errorAt` only after a failed fetch).
pub(crate) fn peek(peeked: &Peeked<'_, JsValue>) -> JsValue {
    let meta = peeked.meta;
    let info: EntryInfo = Object::new().unchecked_into();
    info.set_state(&names::state(peeked.state));
    info.set_tier(&names::tier(meta.tier));
    info.set_tags(&meta.tags.iter().map(|t| JsValue::from_str(t)).collect());
    info.set_etag(&meta.etag.as_deref().map_or(JsValue::UNDEFINED, JsValue::from_str));
    info.set_updated_at(meta.freshness.updated_at as f64);
    info.set_stale_at(&instant(meta.freshness.stale_at));
    info.set_expires_at(&instant(meta.freshness.expires_at));
    if let Some((error, at)) = peeked.error {
        info.set_error(error);
        info.set_error_at(*at as f64);
    }
    info.into()
}

/// What `peek()` shows of a key that holds no entry after its fetch failed: `{ state: "error",
/// tier: "memory", tags: [], etag: undefined, updatedAt: errorAt, staleAt: null, expiresAt: null,
/// error, errorAt }`.
pub(crate) fn failure((error, at): &(JsValue, Millis)) -> JsValue {
    let info: EntryInfo = Object::new().unchecked_into();
    info.set_state(&JsString::from("error"));
    info.set_tier(&names::tier(Tier::Memory));
    info.set_tags(&Array::new());
    info.set_etag(&JsValue::UNDEFINED);
    info.set_updated_at(*at as f64);
    info.set_stale_at(&JsValue::NULL);
    info.set_expires_at(&JsValue::NULL);
    info.set_error(error);
    info.set_error_at(*at as f64);
    info.into()
}

/// `{ hits, misses, staleHits, evictions, corrupt, quotaExceeded, storageUnavailable,
/// rejectedMessages, tiers: { memory, local, idb } }`, each tier
/// `{ entries, bytes }`.
pub(crate) fn stats(stats: &Stats) -> JsValue {
    let obj = Object::new();
    set(&obj, "hits", number(stats.hits as f64));
    set(&obj, "misses", number(stats.misses as f64));
    set(&obj, "staleHits", number(stats.stale_hits as f64));
    set(&obj, "evictions", number(stats.evictions as f64));
    set(&obj, "corrupt", number(stats.corrupt as f64));
    set(&obj, "quotaExceeded", number(stats.quota_exceeded as f64));
    set(&obj, "storageUnavailable", number(stats.storage_unavailable as f64));
    set(&obj, "rejectedMessages", number(stats.rejected_messages as f64));
    let tiers = Object::new();
    for tier in Tier::ALL {
        let usage = stats.tier(tier);
        let entry = Object::new();
        set(&entry, "entries", number(usage.entries as f64));
        set(&entry, "bytes", number(usage.bytes as f64));
        set(&tiers, tier.as_str(), entry.into());
    }
    set(&obj, "tiers", tiers.into());
    obj.into()
}
