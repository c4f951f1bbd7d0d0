//! The `idb` tier as the engine sees it: a [`Store`] whose writes the facade's `IdbTier`
//! (`src/ts/internal/idb-tier.ts`) performs. The engine decides what to write and delete and this
//! module builds the metadata records (see [`super::envelope`]); the facade batches the requests
//! of a tick into one transaction, journals the metadata, and reads values back when the engine
//! asks (the async half of the tier, which keeps futures out of the wasm). Values are stored by
//! structured clone, under `[user, key]` (`""` for signed out).

use js_sys::Object;
use wasm_bindgen::prelude::*;

use super::envelope::to_object;
use super::version::Versioning;
use crate::core::{EntryMeta, Scope, Store, StoreError};

#[wasm_bindgen]
extern "C" {
    /// The facade's `IdbTier`. Its methods never throw; a write returns what became of it:
    /// `0` written, `1` the value cannot be cloned, `2` quota, `3` unavailable.
    #[derive(Clone)]
    pub type IdbTier;

    #[wasm_bindgen(method)]
    fn put(this: &IdbTier, user: &str, key: &str, value: &JsValue, record: &Object) -> u8;
    #[wasm_bindgen(method)]
    fn rewrite(this: &IdbTier, user: &str, key: &str, record: &Object) -> u8;
    #[wasm_bindgen(method)]
    fn delete(this: &IdbTier, user: &str, key: &str);
    #[wasm_bindgen(method, js_name = deletePrefix)]
    fn delete_prefix(this: &IdbTier, user: &str, prefix: &str);
}

/// The engine's handle on the tier (cheap to clone). Without a tier (a cache made outside the
/// facade) it holds nothing and every write fails as unavailable.
#[derive(Clone)]
pub struct IdbStore {
    tier: Option<IdbTier>,
    versioning: Versioning,
}

impl IdbStore {
    /// A store writing through `tier` (anything but an object: none), with records of `versioning`.
    pub fn new(tier: JsValue, versioning: Versioning) -> IdbStore {
        IdbStore { tier: tier.is_object().then(|| tier.unchecked_into()), versioning }
    }

    fn write(&self, written: impl FnOnce(&IdbTier) -> u8) -> Result<(), StoreError> {
        match self.tier.as_ref().map(written) {
            Some(0) => Ok(()),
            Some(1) => Err(StoreError::Unencodable),
            Some(2) => Err(StoreError::Quota(0)),
            _ => Err(StoreError::Unavailable),
        }
    }
}

/// The user part of an entry's IndexedDB key.
fn owner(scope: &Scope) -> &str {
    scope.user().unwrap_or("")
}

impl Store<JsValue> for IdbStore {
    fn put(
        &mut self,
        scope: &Scope,
        key: &str,
        value: Option<&JsValue>,
        meta: &EntryMeta,
    ) -> Result<usize, StoreError> {
        if value.is_some_and(|v| v.is_undefined()) {
            return Err(StoreError::Unencodable);
        }
        let record = to_object(meta, &self.versioning.version, &JsValue::UNDEFINED);
        self.write(|tier| match value {
            Some(value) => tier.put(owner(scope), key, value, &record),
            None => tier.rewrite(owner(scope), key, &record),
        })?;
        Ok(meta.size)
    }

    /// The value stays as it is: only the new metadata is journaled.
    fn put_meta(
        &mut self,
        scope: &Scope,
        key: &str,
        _: Option<&JsValue>,
        meta: &EntryMeta,
    ) -> Result<usize, StoreError> {
        self.put(scope, key, None, meta)
    }

    fn delete(&mut self, scope: &Scope, key: &str) {
        if let Some(tier) = &self.tier {
            tier.delete(owner(scope), key);
        }
    }

    /// One deletion of the prefix's key range.
    fn delete_prefix(&mut self, scope: &Scope, prefix: &str, _: &[String]) {
        if let Some(tier) = &self.tier {
            tier.delete_prefix(owner(scope), prefix);
        }
    }

    fn clear_scope(&mut self, scope: &Scope) {
        self.delete_prefix(scope, "", &[]);
    }
}
