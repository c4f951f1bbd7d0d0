//! Reading options, targets and keys from JS, refusing wrong types with typed errors.

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::core::{CacheError, Defaults, EngineOptions, ErrorCode, Scope, SetOptions, Target, Tier, Ttl};
use crate::web::Versioning;

const NOT_AN_OBJECT: CacheError = CacheError::new(ErrorCode::InvalidOptions, "options must be an object");
const UNREADABLE: CacheError = CacheError::new(ErrorCode::InvalidOptions, "an option could not be read");
const NAMESPACE_NOT_STRING: CacheError =
    CacheError::new(ErrorCode::InvalidNamespace, "namespace is required and must be a string");
const USER_NOT_STRING: CacheError = CacheError::new(ErrorCode::InvalidUser, "user must be a string when given");
const KEY_NOT_STRING: CacheError = CacheError::new(ErrorCode::InvalidKey, "key must be a string");
const TTL_NOT_NUMBER: CacheError = CacheError::new(ErrorCode::InvalidTtl, "ttlMs and staleMs must be numbers");
const TIER_NOT_STRING: CacheError =
    CacheError::new(ErrorCode::InvalidTier, "tier must be \"memory\", \"local\" or \"idb\"");
const BAD_TAGS: CacheError = CacheError::new(ErrorCode::InvalidOptions, "tags must be an array of non-empty strings");
const BAD_ETAG: CacheError = CacheError::new(ErrorCode::InvalidOptions, "etag must be a string");
const BAD_VERSION: CacheError = CacheError::new(ErrorCode::InvalidOptions, "version must be a string or a number");
const BAD_MIGRATE: CacheError = CacheError::new(ErrorCode::InvalidOptions, "migrate must be a function");
const BAD_BUDGET: CacheError = CacheError::new(ErrorCode::InvalidOptions, "budgets must be byte counts >= 0");
const BAD_TARGET: CacheError = CacheError::new(
    ErrorCode::InvalidTarget,
    "target must be a key, or one of { key }, { prefix }, { pattern }, { tags }, { all: true }",
);
const BAD_NAMES: CacheError = CacheError::new(ErrorCode::InvalidOptions, "expected a string or an array of strings");

/// The options of `createCache`, split by who uses them.
pub(crate) struct CreateOptions {
    /// What the engine needs.
    pub engine: EngineOptions,
    /// Version and migration of persisted entries.
    pub versioning: Versioning,
    /// Whether values need a size estimate (a memory or idb budget is set).
    pub estimate_sizes: bool,
}

/// `createCache({ namespace, user?, version?, migrate?, defaults?, budgets? })`.
pub(crate) fn create_options(options: &JsValue) -> Result<CreateOptions, CacheError> {
    if !options.is_object() {
        return Err(NOT_AN_OBJECT);
    }
    let namespace = property(options, "namespace")?.as_string().ok_or(NAMESPACE_NOT_STRING)?;
    let user = user(&property(options, "user")?)?;
    let mut engine = EngineOptions::new(Scope::new(&namespace, user.as_deref())?);
    if let Some(defaults) = optional_object(options, "defaults")? {
        let d = Defaults::default();
        engine.defaults = Defaults {
            tier: tier(&defaults)?.unwrap_or(d.tier),
            ttl: duration(&defaults, "ttlMs")?.unwrap_or(d.ttl),
            stale: duration(&defaults, "staleMs")?.unwrap_or(d.stale),
        };
    }
    if let Some(budgets) = optional_object(options, "budgets")? {
        for (tier, name) in [(Tier::Memory, "memoryBytes"), (Tier::Local, "localBytes"), (Tier::Idb, "idbBytes")] {
            engine.budgets[tier.index()] = optional(property(&budgets, name)?)
                .map(|b| b.as_f64().filter(|b| *b >= 0.0 && !b.is_nan()).ok_or(BAD_BUDGET))
                .transpose()?
                .map(|b| b.min(usize::MAX as f64) as usize);
        }
    }
    let version = match optional(property(options, "version")?) {
        Some(v) if v.as_string().is_some() || v.as_f64().is_some() => v,
        Some(_) => return Err(BAD_VERSION),
        None => JsValue::NULL,
    };
    let migrate = optional(property(options, "migrate")?)
        .map(|m| m.dyn_into::<Function>().map_err(|_| BAD_MIGRATE))
        .transpose()?;
    let estimate_sizes = engine.budgets[Tier::Memory.index()].is_some() || engine.budgets[Tier::Idb.index()].is_some();
    Ok(CreateOptions { engine, versioning: Versioning { version, migrate }, estimate_sizes })
}

