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
//! everything before it. Records are built and replayed by `journal.js`.
//!
//! The same tick's changes other tabs must hear of (new values and deletions, not metadata
//! rewrites, which invalidations relay themselves) are collected beside, in the same op format.

use std::cell::RefCell;

use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;

use crate::core::hash::FastMap;

#[wasm_bindgen(module = "/src/web/journal.js")]
extern "C" {
    #[wasm_bindgen(js_name = journalRecord)]
    fn journal_record(user: &str, ops: &Array, snapshot: bool) -> Object;

    /// A user's journal replayed (see `replayJournal` in journal.js).
    pub type Replayed;

    /// Replays the records of `user` among `records`, whose store keys are `keys`, and judges
    /// them and the keys of the `values` store, `value_keys`.
    #[wasm_bindgen(js_name = replayJournal)]
    pub fn replay_journal(user: &str, keys: &JsValue, records: &JsValue, value_keys: &JsValue) -> Replayed;

    /// The surviving entries, a flat `[key, metadata object, ...]` (metadata not yet checked).
    #[wasm_bindgen(method, getter)]
    pub fn entries(this: &Replayed) -> Array;

    /// The store keys of the user's records, in order.
    #[wasm_bindgen(method, getter, js_name = recordKeys)]
    pub fn record_keys(this: &Replayed) -> Array;

    /// One snapshot record to replace them, when there were several or some ops or entries went
    /// (else `undefined`).
    #[wasm_bindgen(method, getter)]
    pub fn snapshot(this: &Replayed) -> JsValue;

    /// The store keys of journal records of no known shape, to delete.
    #[wasm_bindgen(method, getter)]
    pub fn garbage(this: &Replayed) -> Array;

    /// The keys of values no entry can use, to delete.
    #[wasm_bindgen(method, getter)]
    pub fn strays(this: &Replayed) -> Array;

    /// Per record, op or value found corrupt: the entry key it concerned, or `null`.
    #[wasm_bindgen(method, getter)]
    pub fn corrupt(this: &Replayed) -> Array;
}

/// The ops of one tick for one user, in order, waiting to be appended as one record; and those
/// of them to announce to other tabs.
pub struct PendingOps {
    user: String,
    ops: Array,
    announced: Array,
    /// Where each key written in this tick has its metadata in `announced`.
    written_at: RefCell<FastMap<String, u32>>,
}

impl PendingOps {
    /// No ops yet for `user` (`""`: signed out).
    pub fn new(user: &str) -> PendingOps {
        PendingOps { user: user.to_owned(), ops: Array::new(), announced: Array::new(), written_at: RefCell::default() }
    }

    /// Whose ops these are.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// `key` was written: a new value with metadata `meta`.
    pub fn written(&self, key: &str, meta: &JsValue) {
        let key_value = JsValue::from_str(key);
        push(&self.ops, &key_value, meta);
        self.written_at.borrow_mut().insert(key.to_owned(), self.announced.length() + 1);
        push(&self.announced, &key_value, meta);
    }

    /// `key`'s value is unchanged and its metadata is now `meta` (an invalidation, a 304). Other
    /// tabs hear of it only when the value was written in this tick too: the write is announced
    /// with this metadata, since the relayed invalidation may reach them before the write.
    pub fn rewritten(&self, key: &str, meta: &JsValue) {
        push(&self.ops, &JsValue::from_str(key), meta);
        if let Some(&at) = self.written_at.borrow().get(key) {
            self.announced.set(at, meta.clone());
        }
    }

    /// `key` was deleted.
    pub fn deleted(&self, key: &str) {
        let key_value = JsValue::from_str(key);
        push(&self.ops, &key_value, &JsValue::NULL);
        push(&self.announced, &key_value, &JsValue::NULL);
    }

    /// Every key starting with `prefix` was deleted.
    pub fn deleted_prefix(&self, prefix: &str) {
        let prefix = JsValue::from_str(prefix);
        push(&self.ops, &prefix, &JsValue::TRUE);
        push(&self.announced, &prefix, &JsValue::TRUE);
    }

    /// The record to append, and the ops to announce (empty when there is nothing to tell).
    pub fn into_record(self) -> (Object, Array) {
        (journal_record(&self.user, &self.ops, false), self.announced)
    }
}

/// Appends the op `target, change` to `ops`.
fn push(ops: &Array, target: &JsValue, change: &JsValue) {
    ops.push(target);
    ops.push(change);
}
