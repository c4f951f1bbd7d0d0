//! The `idb` tier's metadata journal: records that say what changed, replayed at start-up.
//!
//! Every metadata change of a tick (a write, an invalidation, a deletion) is appended to one
//! journal record instead of rewriting one metadata record per entry: writing an entry costs one
//! `put` (its value) plus a share of the tick's one journal `add`, and invalidating a hundred
//! entries costs one `add`. Start-up replays the records of the user in key order (the store's key
//! generator orders them across tabs) and compacts them into one snapshot record.
//!
//! A record is `{ u: user, o: ops, s?: true }`; `ops` is a flat array of pairs:
//! `key, metadata object` (written or invalidated), `key, null` (deleted) and `prefix, true`
//! (every key starting with `prefix` deleted; `""` clears the user). A snapshot (`s`) replaces
//! everything before it. Records of another shape are left alone.

use std::collections::BTreeMap;
use std::ops::Bound;

use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// One journal record. Getters catch (a foreign object may have throwing ones).
    #[wasm_bindgen(extends = Object)]
    pub type JournalRecord;

    #[wasm_bindgen(method, getter, catch)]
    fn u(this: &JournalRecord) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, setter)]
    fn set_u(this: &JournalRecord, value: &str);
    #[wasm_bindgen(method, getter, catch)]
    fn o(this: &JournalRecord) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, setter)]
    fn set_o(this: &JournalRecord, value: &Array);
    #[wasm_bindgen(method, getter, catch)]
    fn s(this: &JournalRecord) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, setter)]
    fn set_s(this: &JournalRecord, value: bool);
}

/// The ops of one tick for one user, in order, waiting to be appended as one record.
pub struct PendingOps {
    user: String,
    ops: Array,
}

impl PendingOps {
    /// No ops yet for `user` (`""`: signed out).
    pub fn new(user: &str) -> PendingOps {
        PendingOps { user: user.to_owned(), ops: Array::new() }
    }

    /// Whose ops these are.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// `key` now has metadata `meta`.
    pub fn written(&self, key: &str, meta: &JsValue) {
        self.ops.push(&JsValue::from_str(key));
        self.ops.push(meta);
    }

    /// `key` was deleted.
    pub fn deleted(&self, key: &str) {
        self.ops.push(&JsValue::from_str(key));
        self.ops.push(&JsValue::NULL);
    }

    /// Every key starting with `prefix` was deleted.
    pub fn deleted_prefix(&self, prefix: &str) {
        self.ops.push(&JsValue::from_str(prefix));
        self.ops.push(&JsValue::TRUE);
    }

    /// The record to append.
    pub fn into_record(self) -> JournalRecord {
        record(&self.user, &self.ops, false)
    }
}

/// A user's journal replayed: the metadata object of every key still there, and the store keys
/// of the records replayed (to compact).
#[derive(Default)]
pub struct Replayed {
    /// Key → metadata object as last written (not yet checked: [`super::envelope::from_object`]).
    pub entries: BTreeMap<String, JsValue>,
    /// Store keys of `user`'s records, in order.
    pub record_keys: Vec<JsValue>,
}

impl Replayed {
    /// Replays, in order, the records (with their store keys) that belong to `user`.
    pub fn of_user(user: &str, keys: &Array, records: &Array) -> Replayed {
        let mut replayed = Replayed::default();
        for (store_key, record) in keys.iter().zip(records.iter()) {
            let record: &JournalRecord = record.unchecked_ref();
            if !record.is_object() || record.u().ok().and_then(|u| u.as_string()).as_deref() != Some(user) {
                continue;
            }
            let Some(ops) = record.o().ok().and_then(|o| o.dyn_into::<Array>().ok()) else { continue };
            if record.s().is_ok_and(|s| s.is_truthy()) {
                replayed.entries.clear();
            }
            replayed.apply(&ops);
            replayed.record_keys.push(store_key);
        }
        replayed
    }

    /// One snapshot record of `user` holding `entries`, to replace the replayed records.
    pub fn snapshot(&self, user: &str) -> JournalRecord {
        let ops = Array::new_with_length(2 * self.entries.len() as u32);
        for (i, (key, meta)) in self.entries.iter().enumerate() {
            ops.set(2 * i as u32, JsValue::from_str(key));
            ops.set(2 * i as u32 + 1, meta.clone());
        }
        record(user, &ops, true)
    }

    fn apply(&mut self, ops: &Array) {
        let mut i = 0;
        while i + 1 < ops.length() {
            let (target, change) = (ops.get(i), ops.get(i + 1));
            i += 2;
            let Some(target) = target.as_string() else { continue };
            if change.is_object() {
                self.entries.insert(target, change);
            } else if change.is_null() {
                self.entries.remove(&target);
            } else if change.as_bool() == Some(true) {
                self.delete_prefix(&target);
            }
        }
    }

    fn delete_prefix(&mut self, prefix: &str) {
        // The keys starting with `prefix` follow it, one run, in any lexicographic order.
        let doomed: Vec<String> = (self.entries.range::<str, _>((Bound::Included(prefix), Bound::Unbounded)))
            .map(|(key, _)| key)
            .take_while(|key| key.starts_with(prefix))
            .cloned()
            .collect();
        for key in doomed {
            self.entries.remove(&key);
        }
    }
}

fn record(user: &str, ops: &Array, snapshot: bool) -> JournalRecord {
    let record: JournalRecord = Object::new().unchecked_into();
    record.set_u(user);
    record.set_o(ops);
    if snapshot {
        record.set_s(true);
    }
    record
}