/// `cache.set(key, value, { tier?, ttlMs?, staleMs?, tags?, etag? })`; `undefined` means none.
pub(crate) fn set_options(options: &JsValue) -> Result<SetOptions, CacheError> {
    let Some(options) = optional(options.clone()) else {
        return Ok(SetOptions::default());
    };
    if !options.is_object() {
        return Err(NOT_AN_OBJECT);
    }
    let tags = match optional(property(&options, "tags")?) {
        Some(tags) => strings(&tags).filter(|t| t.iter().all(|t| !t.is_empty())).ok_or(BAD_TAGS)?,
        None => Vec::new(),
    };
    let etag = optional(property(&options, "etag")?).map(|e| e.as_string().ok_or(BAD_ETAG)).transpose()?;
    Ok(SetOptions {
        tier: tier(&options)?,
        ttl: duration(&options, "ttlMs")?,
        stale: duration(&options, "staleMs")?,
        tags,
        etag,
        size: 0,
    })
}

/// A target: `"key"`, `{ key }`, `{ prefix }`, `{ pattern }`, `{ tags: [...] }` or `{ all: true }`.
pub(crate) fn target(value: &JsValue) -> Result<Target, CacheError> {
    if let Some(key) = value.as_string() {
        return Target::key(&key);
    }
    if !value.is_object() {
        return Err(BAD_TARGET);
    }
    let text = |name: &str| -> Result<Option<String>, CacheError> {
        optional(property(value, name)?).map(|v| v.as_string().ok_or(BAD_TARGET)).transpose()
    };
    if let Some(key) = text("key")? {
        return Target::key(&key);
    }
    if let Some(prefix) = text("prefix")? {
        return Target::prefix(&prefix);
    }
    if let Some(pattern) = text("pattern")? {
        return Target::pattern(&pattern);
    }
    if let Some(tags) = optional(property(value, "tags")?) {
        return Target::tags(strings(&tags).ok_or(BAD_TARGET)?);
    }
    if property(value, "all")?.is_truthy() {
        return Ok(Target::All);
    }
    Err(BAD_TARGET)
}

/// A user id: `undefined`/`null` for signed out, else a string.
pub(crate) fn user(value: &JsValue) -> Result<Option<String>, CacheError> {
    optional(value.clone()).map(|u| u.as_string().ok_or(USER_NOT_STRING)).transpose()
}

/// A key given by JS: it must be a string (its content is checked by the core).
pub(crate) fn key(key: &JsValue) -> Result<String, CacheError> {
    key.as_string().ok_or(KEY_NOT_STRING)
}

/// A string or an array of strings.
pub(crate) fn names(value: &JsValue) -> Result<Vec<String>, CacheError> {
    match value.as_string() {
        Some(name) => Ok(vec![name]),
        None => strings(value).ok_or(BAD_NAMES),
    }
}

fn tier(options: &JsValue) -> Result<Option<Tier>, CacheError> {
    optional(property(options, "tier")?)
        .map(|t| t.as_string().ok_or(TIER_NOT_STRING).and_then(|t| Tier::parse(&t)))
        .transpose()
}

fn duration(options: &JsValue, name: &str) -> Result<Option<Ttl>, CacheError> {
    optional(property(options, name)?)
        .map(|ms| ms.as_f64().ok_or(TTL_NOT_NUMBER).and_then(Ttl::from_ms))
        .transpose()
}

fn strings(value: &JsValue) -> Option<Vec<String>> {
    if !Array::is_array(value) {
        return None;
    }
    Array::from(value).iter().map(|v| v.as_string()).collect()
}

fn optional_object(obj: &JsValue, name: &str) -> Result<Option<JsValue>, CacheError> {
    match optional(property(obj, name)?) {
        Some(value) if value.is_object() => Ok(Some(value)),
        Some(_) => Err(NOT_AN_OBJECT),
        None => Ok(None),
    }
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
