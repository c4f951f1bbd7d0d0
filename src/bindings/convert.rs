//! Rust results as plain JS objects: `peek()` and `stats()`, each made by one call of
//! convert.js (its properties set from the wasm were a boundary call each).

use js_sys::{Array, JsString};
use wasm_bindgen::prelude::*;

use crate::core::{Millis, Peeked, Stats, Tier};
use crate::web::names;

#[wasm_bindgen(module = "/src/bindings/convert.js")]
extern "C" {
    /// `{ state, tier, tags, etag, updatedAt, staleAt, expiresAt }`, then `error` and `errorAt`
    /// when `error_at` is given; an instant not given is `null`.
    #[wasm_bindgen(js_name = entryInfo)]
    #[allow(clippy::too_many_arguments)]
    fn entry_info(
        state: &JsString,
        tier: &JsString,
        tags: &Array,
        etag: &JsValue,
        updated_at: f64,
        stale_at: Option<f64>,
        expires_at: Option<f64>,
        error: &JsValue,
        error_at: Option<f64>,
    ) -> JsValue;

    /// `stats()`'s object: the eight counters, then each tier's entries and bytes in
    /// [`Tier::ALL`] order.
    #[wasm_bindgen(js_name = cacheStats)]
    #[allow(clippy::too_many_arguments)]
    fn cache_stats(
        hits: f64,
        misses: f64,
        stale_hits: f64,
        evictions: f64,
        corrupt: f64,
        quota_exceeded: f64,
        storage_unavailable: f64,
        rejected_messages: f64,
        memory_entries: f64,
        memory_bytes: f64,
        local_entries: f64,
        local_bytes: f64,
        idb_entries: f64,
        idb_bytes: f64,
    ) -> JsValue;
}

fn instant(at: Option<Millis>) -> Option<f64> {
    at.map(|at| at as f64)
}

/// `{ state, tier, tags, etag, updatedAt, staleAt, expiresAt, error, errorAt }` (`null`
/// instants: never; `error`/`errorAt` only after a failed fetch).
pub(crate) fn peek(peeked: &Peeked<'_, JsValue>) -> JsValue {
    let meta = peeked.meta;
    let freshness = &meta.freshness;
    let (error, error_at) = match peeked.error {
        Some((error, at)) => (error, Some(*at as f64)),
        None => (&JsValue::UNDEFINED, None),
    };
    entry_info(
        &names::state(peeked.state),
        &names::tier(meta.tier),
        &meta.tags.iter().map(|t| JsValue::from_str(t)).collect(),
        &meta.etag.as_deref().map_or(JsValue::UNDEFINED, JsValue::from_str),
        freshness.updated_at as f64,
        instant(freshness.stale_at),
        instant(freshness.expires_at),
        error,
        error_at,
    )
}

/// What `peek()` shows of a key that holds no entry after its fetch failed: `{ state: "error",
/// tier: "memory", tags: [], etag: undefined, updatedAt: errorAt, staleAt: null, expiresAt: null,
/// error, errorAt }`.
pub(crate) fn failure((error, at): &(JsValue, Millis)) -> JsValue {
    let at = *at as f64;
    let tier = names::tier(Tier::Memory);
    entry_info(&JsString::from("error"), &tier, &Array::new(), &JsValue::UNDEFINED, at, None, None, error, Some(at))
}

/// `{ hits, misses, staleHits, evictions, corrupt, quotaExceeded, storageUnavailable,
/// rejectedMessages, tiers: { memory, local, idb } }`, each tier `{ entries, bytes }`.
pub(crate) fn stats(stats: &Stats) -> JsValue {
    let [memory, local, idb] = Tier::ALL.map(|tier| stats.tier(tier));
    cache_stats(
        stats.hits as f64,
        stats.misses as f64,
        stats.stale_hits as f64,
        stats.evictions as f64,
        stats.corrupt as f64,
        stats.quota_exceeded as f64,
        stats.storage_unavailable as f64,
        stats.rejected_messages as f64,
        memory.entries as f64,
        memory.bytes as f64,
        local.entries as f64,
        local.bytes as f64,
        idb.entries as f64,
        idb.bytes as f64,
    )
}
