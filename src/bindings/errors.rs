//! Turning a [`CacheError`] into the JS error the caller catches.
//!
//! The TypeScript facade owns the `CacheError` class (so `instanceof` works before wasm loads);
//! it registers a factory once at start-up. Without one, a plain `Error` named `CacheError` with
//! the same `code` property is thrown.

use std::cell::RefCell;

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;

use crate::core::CacheError;

thread_local! {
    static ERROR_FACTORY: RefCell<Option<Function>> = const { RefCell::new(None) };
}

/// Registers `factory(code, message)`, which returns the error object to throw.
#[wasm_bindgen(js_name = setErrorFactory)]
pub fn set_error_factory(factory: Function) {
    ERROR_FACTORY.with(|slot| *slot.borrow_mut() = Some(factory));
}

/// The JS error for `err`: from the registered factory, or a plain `Error` with a `code`.
pub(crate) fn to_js(err: CacheError) -> JsValue {
    let code = JsValue::from_str(err.code.as_str());
    let message = JsValue::from_str(err.message);
    let made = ERROR_FACTORY.with(|slot| {
        slot.borrow().as_ref().and_then(|factory| factory.call2(&JsValue::UNDEFINED, &code, &message).ok())
    });
    made.unwrap_or_else(|| plain_error(&code, err.message))
}

fn plain_error(code: &JsValue, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    error.set_name("CacheError");
    // Setting a property on a fresh Error object cannot fail; if it somehow did, the error is
    // still thrown, only without its code.
    let _ = Reflect::set(&error, &JsValue::from_str("code"), code);
    error.into()
}
