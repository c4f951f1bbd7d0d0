//! An entry's metadata as a JS object, and the JSON envelope localStorage keeps.
//!
//! The envelope is `{"cb":1,"v":version,"u":updated,"s":stale,"x":expires,"t":[tags],"e":etag,"d":value}`.
//! It is built and parsed by the platform's `JSON`; the user's value rides along inside `d`
//! untouched by Rust. Anything that does not have exactly this shape is corrupt.

use js_sys::{Array, Object, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};

use crate::core::{EntryMeta, Freshness, Millis, StoreError, Tier};

/// The envelope format version written in `cb`.
const FORMAT: f64 = 1.0;

/// A decoded entry: metadata, the app version it was written under, and (in JSON) the value.
pub struct Decoded {
    /// Metadata as written (tier set by the reader).
    pub meta: EntryMeta,
    /// The app `version` of the writer.
    pub version: JsValue,
    /// The value (`undefined` for IndexedDB metadata records, which hold no value).
    pub value: JsValue,
}

/// The entry's metadata (and `value`, unless undefined) as a plain object.
pub fn to_object(meta: &EntryMeta, version: &JsValue, value: &JsValue) -> Object {
    let obj = Object::new();
    let set = |name: &str, v: &JsValue| {
        // Setting a data property on a fresh plain object cannot throw.
        let _ = Reflect::set(&obj, &JsValue::from_str(name), v);
    };
    let time = |t: Option<Millis>| t.map_or(JsValue::NULL, |t| JsValue::from_f64(t as f64));
    set("cb", &JsValue::from_f64(FORMAT));
    set("v", version);
    set("u", &JsValue::from_f64(meta.freshness.updated_at as f64));
    set("s", &time(meta.freshness.stale_at));
    set("x", &time(meta.freshness.expires_at));
    set("t", &meta.tags.iter().map(|t| JsValue::from_str(t)).collect::<Array>());
    set("e", &meta.etag.as_deref().map_or(JsValue::NULL, JsValue::from_str));
    set("z", &JsValue::from_f64(meta.size as f64));
    if !value.is_undefined() {
        set("d", value);
    }
    obj
}

/// The localStorage text for an entry; a value JSON cannot encode is [`StoreError::Unencodable`].
pub fn encode(meta: &EntryMeta, version: &JsValue, value: &JsValue) -> Result<String, StoreError> {
    if value.is_function() || value.is_symbol() || value.is_undefined() {
        return Err(StoreError::Unencodable); // JSON would silently drop it
    }
    let text = JSON::stringify(&to_object(meta, version, value)).map_err(|_| StoreError::Unencodable)?;
    text.as_string().ok_or(StoreError::Unencodable)
}

/// Parses localStorage text; `None` when it is not an intact envelope.
pub fn decode(text: &str, tier: Tier) -> Option<Decoded> {
    let parsed = JSON::parse(text).ok()?;
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
    let get = |name: &str| Reflect::get(obj, &JsValue::from_str(name)).ok();
    if get("cb")?.as_f64() != Some(FORMAT) {
        return None;
    }
    let time = |v: JsValue| -> Option<Option<Millis>> {
        if v.is_null() {
            return Some(None);
        }
        let t = v.as_f64().filter(|t| t.is_finite() && *t >= 0.0)?;
        Some(Some(t as Millis))
    };
    let updated_at = time(get("u")?)??;
    let stale_at = time(get("s")?)?;
    let expires_at = time(get("x")?)?;
    let tags = get("t")?.dyn_into::<Array>().ok()?.iter().map(|t| t.as_string()).collect::<Option<Vec<_>>>()?;
    let etag = match get("e")? {
        e if e.is_null() => None,
        e => Some(e.as_string()?),
    };
    let size = get("z")?.as_f64().filter(|z| z.is_finite() && *z >= 0.0)? as usize;
    Some(Decoded {
        meta: EntryMeta { tier, freshness: Freshness { updated_at, stale_at, expires_at }, tags, etag, size },
        version: get("v")?,
        value: get("d")?,
    })
}
