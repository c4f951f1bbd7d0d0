//! An entry's metadata as a JS object, and the JSON envelope localStorage keeps.
//!
//! The envelope is `{"cb":1,"v":version,"u":updated,"a":asOf,"s":stale,"x":expires,"t":[tags],"e":etag,"w":writeId,"z":size,"d":value}`
//! (`a` and `w` may be missing in entries written before they existed: `a` is then `u`, `w` 0).
//! It is built and read through structural setters and getters (the property access happens in
//! the JS glue; no property name crosses the boundary) and serialised by the platform's `JSON`;
//! the user's value rides along inside `d` untouched by Rust. Anything without exactly this shape
//! is corrupt. IndexedDB's journal holds the same object without `d` (see [`super::journal`]).

use js_sys::{Array, JsString, Object, JSON};
use wasm_bindgen::prelude::*;

use crate::core::{EntryMeta, Freshness, Millis, StoreError, Tier};

/// The envelope format version written in `cb`.
const FORMAT: f64 = 1.0;

#[wasm_bindgen]
extern "C" {
    /// A metadata record or envelope. Getters catch (a foreign object may have throwing ones).
    #[wasm_bindgen(extends = Object)]
    pub type Envelope;

    #[wasm_bindgen(method, getter, catch)]
    fn cb(this: &Envelope) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, setter)]
    fn set_cb(this: &Envelope, value: f64);
    #[wasm_bindgen(method, getter, catch)]
    fn v(this: &Envelope) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, setter)]
    fn set_v(this: &Envelope, value: &JsValue);
    #[wasm_bindgen(method, getter, catch)]
    fn u(this: &Envelope) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, setter)]
    fn set_u(this: &Envelope, value: f64);
    #[wasm_bindgen(method, getter, catch)]
    fn a(this: &Envelope) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, setter)]
    fn set_a(this: &Envelope, value: f64);
    #[wasm_bindgen(method, getter, catch)]
    fn s(this: &Envelope) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, setter)]
    fn set_s(this: &Envelope, value: &JsValue);
    #[wasm_bindgen(method, getter, catch)]
    fn x(this: &Envelope) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, setter)]
    fn set_x(this: &Envelope, value: &JsValue);
    #[wasm_bindgen(method, getter, catch)]
    fn t(this: &Envelope) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, setter)]
    fn set_t(this: &Envelope, value: &Array);
    #[wasm_bindgen(method, getter, catch)]
    fn e(this: &Envelope) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, setter)]
    fn set_e(this: &Envelope, value: &JsValue);
    #[wasm_bindgen(method, getter, catch)]
    fn w(this: &Envelope) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, setter)]
    fn set_w(this: &Envelope, value: f64);
    #[wasm_bindgen(method, getter, catch)]
    fn z(this: &Envelope) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, setter)]
    fn set_z(this: &Envelope, value: f64);
    #[wasm_bindgen(method, getter, catch)]
    fn d(this: &Envelope) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, setter)]
    fn set_d(this: &Envelope, value: &JsValue);
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
    let envelope: Envelope = Object::new().unchecked_into();
    envelope.set_cb(FORMAT);
    envelope.set_v(version);
    envelope.set_u(meta.freshness.updated_at as f64);
    envelope.set_a(meta.freshness.as_of as f64);
    envelope.set_s(&time(meta.freshness.stale_at));
    envelope.set_x(&time(meta.freshness.expires_at));
    envelope.set_t(&meta.tags.iter().map(|t| JsValue::from_str(t)).collect());
    envelope.set_e(&meta.etag.as_deref().map_or(JsValue::NULL, JsValue::from_str));
    envelope.set_w(f64::from(meta.write_id));
    envelope.set_z(meta.size as f64);
    if !value.is_undefined() {
        envelope.set_d(value);
    }
    envelope
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
    let envelope: &Envelope = obj.unchecked_ref();
    if envelope.cb().ok()?.as_f64() != Some(FORMAT) {
        return None;
    }
    let time = |v: JsValue| -> Option<Option<Millis>> {
        if v.is_null() {
            return Some(None);
        }
        let t = v.as_f64().filter(|t| t.is_finite() && *t >= 0.0)?;
        Some(Some(t as Millis))
    };
    let updated_at = time(envelope.u().ok()?)??;
    let as_of = match envelope.a().ok()? {
        a if a.is_undefined() => updated_at,
        a => time(a)??,
    };
    let stale_at = time(envelope.s().ok()?)?;
    let expires_at = time(envelope.x().ok()?)?;
    let tags =
        envelope.t().ok()?.dyn_into::<Array>().ok()?.iter().map(|t| t.as_string()).collect::<Option<Vec<_>>>()?;
    let etag = match envelope.e().ok()? {
        e if e.is_null() => None,
        e => Some(e.as_string()?),
    };
    let size = envelope.z().ok()?.as_f64().filter(|z| z.is_finite() && *z >= 0.0)? as usize;
    let write_id = match envelope.w().ok()? {
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
        version: envelope.v().ok()?,
        value: envelope.d().ok()?,
    })
}
