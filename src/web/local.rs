//! The `local` tier: entries as JSON envelopes in `localStorage`, under scoped storage keys.
//!
//! Every access is fallible: a missing or disabled storage (sandboxed frame, privacy settings),
//! or one whose methods throw, makes writes and reads fail as unavailable (the caller reports
//! it); a full storage fails as quota.
//! Keys without our scope prefix are never read, rewritten or removed, except the legacy keys a
//! caller names in [`LocalStore::clean_legacy`].

use js_sys::JsString;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{DomException, Storage, StorageEvent};

use super::envelope::{decode, encode, Decoded};
use super::version::{Verdict, Versioning};
use crate::core::{EntryMeta, Scope, Store, StoreError, Tier, STORAGE_PREFIX};

#[wasm_bindgen]
extern "C" {
    /// `localStorage` seen through `getItem`/`setItem` that leave texts JS strings: entries are
    /// parsed and written by `JSON`, never read in Rust, so copying each text into wasm and back
    /// would be pure cost (see D-43 in docs/decisions.md).
    type TextStorage;
    #[wasm_bindgen(method, catch, js_name = getItem)]
    fn get_text(this: &TextStorage, key: &str) -> Result<Option<JsString>, JsValue>;
    #[wasm_bindgen(method, catch, js_name = setItem)]
    fn set_text(this: &TextStorage, key: &str, value: &JsString) -> Result<(), JsValue>;

    /// A `storage` event whose new text stays a JS string, for the same reason.
    type TextStorageEvent;
    #[wasm_bindgen(method, getter, js_name = newValue)]
    fn new_text(this: &TextStorageEvent) -> Option<JsString>;
}

/// A handle on `localStorage` (cheap to clone).
#[derive(Clone, Debug)]
pub struct LocalStore {
    storage: Option<Storage>,
    versioning: Versioning,
}

/// What reading a scope found.
#[derive(Default)]
pub struct Loaded {
    /// Intact entries of the current version: key (without prefix), value, metadata.
    pub entries: Vec<(String, JsValue, EntryMeta)>,
    /// Keys (without prefix) of corrupt entries, already removed.
    pub corrupt: Vec<String>,
    /// localStorage is missing or threw while being read: what it holds was not (all) loaded.
    pub unavailable: bool,
}

impl LocalStore {
    /// Opens `window.localStorage`; a missing or throwing storage gives a store that holds nothing.
    pub fn open(versioning: Versioning) -> Self {
        let storage = web_sys::window().and_then(|window| window.local_storage().ok().flatten());
        LocalStore { storage, versioning }
    }

    /// Every entry of `scope`. Corrupt entries and entries of another version that `migrate`
    /// cannot bring forward are removed; migrated entries are rewritten. A storage that is
    /// missing or throws is `unavailable`: reading stops at the first failure (it will not
    /// answer the next key either), keeping what was read.
    pub fn load_scope(&self, scope: &Scope) -> Loaded {
        let mut loaded = Loaded::default();
        let prefix = scope.storage_prefix();
        let Ok(keys) = self.keys() else {
            loaded.unavailable = true;
            return loaded;
        };
        for storage_key in keys {
            let Some(key) = storage_key.strip_prefix(&prefix).map(str::to_owned) else { continue };
            match self.load_key(&storage_key) {
                Ok(Some((value, meta))) => loaded.entries.push((key, value, meta)),
                Ok(None) if matches!(self.get_item(&storage_key), Ok(Some(_))) => {
                    self.remove_item(&storage_key);
                    loaded.corrupt.push(key);
                }
                Ok(None) => {} // dropped for its version
                Err(_) => {
                    loaded.unavailable = true;
                    break;
                }
            }
        }
        loaded
    }

    /// The entry of `scope` under `key`, or `None` when missing, corrupt (left for the caller to
    /// report via [`LocalStore::remove_corrupt`]) or of a version that was dropped; `Err` when
    /// the storage is missing or throws (the entry may well be intact).
    pub fn load(&self, scope: &Scope, key: &str) -> Result<Option<(JsValue, EntryMeta)>, StoreError> {
        self.load_key(&storage_key(scope, key))
    }

    /// Removes the entry under `key` if it is present but unreadable; returns whether it was.
    pub fn remove_corrupt(&self, scope: &Scope, key: &str) -> bool {
        let storage_key = storage_key(scope, key);
        let corrupt = matches!(self.get_item(&storage_key), Ok(Some(text)) if decode(&text, Tier::Local).is_none());
        if corrupt {
            self.remove_item(&storage_key);
        }
        corrupt
    }

