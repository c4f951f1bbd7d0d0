//! The bindings in real headless Chromium: JS values kept as is, typed errors, real-time expiry,
//! and the localStorage tier's envelope.
#![cfg(target_arch = "wasm32")]

use cachebus::bindings::{failure_marker, open_cache, WasmCache};
use gloo_timers::future::TimeoutFuture;
use js_sys::{Object, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let obj = Object::new();
    for (name, value) in pairs {
        Reflect::set(&obj, &JsValue::from_str(name), value).unwrap();
    }
    obj.into()
}

/// `cache.set(key, value, { ttlMs })` as the facade passes it (write options flat, see
/// `writeArgs` in src/ts/internal/args.ts).
fn set_with_ttl(cache: &WasmCache, key: &str, value: JsValue, ttl_ms: Option<f64>) -> Result<(), JsValue> {
    written(cache, cache.set(key, value, None, ttl_ms, None, JsValue::UNDEFINED, None))
}

/// What a `set` answered, as the facade reads it (`setValue` in internal/values.ts): the failure
/// marker is the error `takeFailure` gives.
fn written(cache: &WasmCache, answer: JsValue) -> Result<(), JsValue> {
    if answer == failure_marker() {
        return Err(cache.take_failure());
    }
    assert!(answer.is_undefined(), "a write answers undefined or the failure marker");
    Ok(())
}

/// `cache.get(key)` as the facade reads it (internal/values.ts): the failure marker is the error
/// `takeFailure` gives.
fn get(cache: &WasmCache, key: &str) -> Result<JsValue, JsValue> {
    let answer = cache.get(key, js_sys::Date::now());
    if answer == failure_marker() {
        return Err(cache.take_failure());
    }
    Ok(answer)
}

/// `openCache` with the options the facade's `createArgs` (src/ts/internal/args.ts) passes flat:
/// a namespace and user, defaults and budgets as given, no version, no `migrate`, no `idb` tier.
fn open(
    namespace: &str,
    user: Option<&str>,
    defaults: Defaults,
    budgets: [Option<f64>; 3],
) -> Result<WasmCache, JsValue> {
    let Defaults { tier, ttl_ms, stale_ms } = defaults;
    let [memory, local, idb] = budgets;
    let user = user.map(str::to_owned);
    open_cache(
        namespace.into(),
        user,
        JsValue::UNDEFINED,
        None,
        tier,
        ttl_ms,
        stale_ms,
        memory,
        local,
        idb,
        JsValue::UNDEFINED,
    )
}

/// The `defaults` of `createCache`, flat: tier index, TTL and staleness.
#[derive(Default)]
struct Defaults {
    tier: Option<u8>,
    ttl_ms: Option<f64>,
    stale_ms: Option<f64>,
}

/// A cache in its own namespace, so tests sharing the page's storage do not meet.
async fn cache(namespace: &str) -> WasmCache {
    open(namespace, Some("u_1"), Defaults::default(), [None; 3]).unwrap()
}

fn code_of(error: JsValue) -> String {
    Reflect::get(&error, &"code".into()).unwrap().as_string().unwrap()
}

fn local_storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

#[wasm_bindgen_test]
async fn get_returns_the_very_same_js_object() {
    let cache = cache("identity").await;
    let value = object(&[("balance", JsValue::from_f64(100.0))]);
    set_with_ttl(&cache, "balance", value.clone(), Some(60_000.0)).unwrap();
    let got = get(&cache, "balance").unwrap();
    assert!(Object::is(&got, &value), "stored by reference, not copied through serde");
}

#[wasm_bindgen_test]
async fn scope_is_readable_from_js() {
    let cache = cache("scope").await;
    assert_eq!(cache.namespace().unwrap(), "scope");
    assert_eq!(cache.user().unwrap().as_deref(), Some("u_1"));
}

