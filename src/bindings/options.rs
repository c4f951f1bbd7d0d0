//! Reading options, targets and keys from JS, refusing wrong types with typed errors.

use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;

use crate::core::{
    CacheError, Defaults, EngineOptions, ErrorCode, FetchOptions, Millis, Scope, SetOptions, Target, Tier, Ttl,
};
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
const BAD_DEDUP: CacheError = CacheError::new(ErrorCode::InvalidOptions, "dedupMs must be a number >= 0");
const BAD_NAMES: CacheError = CacheError::new(ErrorCode::InvalidOptions, "expected a string or an array of strings");

#[wasm_bindgen]
extern "C" {
    /// Any JS options object, read through its properties. The property access runs in the JS
    /// glue (no property name crosses the boundary), and a throwing getter or proxy trap comes
    /// back as an `Err`, never as an exception through wasm.
    type Props;

    #[wasm_bindgen(method, getter, catch)]
    fn namespace(this: &Props) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn user(this: &Props) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn version(this: &Props) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn migrate(this: &Props) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn defaults(this: &Props) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn budgets(this: &Props) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch, js_name = memoryBytes)]
    fn memory_bytes(this: &Props) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch, js_name = localBytes)]
    fn local_bytes(this: &Props) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch, js_name = idbBytes)]
    fn idb_bytes(this: &Props) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn tier(this: &Props) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch, js_name = ttlMs)]
    fn ttl_ms(this: &Props) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch, js_name = staleMs)]
    fn stale_ms(this: &Props) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn tags(this: &Props) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn etag(this: &Props) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn key(this: &Props) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn prefix(this: &Props) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn pattern(this: &Props) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn all(this: &Props) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch, js_name = dedupMs)]
    fn dedup_ms(this: &Props) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn force(this: &Props) -> Result<JsValue, JsValue>;
}

/// How long a finished fetch serves callers when `dedupMs` is not given (SWR's default).
pub(crate) const DEFAULT_DEDUP_MS: Millis = 2_000;

/// One of the [`Props`] getters.
type Getter = fn(&Props) -> Result<JsValue, JsValue>;

/// Reads one property with a [`Props`] getter; a throwing getter is `INVALID_OPTIONS`.
fn read(obj: &JsValue, getter: Getter) -> Result<JsValue, CacheError> {
    getter(obj.unchecked_ref()).map_err(|_| UNREADABLE)
}

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
    let namespace = read(options, Props::namespace)?.as_string().ok_or(NAMESPACE_NOT_STRING)?;
    let user = user(&read(options, Props::user)?)?;
    let mut engine = EngineOptions::new(Scope::new(&namespace, user.as_deref())?);
    if let Some(defaults) = optional_object(options, Props::defaults)? {
        let d = Defaults::default();
        engine.defaults = Defaults {
            tier: tier(&defaults)?.unwrap_or(d.tier),
            ttl: duration(&defaults, Props::ttl_ms)?.unwrap_or(d.ttl),
            stale: duration(&defaults, Props::stale_ms)?.unwrap_or(d.stale),
        };
    }
    if let Some(budgets) = optional_object(options, Props::budgets)? {
        let getters: [(Tier, Getter); 3] =
            [(Tier::Memory, Props::memory_bytes), (Tier::Local, Props::local_bytes), (Tier::Idb, Props::idb_bytes)];
        for (tier, getter) in getters {
            engine.budgets[tier.index()] = optional(read(&budgets, getter)?)
                .map(|b| b.as_f64().filter(|b| *b >= 0.0 && !b.is_nan()).ok_or(BAD_BUDGET))
                .transpose()?
                .map(|b| b.min(usize::MAX as f64) as usize);
        }
    }
    let version = match optional(read(options, Props::version)?) {
        Some(v) if v.as_string().is_some() || v.as_f64().is_some() => v,
        Some(_) => return Err(BAD_VERSION),
        None => JsValue::NULL,
    };
    let migrate = optional(read(options, Props::migrate)?)
        .map(|m| m.dyn_into::<Function>().map_err(|_| BAD_MIGRATE))
        .transpose()?;
    let estimate_sizes = engine.budgets[Tier::Memory.index()].is_some() || engine.budgets[Tier::Idb.index()].is_some();
    Ok(CreateOptions { engine, versioning: Versioning { version, migrate }, estimate_sizes })
}

