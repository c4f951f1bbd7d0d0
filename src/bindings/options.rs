//! Reading options, targets and keys from JS, refusing wrong types with typed errors.

use js_sys::{Array, Function, JsString, Reflect};
use wasm_bindgen::prelude::*;

use crate::core::{
    CacheError, Defaults, EngineOptions, ErrorCode, FetchOptions, Millis, Scope, SetOptions, TagLists, Tags, Target,
    Tier, Ttl,
};
use crate::web::Versioning;

const NOT_AN_OBJECT: CacheError = CacheError::new(ErrorCode::InvalidOptions, "options must be an object");
const UNREADABLE: CacheError = CacheError::new(ErrorCode::InvalidOptions, "an option could not be read");
const USER_NOT_STRING: CacheError = CacheError::new(ErrorCode::InvalidUser, "user must be a string when given");
const KEY_NOT_STRING: CacheError = CacheError::new(ErrorCode::InvalidKey, "key must be a string");
const TIER_NOT_STRING: CacheError =
    CacheError::new(ErrorCode::InvalidTier, "tier must be \"memory\", \"local\" or \"idb\"");
const BAD_TAGS: CacheError = CacheError::new(ErrorCode::InvalidOptions, "tags must be an array of non-empty strings");
const BAD_BUDGET: CacheError = CacheError::new(ErrorCode::InvalidOptions, "budgets must be byte counts >= 0");
const BAD_TARGET: CacheError = CacheError::new(
    ErrorCode::InvalidTarget,
    "target must be a key, or one of { key }, { prefix }, { pattern }, { tags }, { all: true }",
);
const BAD_DEDUP: CacheError = CacheError::new(ErrorCode::InvalidOptions, "dedupMs must be a number >= 0");
const BAD_NAMES: CacheError = CacheError::new(ErrorCode::InvalidOptions, "expected a string or an array of strings");
/// A key, prefix, pattern, tag, event name or legacy name holding a lone surrogate.
pub(crate) const ILL_FORMED: CacheError = CacheError::new(
    ErrorCode::InvalidKey,
    "keys, prefixes, patterns, tags and event names must be well-formed UTF-16 (no lone surrogates)",
);
const ILL_FORMED_USER: CacheError =
    CacheError::new(ErrorCode::InvalidUser, "user must be well-formed UTF-16 (no lone surrogates)");

