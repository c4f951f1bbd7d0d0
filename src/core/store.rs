//! The persistent tiers, seen from the engine.
//!
//! A [`Store`] persists entries of one tier (localStorage, IndexedDB) under scoped storage keys.
//! Writes are synchronous calls: localStorage writes at once; IndexedDB queues the write in the
//! current tick's transaction, so a value it cannot clone is refused right away. Reading back is
//! each store's own business (hydration at start-up, `read`), outside this trait.

use super::entry::EntryMeta;
use super::key::Scope;

/// Why a store refused a write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// The storage is full; the write needed this many bytes (0 when unknown).
    Quota(usize),
    /// The storage is missing, disabled or throws on access.
    Unavailable,
    /// The value cannot be encoded for this storage (a cycle, a function, a BigInt…).
    Unencodable,
}

/// One persistent tier.
pub trait Store<V> {
    /// Persists `meta`, and `value` when given (`None`: the value is already stored and only the
    /// metadata changes). Returns the bytes the entry takes.
    fn put(&mut self, scope: &Scope, key: &str, value: Option<&V>, meta: &EntryMeta) -> Result<usize, StoreError>;

    /// Persists a change of `meta` alone (an invalidation): the stored value is unchanged.
    /// `loaded` is the value held in memory, if any: a store that keeps value and metadata in
    /// one record rewrites it from there (the default); one that keeps them apart writes `meta`
    /// only.
    fn put_meta(
        &mut self,
        scope: &Scope,
        key: &str,
        loaded: Option<&V>,
        meta: &EntryMeta,
    ) -> Result<usize, StoreError> {
        self.put(scope, key, loaded, meta)
    }

    /// Deletes the entry of `scope` under `key`, if any.
    fn delete(&mut self, scope: &Scope, key: &str);

    /// Deletes the entries of `scope` whose key starts with `prefix`; `keys` are those of them
    /// the engine holds. The default deletes `keys` one by one; a store whose keys are ordered
    /// deletes the whole key range at once (it may then also reach entries another tab wrote).
    fn delete_prefix(&mut self, scope: &Scope, _prefix: &str, keys: &[String]) {
        for key in keys {
            self.delete(scope, key);
        }
    }

    /// Deletes every entry of `scope` (that namespace and user), and nothing else.
    fn clear_scope(&mut self, scope: &Scope);
}

/// Stores for native tests of the engine's persistence rules.
#[cfg(test)]
pub mod testing {
    use std::cell::RefCell;
    use std::collections::BTreeMap;
    use std::rc::Rc;

    use super::*;

    /// What a [`QuotaStore`] holds: storage key → (size, value if written).
    pub type Contents<V> = Rc<RefCell<BTreeMap<String, (usize, Option<V>)>>>;

    /// A storage that is missing: every write fails as unavailable.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct NoStore;

    impl<V> Store<V> for NoStore {
        fn put(&mut self, _: &Scope, _: &str, _: Option<&V>, _: &EntryMeta) -> Result<usize, StoreError> {
            Err(StoreError::Unavailable)
        }

        fn delete(&mut self, _: &Scope, _: &str) {}

        fn clear_scope(&mut self, _: &Scope) {}
    }

    /// Holds entries under `namespace:user:key` until `quota` bytes are used; each entry weighs
    /// `weight(value)` bytes. Clones share contents, so a test can look inside.
    #[derive(Clone)]
    pub struct QuotaStore<V> {
        /// The stored entries.
        pub contents: Contents<V>,
        /// The metadata last written under each storage key.
        pub metas: Rc<RefCell<BTreeMap<String, EntryMeta>>>,
        /// Bytes available in all.
        pub quota: usize,
        weight: fn(&V) -> usize,
    }

    impl<V: Clone> QuotaStore<V> {
        /// An empty store of `quota` bytes.
        pub fn new(quota: usize, weight: fn(&V) -> usize) -> Self {
            QuotaStore { contents: Rc::default(), metas: Rc::default(), quota, weight }
        }

        /// The storage key of `key` in `scope`.
        pub fn storage_key(scope: &Scope, key: &str) -> String {
            format!("{}:{}:{key}", scope.namespace(), scope.user().unwrap_or(""))
        }

        fn used_without(&self, storage_key: &str) -> usize {
            self.contents.borrow().iter().filter(|(k, _)| *k != storage_key).map(|(_, (size, _))| size).sum()
        }
    }

    impl<V: Clone> Store<V> for QuotaStore<V> {
        fn put(&mut self, scope: &Scope, key: &str, value: Option<&V>, meta: &EntryMeta) -> Result<usize, StoreError> {
            let storage_key = Self::storage_key(scope, key);
            let value = match value {
                Some(value) => Some(value.clone()),
                None => self.contents.borrow().get(&storage_key).and_then(|(_, v)| v.clone()),
            };
            let size = value.as_ref().map_or(0, self.weight);
            if self.used_without(&storage_key) + size > self.quota {
                return Err(StoreError::Quota(size));
            }
            self.metas.borrow_mut().insert(storage_key.clone(), meta.clone());
            self.contents.borrow_mut().insert(storage_key, (size, value));
            Ok(size)
        }

        fn delete(&mut self, scope: &Scope, key: &str) {
            self.contents.borrow_mut().remove(&Self::storage_key(scope, key));
        }

        fn clear_scope(&mut self, scope: &Scope) {
            let prefix = Self::storage_key(scope, "");
            self.contents.borrow_mut().retain(|k, _| !k.starts_with(&prefix));
        }
    }
}