    /// The entry another tab just wrote, from a `storage` event: its key (without the scope
    /// prefix), value and metadata. `None` for another storage or scope, a removal, an unreadable
    /// entry, or one of another version (never migrated here: the tab that wrote it owns it).
    pub fn written_elsewhere(&self, scope: &Scope, event: &StorageEvent) -> Option<(String, JsValue, EntryMeta)> {
        if event.storage_area() != self.storage {
            return None;
        }
        let storage_key = event.key()?;
        let key = storage_key.strip_prefix(&scope.storage_prefix())?.to_owned();
        let text = event.unchecked_ref::<TextStorageEvent>().new_text()?;
        let Decoded { mut meta, version, value } = decode(&text, Tier::Local)?;
        if !self.versioning.is_current(&version) {
            return None;
        }
        meta.size = weight(&storage_key, &text);
        Some((key, value, meta))
    }

    /// Removes keys left by code that predates cachebus: each name is an exact key, or a prefix
    /// when it ends with `*`. Keys cachebus writes itself are never matched. Returns how many went.
    pub fn clean_legacy(&self, names: &[String]) -> usize {
        let matches = |key: &str| {
            !key.starts_with(STORAGE_PREFIX)
                && names.iter().any(|name| match name.strip_suffix('*') {
                    Some(prefix) => key.starts_with(prefix),
                    None => key == name,
                })
        };
        // A storage that cannot be listed holds nothing this can remove.
        let doomed: Vec<String> = self.keys().unwrap_or_default().into_iter().filter(|key| matches(key)).collect();
        for key in &doomed {
            self.remove_item(key);
        }
        doomed.len()
    }

    fn load_key(&self, storage_key: &str) -> Result<Option<(JsValue, EntryMeta)>, StoreError> {
        let Some(text) = self.get_item(storage_key)? else { return Ok(None) };
        let Some(Decoded { mut meta, version, value }) = decode(&text, Tier::Local) else { return Ok(None) };
        meta.size = weight(storage_key, &text);
        Ok(match self.versioning.judge(&version, &value) {
            Verdict::Current => Some((value, meta)),
            Verdict::Migrated(value) => encode(&meta, &self.versioning.version, &value)
                .and_then(|text| self.set_item(storage_key, &text))
                .ok()
                .map(|()| (value, meta)),
            Verdict::Drop => {
                self.remove_item(storage_key);
                None
            }
        })
    }

    /// Every key of the storage; `Err` when it is missing or its `length` or `key` throws.
    fn keys(&self) -> Result<Vec<String>, StoreError> {
        let storage = self.storage.as_ref().ok_or(StoreError::Unavailable)?;
        let count = storage.length().map_err(|_| StoreError::Unavailable)?;
        (0..count).filter_map(|i| storage.key(i).map_err(|_| StoreError::Unavailable).transpose()).collect()
    }

    /// The text under `storage_key`; `Err` when the storage is missing or `getItem` throws.
    fn get_item(&self, storage_key: &str) -> Result<Option<JsString>, StoreError> {
        let storage = self.storage.as_ref().ok_or(StoreError::Unavailable)?;
        storage.unchecked_ref::<TextStorage>().get_text(storage_key).map_err(|_| StoreError::Unavailable)
    }

    fn set_item(&self, storage_key: &str, text: &JsString) -> Result<(), StoreError> {
        let storage = self.storage.as_ref().ok_or(StoreError::Unavailable)?;
        storage.unchecked_ref::<TextStorage>().set_text(storage_key, text).map_err(|error| {
            match error.dyn_ref::<DomException>().map(DomException::name).as_deref() {
                Some("QuotaExceededError") => StoreError::Quota(weight(storage_key, text)),
                _ => StoreError::Unavailable,
            }
        })
    }

    fn remove_item(&self, storage_key: &str) {
        if let Some(storage) = &self.storage {
            let _ = storage.remove_item(storage_key);
        }
    }
}

impl Store<JsValue> for LocalStore {
    fn put(
        &mut self,
        scope: &Scope,
        key: &str,
        value: Option<&JsValue>,
        meta: &EntryMeta,
    ) -> Result<usize, StoreError> {
        let storage_key = storage_key(scope, key);
        let value = match value {
            Some(value) => value.clone(),
            None => self.load_key(&storage_key)?.map(|(value, _)| value).ok_or(StoreError::Unavailable)?,
        };
        let text = encode(meta, &self.versioning.version, &value)?;
        self.set_item(&storage_key, &text)?;
        Ok(weight(&storage_key, &text))
    }

    fn delete(&mut self, scope: &Scope, key: &str) {
        self.remove_item(&storage_key(scope, key));
    }

    fn clear_scope(&mut self, scope: &Scope) {
        let prefix = scope.storage_prefix();
        for key in self.keys().unwrap_or_default().into_iter().filter(|key| key.starts_with(&prefix)) {
            self.remove_item(&key);
        }
    }
}

/// What an entry weighs in localStorage: its key's bytes and its text's UTF-16 units (browsers
/// count the quota in characters; for ASCII envelopes both are bytes).
fn weight(storage_key: &str, text: &JsString) -> usize {
    storage_key.len() + text.length() as usize
}

fn storage_key(scope: &Scope, key: &str) -> String {
    let mut storage_key = scope.storage_prefix();
    storage_key.push_str(key);
    storage_key
}