#[wasm_bindgen]
extern "C" {
    /// Any JS options object, read through its properties. The property access runs in the JS
    /// glue (no property name crosses the boundary), and a throwing getter or proxy trap comes
    /// back as an `Err`, never as an exception through wasm.
    type Props;

    #[wasm_bindgen(method, getter, catch)]
    fn tags(this: &Props) -> Result<JsValue, JsValue>;
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
    #[wasm_bindgen(method, getter, catch)]
    fn length(this: &Props) -> Result<JsValue, JsValue>;

    /// `Array.isArray`, which throws for a revoked proxy (js-sys's would throw through wasm).
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn is_array(value: &JsValue) -> Result<bool, JsValue>;

    /// `Object.entries`, whose getters and proxy traps may throw.
    #[wasm_bindgen(catch, js_namespace = Object, js_name = entries)]
    fn object_entries(value: &JsValue) -> Result<Array, JsValue>;

    /// A JS string, asked about its UTF-16.
    type Text;

    /// `String.prototype.isWellFormed`; an `Err` in browsers that predate it (before 2023).
    #[wasm_bindgen(method, catch, js_name = isWellFormed)]
    fn is_well_formed(this: &Text) -> Result<bool, JsValue>;
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

/// The options of `createCache`, as the facade's `createArgs` (src/ts/internal/args.ts) passes
/// them: read from the caller's object and type-checked there, their values judged here (the
/// scope's form, the defaults' TTLs, the budgets). `version` is a string or a number, or
/// `undefined`; `tier` a [`Tier::ALL`] index; `budgets` by [`Tier::index`]; `None` is "not
/// given" throughout (D-142 in docs/decisions.md).
pub(crate) struct CreateArgs {
    pub namespace: String,
    pub user: Option<String>,
    pub version: JsValue,
    pub migrate: Option<Function>,
    pub tier: Option<u8>,
    pub ttl_ms: Option<f64>,
    pub stale_ms: Option<f64>,
    pub budgets: [Option<f64>; 3],
}

/// Judges the options of `createCache`, in the order the engine always judged them.
pub(crate) fn create_options(args: CreateArgs) -> Result<CreateOptions, CacheError> {
    let mut engine = EngineOptions::new(Scope::new(&args.namespace, args.user.as_deref())?);
    // Each tab's write ids start somewhere else (see `EntryMeta::write_id`).
    engine.write_seed = (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
    let d = Defaults::default();
    engine.defaults = Defaults {
        tier: args.tier.map(tier_of).transpose()?.unwrap_or(d.tier),
        ttl: args.ttl_ms.map(Ttl::from_ms).transpose()?.unwrap_or(d.ttl),
        stale: args.stale_ms.map(Ttl::from_ms).transpose()?.unwrap_or(d.stale),
    };
    for (budget, bytes) in engine.budgets.iter_mut().zip(args.budgets) {
        *budget = bytes
            .map(|b| Some(b).filter(|b| *b >= 0.0 && !b.is_nan()).ok_or(BAD_BUDGET))
            .transpose()?
            .map(|b| b.min(usize::MAX as f64) as usize);
    }
    let version = if args.version.is_undefined() { JsValue::NULL } else { args.version };
    let estimate_sizes = engine.budgets[Tier::Memory.index()].is_some() || engine.budgets[Tier::Idb.index()].is_some();
    Ok(CreateOptions { engine, versioning: Versioning { version, migrate: args.migrate }, estimate_sizes })
}

/// The tier of a [`Tier::ALL`] index.
fn tier_of(code: u8) -> Result<Tier, CacheError> {
    Tier::ALL.get(usize::from(code)).copied().ok_or(TIER_NOT_STRING)
}

/// The options of a write (`set`, a fetch's answer, a mutation), as the facade's `writeArgs`
/// (src/ts/internal/args.ts) passes them: read from the caller's object and type-checked there
/// (a JS object's properties are read far faster in JS than through the boundary), their values
/// judged here. `tier` is a [`Tier::ALL`] index, `tags` as [`tag_list`] takes them; `None` is "not
/// given" throughout.
pub(crate) fn write_options(
    tier: Option<u8>,
    ttl_ms: Option<f64>,
    stale_ms: Option<f64>,
    tags: &JsValue,
    etag: Option<String>,
    lists: &TagLists,
) -> Result<SetOptions, CacheError> {
    let tags = tag_list(tags, lists)?;
    Ok(SetOptions {
        tier: tier.map(tier_of).transpose()?,
        ttl: ttl_ms.map(Ttl::from_ms).transpose()?,
        stale: stale_ms.map(Ttl::from_ms).transpose()?,
        tags,
        etag,
        size: 0,
    })
}

#[wasm_bindgen(module = "/src/bindings/convert.js")]
extern "C" {
    /// `tags` when it is a number, else -1.
    #[wasm_bindgen(js_name = tagListNumber)]
    fn tag_list_number(tags: &JsValue) -> f64;
}

/// A write's tags: the number `lists` gave them (see [`TagLists`]), the facade's own array of
/// strings, or `undefined` for none.
pub(crate) fn tag_list(tags: &JsValue, lists: &TagLists) -> Result<Tags, CacheError> {
    let number = tag_list_number(tags);
    if number < 0.0 {
        return new_tag_list(tags);
    }
    lists.list(number as u32).filter(|_| number.fract() == 0.0).cloned().ok_or(BAD_TAGS)
}

/// The strings of the facade's array of tags (`undefined`: none), each one non-empty.
pub(crate) fn new_tag_list(tags: &JsValue) -> Result<Tags, CacheError> {
    match tags.dyn_ref::<Array>() {
        Some(tags) => tags.iter().map(|tag| tag.as_string().filter(|tag| !tag.is_empty())).collect::<Option<_>>(),
        None => Some(Tags::default()),
    }
    .ok_or(BAD_TAGS)
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
/// One that cannot be read (a throwing getter, a proxy) is no target: `INVALID_TARGET`.
pub(crate) fn target(value: &JsValue) -> Result<Target, CacheError> {
    if let Some(key) = text(value, ILL_FORMED)? {
        return Target::key(&key);
    }
    if !value.is_object() {
        return Err(BAD_TARGET);
    }
    if let Some(key) = target_text(value, Props::key)? {
        return Target::key(&key);
    }
    if let Some(prefix) = target_text(value, Props::prefix)? {
        return Target::prefix(&prefix);
    }
    if let Some(pattern) = target_text(value, Props::pattern)? {
        return Target::pattern(&pattern);
    }
    if let Some(tags) = optional(read(value, Props::tags).map_err(|_| BAD_TARGET)?) {
        return Target::tags(strings(&tags, BAD_TARGET)?.ok_or(BAD_TARGET)?);
    }
    if read(value, Props::all).map_err(|_| BAD_TARGET)?.is_truthy() {
        return Ok(Target::All);
    }
    Err(BAD_TARGET)
}

/// A string field of a target object, when given.
fn target_text(value: &JsValue, getter: Getter) -> Result<Option<String>, CacheError> {
    match optional(read(value, getter).map_err(|_| BAD_TARGET)?) {
        Some(field) => text(&field, ILL_FORMED)?.ok_or(BAD_TARGET).map(Some),
        None => Ok(None),
    }
}

/// A user id: `undefined`/`null` for signed out, else a string.
pub(crate) fn user(value: &JsValue) -> Result<Option<String>, CacheError> {
    match optional(value.clone()) {
        Some(user) => text(&user, ILL_FORMED_USER)?.ok_or(USER_NOT_STRING).map(Some),
        None => Ok(None),
    }
}

/// A key given by JS: it must be a well-formed string (its content is checked by the core).
pub(crate) fn key(key: &JsValue) -> Result<String, CacheError> {
    text(key, ILL_FORMED)?.ok_or(KEY_NOT_STRING)
}

/// A string or an array of strings.
pub(crate) fn names(value: &JsValue) -> Result<Vec<String>, CacheError> {
    match text(value, ILL_FORMED)? {
        Some(name) => Ok(vec![name]),
        None => strings(value, UNREADABLE)?.ok_or(BAD_NAMES),
    }
}

/// `Object.entries(value)`: `[name, value]` pairs, a plain array of plain arrays (safe to read);
/// `unreadable` when a getter or a proxy trap throws.
pub(crate) fn entries(value: &JsValue, unreadable: CacheError) -> Result<Array, CacheError> {
    object_entries(value).map_err(|_| unreadable)
}

/// `value` as a Rust string, `None` when it is not a string. A string holding a lone surrogate is
/// `ill_formed`: UTF-8 cannot hold one, so it would arrive as U+FFFD and two keys would share an
/// entry.
pub(crate) fn text(value: &JsValue, ill_formed: CacheError) -> Result<Option<String>, CacheError> {
    let Some(text) = value.as_string() else { return Ok(None) };
    // Every lone surrogate arrives as U+FFFD, so only a text showing one needs JS to judge it.
    if shows_replacement_char(&text) && !well_formed(value) {
        return Err(ill_formed);
    }
    Ok(Some(text))
}

/// Whether `text` holds U+FFFD, found as its three UTF-8 bytes: `str::contains` with a char
/// outside ASCII runs the two-way substring searcher, whose code and slicing panics (with their
/// `Debug` formatting) weighed ~6 KB of the wasm.
fn shows_replacement_char(text: &str) -> bool {
    text.as_bytes().windows(3).any(|bytes| bytes == "\u{FFFD}".as_bytes())
}

/// Whether the JS string `text` holds no lone surrogate.
fn well_formed(text: &JsValue) -> bool {
    text.unchecked_ref::<Text>().is_well_formed().unwrap_or_else(|_| text.unchecked_ref::<JsString>().is_valid_utf16())
}

/// The items of `value` when it is an array (`None` otherwise), read through calls that catch: a
/// proxy whose traps throw, or a revoked one, is `unreadable`, never an exception through wasm.
pub(crate) fn items(value: &JsValue, unreadable: CacheError) -> Result<Option<Vec<JsValue>>, CacheError> {
    if !is_array(value).map_err(|_| unreadable)? {
        return Ok(None);
    }
    let length = read(value, Props::length).map_err(|_| unreadable)?.as_f64().unwrap_or(0.0);
    // Read in place: `Array::from` would copy the array first.
    (0..length as u32).map(|i| Reflect::get_u32(value, i).map_err(|_| unreadable)).collect::<Result<_, _>>().map(Some)
}

/// An array of strings (`None`: not one); `unreadable` as in [`items`], lone surrogates refused.
fn strings(value: &JsValue, unreadable: CacheError) -> Result<Option<Vec<String>>, CacheError> {
    let Some(items) = items(value, unreadable)? else { return Ok(None) };
    let mut strings = Vec::with_capacity(items.len());
    for item in &items {
        match text(item, ILL_FORMED)? {
            Some(text) => strings.push(text),
            None => return Ok(None),
        }
    }
    Ok(Some(strings))
}

/// `None` for `undefined` and `null`, the two ways JS says "not given".
fn optional(value: JsValue) -> Option<JsValue> {
    if value.is_null_or_undefined() {
        None
    } else {
        Some(value)
    }
}
