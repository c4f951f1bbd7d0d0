//! Rust results as plain JS objects: `peek()` and `stats()`.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::core::{Millis, Peeked, Stats, Tier};

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

/// `{ state, tier, tags, etag, updatedAt, staleAt, expiresAt, error, errorAt }` (`null`
/// instants: never; `error`/`errorAt` only after a failed fetch).
pub(crate) fn peek(peeked: &Peeked<'_, JsValue>) -> JsValue {
    let meta = peeked.meta;
    let obj = Object::new();
    set(&obj, "state", JsValue::from_str(peeked.state.as_str()));
    set(&obj, "tier", JsValue::from_str(meta.tier.as_str()));
    set(&obj, "tags", meta.tags.iter().map(|t| JsValue::from_str(t)).collect::<Array>().into());
    set(&obj, "etag", meta.etag.as_deref().map_or(JsValue::UNDEFINED, JsValue::from_str));
    set(&obj, "updatedAt", number(meta.freshness.updated_at as f64));
    set(&obj, "staleAt", instant(meta.freshness.stale_at));
    set(&obj, "expiresAt", instant(meta.freshness.expires_at));
    if let Some((error, at)) = peeked.error {
        set(&obj, "error", error.clone());
        set(&obj, "errorAt", number(*at as f64));
    }
    obj.into()
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