/// `cache.set(key, value, { tier?, ttlMs?, staleMs?, tags?, etag? })`; `undefined` means none.
pub(crate) fn set_options(options: &JsValue) -> Result<SetOptions, CacheError> {
    if options.is_null_or_undefined() {
        return Ok(SetOptions::default());
    }
    if !options.is_object() {
        return Err(NOT_AN_OBJECT);
    }
    let tags = match optional(read(options, Props::tags)?) {
        Some(tags) => strings(&tags).filter(|t| t.iter().all(|t| !t.is_empty())).ok_or(BAD_TAGS)?,
        None => Vec::new(),
    };
    let etag = optional(read(options, Props::etag)?).map(|e| e.as_string().ok_or(BAD_ETAG)).transpose()?;
    Ok(SetOptions {
        tier: tier(options)?,
        ttl: duration(options, Props::ttl_ms)?,
        stale: duration(options, Props::stale_ms)?,
        tags,
        etag,
        size: 0,
    })
}

/// The options of `cache.fetch` that decide whether to go to the network: `{ dedupMs?, force? }`;
/// `revalidate` marks a background revalidation.
pub(crate) fn fetch_options(options: &JsValue, revalidate: bool) -> Result<FetchOptions, CacheError> {
    let Some(options) = optional(options.clone()) else {
        return Ok(FetchOptions { dedup_ms: DEFAULT_DEDUP_MS, force: false, revalidate });
    };
    if !options.is_object() {
        return Err(NOT_AN_OBJECT);
    }
    let dedup_ms = match optional(read(&options, Props::dedup_ms)?) {
        Some(ms) => match Ttl::from_ms(ms.as_f64().ok_or(BAD_DEDUP)?).map_err(|_| BAD_DEDUP)? {
            Ttl::Millis(ms) => ms,
            Ttl::Forever => Millis::MAX,
        },
        None => DEFAULT_DEDUP_MS,
    };
    Ok(FetchOptions { dedup_ms, force: read(&options, Props::force)?.is_truthy(), revalidate })
}

/// A target: `"key"`, `{ key }`, `{ prefix }`, `{ pattern }`, `{ tags: [...] }` or `{ all: true }`.
pub(crate) fn target(value: &JsValue) -> Result<Target, CacheError> {
    if let Some(key) = value.as_string() {
        return Target::key(&key);
    }
    if !value.is_object() {
        return Err(BAD_TARGET);
    }
    let text = |getter: Getter| -> Result<Option<String>, CacheError> {
        optional(read(value, getter)?).map(|v| v.as_string().ok_or(BAD_TARGET)).transpose()
    };
    if let Some(key) = text(Props::key)? {
        return Target::key(&key);
    }
    if let Some(prefix) = text(Props::prefix)? {
        return Target::prefix(&prefix);
    }
    if let Some(pattern) = text(Props::pattern)? {
        return Target::pattern(&pattern);
    }
    if let Some(tags) = optional(read(value, Props::tags)?) {
        return Target::tags(strings(&tags).ok_or(BAD_TARGET)?);
    }
    if read(value, Props::all)?.is_truthy() {
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
    optional(read(options, Props::tier)?)
        .map(|t| t.as_string().ok_or(TIER_NOT_STRING).and_then(|t| Tier::parse(&t)))
        .transpose()
}

fn duration(options: &JsValue, getter: Getter) -> Result<Option<Ttl>, CacheError> {
    optional(read(options, getter)?).map(|ms| ms.as_f64().ok_or(TTL_NOT_NUMBER).and_then(Ttl::from_ms)).transpose()
}

fn strings(value: &JsValue) -> Option<Vec<String>> {
    if !Array::is_array(value) {
        return None;
    }
    // Read in place: `Array::from` would copy the array first.
    value.unchecked_ref::<Array>().iter().map(|v| v.as_string()).collect()
}

fn optional_object(obj: &JsValue, getter: Getter) -> Result<Option<JsValue>, CacheError> {
    match optional(read(obj, getter)?) {
        Some(value) if value.is_object() => Ok(Some(value)),
        Some(_) => Err(NOT_AN_OBJECT),
        None => Ok(None),
    }
}

/// `None` for `undefined` and `null`, the two ways JS says "not given".
fn optional(value: JsValue) -> Option<JsValue> {
    if value.is_null_or_undefined() {
        None
    } else {
        Some(value)
    }
}