#[wasm_bindgen_test]
async fn entries_expire_with_the_browser_clock() {
    let cache = cache("expiry").await;
    set_with_ttl(&cache, "short", "v".into(), Some(30.0)).unwrap();
    set_with_ttl(&cache, "long", "w".into(), Some(60_000.0)).unwrap();
    assert_eq!(get(&cache, "short").unwrap().as_string().as_deref(), Some("v"));
    TimeoutFuture::new(60).await;
    assert!(get(&cache, "short").unwrap().is_undefined());
    assert_eq!(get(&cache, "long").unwrap().as_string().as_deref(), Some("w"));
}

#[wasm_bindgen_test]
async fn wrong_types_from_js_become_errors_with_codes() {
    let cache = cache("types").await;
    // Keys of `set`, `get`, `observe` and `peek` are `&str`, and write options arrive typed: the
    // facade refuses other types (tests/unit/args.test.mjs, tests/e2e/arguments.test.mjs); the
    // engine judges their values. The other exports read a key from any JS value.
    let err = cache.invalidate(JsValue::from_f64(42.0)).unwrap_err();
    assert!(err.is_instance_of::<js_sys::Error>());
    assert_eq!(code_of(err), "INVALID_TARGET");
    assert_eq!(code_of(cache.start_fetch(JsValue::NULL, JsValue::UNDEFINED).unwrap_err()), "INVALID_KEY");
    assert_eq!(code_of(set_with_ttl(&cache, "", "v".into(), None).unwrap_err()), "INVALID_KEY");
    assert_eq!(code_of(set_with_ttl(&cache, "k", "v".into(), Some(-1.0)).unwrap_err()), "INVALID_TTL");
    assert_eq!(code_of(set_with_ttl(&cache, "k", "v".into(), Some(f64::NAN)).unwrap_err()), "INVALID_TTL");
    let bad_tier = written(&cache, cache.set("k", "v".into(), Some(3), None, None, JsValue::UNDEFINED, None));
    assert_eq!(code_of(bad_tier.unwrap_err()), "INVALID_TIER");
    for tags in [js_sys::Array::of1(&"".into()), js_sys::Array::of1(&JsValue::from_f64(1.0))] {
        let bad_tags = written(&cache, cache.set("k", "v".into(), None, None, None, tags.into(), None));
        assert_eq!(code_of(bad_tags.unwrap_err()), "INVALID_OPTIONS");
    }
    assert_eq!(code_of(set_with_ttl(&cache, "k", JsValue::UNDEFINED, Some(1.0)).unwrap_err()), "INVALID_VALUE");
    assert_eq!(code_of(cache.invalidate(JsValue::from_f64(3.0)).unwrap_err()), "INVALID_TARGET");
    assert_eq!(code_of(cache.invalidate(object(&[("prefix", "".into())])).unwrap_err()), "INVALID_TARGET");
    assert!(get(&cache, "k").unwrap().is_undefined(), "nothing was stored by a refused write");
}

/// The values of creation options the engine judges, as the facade passes them flat (wrong types
/// — no options object, a namespace or user that is not a string, a `migrate` that is not a
/// function — are refused by the facade's `createArgs` with the same codes: tests/unit/args.test.mjs
/// and tests/e2e/arguments.test.mjs).
#[wasm_bindgen_test]
async fn bad_creation_options_are_refused_with_codes() {
    let code = |refused: Result<WasmCache, JsValue>| code_of(refused.err().expect("must be refused"));
    let none = [None; 3];
    assert_eq!(code(open("", None, Defaults::default(), none)), "INVALID_NAMESPACE");
    assert_eq!(code(open("has space", None, Defaults::default(), none)), "INVALID_NAMESPACE");
    assert_eq!(code(open("ok", Some(""), Defaults::default(), none)), "INVALID_USER");
    let nan_ttl = Defaults { ttl_ms: Some(f64::NAN), ..Defaults::default() };
    assert_eq!(code(open("ok", None, nan_ttl, none)), "INVALID_TTL");
    let bad_tier = Defaults { tier: Some(3), ..Defaults::default() };
    assert_eq!(code(open("ok", None, bad_tier, none)), "INVALID_TIER");
    assert_eq!(code(open("ok", None, Defaults::default(), [None, Some(-1.0), None])), "INVALID_OPTIONS");
    assert_eq!(code(open("ok", None, Defaults::default(), [Some(f64::NAN), None, None])), "INVALID_OPTIONS");
}

