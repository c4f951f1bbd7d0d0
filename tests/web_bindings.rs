//! The bindings in real headless Chromium: JS values kept as is, typed errors, real-time expiry.
#![cfg(target_arch = "wasm32")]

use cachebus::bindings::WasmCache;
use gloo_timers::future::TimeoutFuture;
use js_sys::{Object, Reflect};
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

fn ttl(ms: f64) -> JsValue {
    object(&[("ttlMs", JsValue::from_f64(ms))])
}

fn cache() -> WasmCache {
    WasmCache::new(object(&[("namespace", "web-test".into()), ("user", "u_1".into())])).unwrap()
}

fn code_of(error: JsValue) -> String {
    Reflect::get(&error, &"code".into()).unwrap().as_string().unwrap()
}

#[wasm_bindgen_test]
fn get_returns_the_very_same_js_object() {
    let mut cache = cache();
    let value = object(&[("balance", JsValue::from_f64(100.0))]);
    cache.set("balance".into(), value.clone(), ttl(60_000.0)).unwrap();
    let got = cache.get("balance".into()).unwrap();
    assert!(Object::is(&got, &value), "stored by reference, not copied through serde");
}

#[wasm_bindgen_test]
fn scope_is_readable_from_js() {
    let cache = cache();
    assert_eq!(cache.namespace(), "web-test");
    assert_eq!(cache.user().as_deref(), Some("u_1"));
}

#[wasm_bindgen_test]
async fn entries_expire_with_the_browser_clock() {
    let mut cache = cache();
    cache.set("short".into(), "v".into(), ttl(30.0)).unwrap();
    cache.set("long".into(), "w".into(), ttl(60_000.0)).unwrap();
    assert_eq!(cache.get("short".into()).unwrap().as_string().as_deref(), Some("v"));
    TimeoutFuture::new(60).await;
    assert!(cache.get("short".into()).unwrap().is_undefined());
    assert_eq!(cache.get("long".into()).unwrap().as_string().as_deref(), Some("w"));
}

#[wasm_bindgen_test]
fn wrong_types_from_js_become_errors_with_codes() {
    let mut cache = cache();
    let err = cache.set(JsValue::from_f64(42.0), "v".into(), JsValue::UNDEFINED).unwrap_err();
    assert!(err.is_instance_of::<js_sys::Error>());
    assert_eq!(code_of(err), "INVALID_KEY");
    assert_eq!(code_of(cache.get(JsValue::NULL).unwrap_err()), "INVALID_KEY");
    assert_eq!(code_of(cache.set("k".into(), "v".into(), ttl(-1.0)).unwrap_err()), "INVALID_TTL");
    let ttl_string = object(&[("ttlMs", "100".into())]);
    assert_eq!(code_of(cache.set("k".into(), "v".into(), ttl_string).unwrap_err()), "INVALID_TTL");
    assert_eq!(code_of(cache.set("k".into(), "v".into(), "fast".into()).unwrap_err()), "INVALID_OPTIONS");
    assert_eq!(code_of(cache.set("k".into(), JsValue::UNDEFINED, ttl(1.0)).unwrap_err()), "INVALID_VALUE");
    assert!(cache.get("k".into()).unwrap().is_undefined(), "nothing was stored by a refused write");
}

#[wasm_bindgen_test]
fn bad_creation_options_are_refused_with_codes() {
    let code = |options: JsValue| code_of(WasmCache::new(options).err().expect("must be refused"));
    assert_eq!(code(JsValue::UNDEFINED), "INVALID_OPTIONS");
    assert_eq!(code(object(&[])), "INVALID_NAMESPACE");
    assert_eq!(code(object(&[("namespace", JsValue::from_f64(1.0))])), "INVALID_NAMESPACE");
    assert_eq!(code(object(&[("namespace", "has space".into())])), "INVALID_NAMESPACE");
    assert_eq!(code(object(&[("namespace", "ok".into()), ("user", JsValue::TRUE)])), "INVALID_USER");
    let defaults = object(&[("ttlMs", JsValue::from_f64(f64::NAN))]);
    assert_eq!(code(object(&[("namespace", "ok".into()), ("defaults", defaults)])), "INVALID_TTL");
}

#[wasm_bindgen_test]
fn a_closed_cache_throws_closed() {
    let mut cache = cache();
    cache.set("k".into(), "v".into(), JsValue::UNDEFINED).unwrap();
    cache.close();
    assert_eq!(code_of(cache.get("k".into()).unwrap_err()), "CLOSED");
}
