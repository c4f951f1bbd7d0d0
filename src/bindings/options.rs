//! Reading options objects and keys from JS, refusing wrong types with typed errors.

use js_sys::Reflect;
use wasm_bindgen::JsValue;

use crate::core::{CacheError, EngineOptions, ErrorCode, Scope, SetOptions, Ttl};

const NOT_AN_OBJECT: CacheError = CacheError::new(ErrorCode::InvalidOptions, "options must be an object");
const UNREADABLE: CacheError = CacheError::new(ErrorCode::InvalidOptions, "an option could not be read");
const NAMESPACE_NOT_STRING: CacheError =
    CacheError::new(ErrorCode::InvalidNamespace, "namespace is required and must be a string");
const USER_NOT_STRING: CacheError = CacheError::new(ErrorCode::InvalidUser, "user must be a string when given");
const KEY_NOT_STRING: CacheError = CacheError::new(ErrorCode::InvalidKey, "key must be a string");
const TTL_NOT_NUMBER: CacheError = CacheError::new(ErrorCode::InvalidTtl, "ttlMs must be a number");

/// The options of `createCache({ namespace, user?, defaults?: { ttlMs? } })`.
pub(crate) fn engine_options(options: &JsValue) -> Result<EngineOptions, CacheError> {
    if !options.is_object() {
        return Err(NOT_AN_OBJECT);
    }
    let namespace = property(options, "namespace")?.as_string().ok_or(NAMESPACE_NOT_STRING)?;
    let user = optional(property(options, "user")?)
        .map(|user| user.as_string().ok_or(USER_NOT_STRING))
        .transpose()?;
    let default_ttl = match optional(property(options, "defaults")?) {
        Some(defaults) if defaults.is_object() => ttl(&defaults)?,
        Some(_) => return Err(NOT_AN_OBJECT),
        None => None,
    };
    Ok(EngineOptions {
        scope: Scope::new(&namespace, user.as_deref())?,
        default_ttl: default_ttl.unwrap_or(Ttl::Forever),
    })
}

/// The options of `cache.set(key, value, { ttlMs? })`; `undefined` means none.
pub(crate) fn set_options(options: &JsValue) -> Result<SetOptions, CacheError> {
    match optional(options.clone()) {
        None => Ok(SetOptions::default()),
        Some(options) if options.is_object() => Ok(SetOptions { ttl: ttl(&options)? }),
        Some(_) => Err(NOT_AN_OBJECT),
    }
}

/// A key given by JS: it must be a string (its content is checked by the core).
pub(crate) fn key(key: &JsValue) -> Result<String, CacheError> {
    key.as_string().ok_or(KEY_NOT_STRING)
}

fn ttl(options: &JsValue) -> Result<Option<Ttl>, CacheError> {
    optional(property(options, "ttlMs")?)
        .map(|ms| ms.as_f64().ok_or(TTL_NOT_NUMBER).and_then(Ttl::from_ms))
        .transpose()
}

/// `obj[name]`; a throwing getter or proxy trap becomes an error instead of a panic.
fn property(obj: &JsValue, name: &str) -> Result<JsValue, CacheError> {
    Reflect::get(obj, &JsValue::from_str(name)).map_err(|_| UNREADABLE)
}

/// `None` for `undefined` and `null`, the two ways JS says "not given".
fn optional(value: JsValue) -> Option<JsValue> {
    if value.is_undefined() || value.is_null() {
        None
    } else {
        Some(value)
    }
}
