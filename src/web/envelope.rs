//! An entry's metadata as a JS object, and the JSON envelope localStorage keeps.
//!
//! The envelope is `{"cb":1,"v":version,"u":updated,"a":asOf,"s":stale,"x":expires,"t":[tags],"e":etag,"w":writeId,"z":size,"d":value}`
//! (`a` and `w` may be missing in entries written before they existed: `a` is then `u`, `w` 0).
//! It is built and read by two JS functions (`envelope.js`: every field in one call each way, no
//! property name crosses the boundary) and serialised by the platform's `JSON`;
//! the user's value rides along inside `d` untouched by Rust. Anything without exactly this shape
//! is corrupt. IndexedDB's journal holds the same object without `d` (see [`super::journal`]).

use js_sys::{Array, JsString, Object, JSON};
use wasm_bindgen::prelude::*;

use crate::core::{EntryMeta, Freshness, Millis, StoreError, Tier};

/// The envelope format version written in `cb`.
const FORMAT: f64 = 1.0;

#[wasm_bindgen(module = "/src/web/envelope.js")]
extern "C" {
    /// A metadata record or envelope.
    #[wasm_bindgen(extends = Object)]
    pub type Envelope;

    /// The envelope with these fields (`d` left out when undefined).
    #[allow(clippy::too_many_arguments)]
    fn envelope(
        cb: f64,
        v: &JsValue,
        u: f64,
        a: f64,
        s: &JsValue,
        x: &JsValue,
        t: &Array,
        e: &JsValue,
        w: f64,
        z: f64,
        d: &JsValue,
    ) -> Envelope;

    /// `[cb, v, u, a, s, x, t, e, w, z, d]` of an object; `Err` when a getter throws (a foreign
    /// object may have throwing ones).
    #[wasm_bindgen(catch)]
    fn fields(object: &JsValue) -> Result<Array, JsValue>;
}

/// A decoded entry: metadata, the app version it was written under, and (in JSON) the value.
pub struct Decoded {
    /// Metadata as written (tier set by the reader).
    pub meta: EntryMeta,
    /// The app `version` of the writer.
    pub version: JsValue,
    /// The value (`undefined` for IndexedDB metadata, which the journal keeps apart from values).
    pub value: JsValue,
}

/// The entry's metadata (and `value`, unless undefined) as a plain object.
pub fn to_object(meta: &EntryMeta, version: &JsValue, value: &JsValue) -> Envelope {
    let time = |t: Option<Millis>| t.map_or(JsValue::NULL, |t| JsValue::from_f64(t as f64));
    let freshness = &meta.freshness;
    envelope(
        FORMAT,
        version,
        freshness.updated_at as f64,
        freshness.as_of as f64,
        &time(freshness.stale_at),
        &time(freshness.expires_at),
        &meta.tags.iter().map(|t| JsValue::from_str(t)).collect(),
        &meta.etag.as_deref().map_or(JsValue::NULL, JsValue::from_str),
        f64::from(meta.write_id),
        meta.size as f64,
        value,
    )
}

#[wasm_bindgen]
extern "C" {
    /// `JSON.parse` of a JS string as it is (js-sys's takes `&str`, which would copy the text
    /// into wasm and back out).
    #[wasm_bindgen(catch, js_namespace = JSON, js_name = parse)]
    fn parse_text(text: &JsString) -> Result<JsValue, JsValue>;
}

/// The localStorage text for an entry, left a JS string (it only goes back to `setItem`); a
/// value JSON cannot encode is [`StoreError::Unencodable`].
pub fn encode(meta: &EntryMeta, version: &JsValue, value: &JsValue) -> Result<JsString, StoreError> {
    if value.is_function() || value.is_symbol() || value.is_undefined() {
        return Err(StoreError::Unencodable); // JSON would silently drop it
    }
    let text = JSON::stringify(&to_object(meta, version, value)).map_err(|_| StoreError::Unencodable)?;
    if text.is_undefined() {
        return Err(StoreError::Unencodable); // a `toJSON` that returned nothing
    }
    Ok(text)
}

/// Parses localStorage text; `None` when it is not an intact envelope.
pub fn decode(text: &JsString, tier: Tier) -> Option<Decoded> {
    let parsed = parse_text(text).ok()?;
    let decoded = from_object(&parsed, tier)?;
    if decoded.value.is_undefined() {
        return None; // an envelope without its value is truncated
    }
    Some(decoded)
}

/// Reads an object written by [`to_object`]; `None` when any field is missing or mistyped.
pub fn from_object(obj: &JsValue, tier: Tier) -> Option<Decoded> {
    if !obj.is_object() || Array::is_array(obj) {
        return None;
    }
    let fields = fields(obj).ok()?;
    let field = |index: u32| fields.get(index);
    if field(0).as_f64() != Some(FORMAT) {
        return None;
    }
    let time = |v: JsValue| -> Option<Option<Millis>> {
        if v.is_null() {
            return Some(None);
        }
        let t = v.as_f64().filter(|t| t.is_finite() && *t >= 0.0)?;
        Some(Some(t as Millis))
    };
    let updated_at = time(field(2))??;
    let as_of = match field(3) {
        a if a.is_undefined() => updated_at,
        a => time(a)??,
    };
    let stale_at = time(field(4))?;
    let expires_at = time(field(5))?;
    let tags = field(6).dyn_into::<Array>().ok()?.iter().map(|t| t.as_string()).collect::<Option<_>>()?;
    let etag = match field(7) {
        e if e.is_null() => None,
        e => Some(e.as_string()?),
    };
    let size = field(9).as_f64().filter(|z| z.is_finite() && *z >= 0.0)? as usize;
    let write_id = match field(8) {
        w if w.is_undefined() => 0,
        w => w.as_f64().filter(|w| w.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(w))? as u32,
    };
    Some(Decoded {
        meta: EntryMeta {
            tier,
            freshness: Freshness { updated_at, as_of, stale_at, expires_at },
            tags,
            etag,
            write_id,
            size,
        },
        version: field(1),
        value: field(10),
    })
}