#[wasm_bindgen_test]
async fn local_entries_are_json_envelopes_under_scoped_keys() {
    let cache = cache("envelope").await;
    let tags = js_sys::Array::of1(&"t".into()).into();
    written(&cache, cache.set("k", object(&[("n", JsValue::from_f64(1.0))]), Some(1), None, None, tags, None)).unwrap();
    let text = local_storage().get_item("cachebus:envelope:u_1:k").unwrap().expect("persisted");
    let envelope = JSON::parse(&text).unwrap();
    let field = |name: &str| Reflect::get(&envelope, &name.into()).unwrap();
    assert_eq!(field("cb").as_f64(), Some(1.0));
    assert_eq!(JSON::stringify(&field("d")).unwrap().as_string().as_deref(), Some(r#"{"n":1}"#));
    assert_eq!(JSON::stringify(&field("t")).unwrap().as_string().as_deref(), Some(r#"["t"]"#));
    assert!(field("x").is_null(), "no TTL: never expires");
    local_storage().remove_item("cachebus:envelope:u_1:k").unwrap();
}

#[wasm_bindgen_test]
async fn calling_the_cache_from_a_to_json_it_is_running_is_a_typed_error_not_a_panic() {
    let cache = std::rc::Rc::new(cache("reentrant").await);
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let (inner, log) = (cache.clone(), seen.clone());
    let to_json = wasm_bindgen::closure::Closure::<dyn Fn() -> JsValue>::new(move || {
        for result in [inner.stats(), get(&inner, "k"), inner.namespace().map(JsValue::from)] {
            log.borrow_mut().push(result.err().map(code_of));
        }
        JsValue::from_str("encoded")
    });
    let value = object(&[("toJSON", to_json.as_ref().clone())]);
    written(&cache, cache.set("k", value, Some(1), None, None, JsValue::UNDEFINED, None)).unwrap();
    let reentrant = Some("REENTRANT".to_owned());
    assert_eq!(*seen.borrow(), [reentrant.clone(), reentrant.clone(), reentrant]);
    assert!(cache.stats().is_ok(), "the cache is usable afterwards");
    assert_eq!(
        local_storage().get_item("cachebus:reentrant:u_1:k").unwrap().map(|t| t.contains("\"encoded\"")),
        Some(true)
    );
    local_storage().remove_item("cachebus:reentrant:u_1:k").unwrap();
}

#[wasm_bindgen_test]
async fn a_closed_cache_throws_closed() {
    let cache = cache("closed").await;
    set_with_ttl(&cache, "k", "v".into(), None).unwrap();
    cache.close();
    assert_eq!(code_of(get(&cache, "k").unwrap_err()), "CLOSED");
    assert_eq!(code_of(cache.plan_read("k".into()).unwrap_err()), "CLOSED");
}

#[wasm_bindgen_test]
fn the_js_names_made_once_are_the_cores_names() {
    use cachebus::core::{ChangeKind, Origin, State, Tier};
    use cachebus::web::names;
    let same = |js: js_sys::JsString, rust: &str| assert_eq!(String::from(js), rust);
    for state in [State::Fresh, State::Stale, State::Expired] {
        same(names::state(state), state.as_str());
    }
    for tier in Tier::ALL {
        same(names::tier(tier), tier.as_str());
    }
    for kind in [
        ChangeKind::Set,
        ChangeKind::Invalidate,
        ChangeKind::Remove,
        ChangeKind::Evict,
        ChangeKind::Expire,
        ChangeKind::Clear,
    ] {
        same(names::kind(kind), kind.as_str());
    }
    for origin in [Origin::Local, Origin::Tab, Origin::Push] {
        same(names::origin(origin), origin.as_str());
    }
}
