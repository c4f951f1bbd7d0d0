//! The app's data `version` and its `migrate` function: what to do with an entry written by
//! another version of the app.

use js_sys::Function;
use wasm_bindgen::JsValue;

/// The version entries are written under, and how older ones are brought forward.
#[derive(Clone, Debug)]
pub struct Versioning {
    /// The app's data version (`null` when none was given).
    pub version: JsValue,
    /// `migrate(value, fromVersion)`: the value to keep, or `undefined` to drop the entry.
    pub migrate: Option<Function>,
}

/// What to do with an entry read back from storage.
pub enum Verdict {
    /// Written by this version: use as is.
    Current,
    /// Another version, migrated to this value: rewrite, then use.
    Migrated(JsValue),
    /// Another version, not migratable: delete.
    Drop,
}

impl Versioning {
    /// Whether an entry written under `written_version` is of this version.
    pub fn is_current(&self, written_version: &JsValue) -> bool {
        js_sys::Object::is(written_version, &self.version)
    }

    /// Decides about `value` written under `written_version`.
    pub fn judge(&self, written_version: &JsValue, value: &JsValue) -> Verdict {
        if self.is_current(written_version) {
            return Verdict::Current;
        }
        let Some(migrate) = &self.migrate else {
            return Verdict::Drop;
        };
        match migrate.call2(&JsValue::UNDEFINED, value, written_version) {
            Ok(migrated) if !migrated.is_undefined() => Verdict::Migrated(migrated),
            _ => Verdict::Drop, // `undefined` or a throwing migrate: the entry cannot be kept
        }
    }
}
