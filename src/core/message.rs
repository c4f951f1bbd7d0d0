//! Messages between tabs: what one tab tells the others, and which messages are refused.
//!
//! A message is `{ cb: 1, kind, user, at?, name?, detail?, target?, ops? }` (structured clone over a
//! `BroadcastChannel`). Anything else — another format version, an unknown kind, a message over
//! [`MAX_MESSAGE_BYTES`], a malformed user, name, target or op — is refused: counted, never
//! applied.

use super::clock::Millis;
use super::entry::EntryMeta;
use super::key::validate_key;
use super::target::Target;

/// The message format version written in `cb`.
pub const MESSAGE_VERSION: f64 = 1.0;

/// Largest accepted message, measured as the length of its JSON text.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Longest accepted event name.
pub const MAX_EVENT_NAME_LEN: usize = 256;

/// What a message asks of the tabs that receive it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// Dispatch app event `name` (its `detail` travels beside) and apply its rule.
    Emit {
        /// The event name.
        name: String,
    },
    /// Mark these entries stale in memory.
    Invalidate(Target),
    /// Drop these entries from memory.
    Remove(Target),
    /// The user signed out: drop their entries from memory.
    Clear,
    /// The sender's IndexedDB writes and deletions of one tick (kind `"idb"`), in order: learn
    /// of the written entries (their values are read from IndexedDB on demand), drop the deleted.
    Idb(Vec<IdbChange>),
}

/// One change a tab made to its `idb` entries, as its `"idb"` message lists it: `ops` is a flat
/// array of `key, metadata` (written), `key, null` (deleted) and `prefix, true` (deleted under
/// it), the journal's op format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdbChange {
    /// `key` was written with this metadata; its value is in IndexedDB.
    Written(String, EntryMeta),
    /// `key` was deleted.
    Deleted(String),
    /// Every key starting with this prefix was deleted (`""`: all of the user's).
    DeletedPrefix(String),
}

impl IdbChange {
    /// Whether its key (or prefix) is one a cache could hold.
    fn is_valid(&self) -> bool {
        match self {
            IdbChange::Written(key, _) | IdbChange::Deleted(key) => validate_key(key).is_ok(),
            IdbChange::DeletedPrefix(prefix) => prefix.is_empty() || validate_key(prefix).is_ok(),
        }
    }
}

/// A checked message: what to do, for which user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The user the sender acted for (`None`: signed out). Receivers signed in as someone else
    /// ignore it.
    pub user: Option<String>,
    /// When the sender made the change (`Date.now()` ms), if it said: a receiver that heard of
    /// it late applies it only to what it knew before then (see `Engine::invalidate_seen`).
    pub at: Option<Millis>,
    /// For a server push relayed by the tab that heard it: that tab's id and the push's
    /// fingerprint (see [`super::push`]).
    pub push: Option<(u64, String)>,
    /// What to do.
    pub request: Request,
}

/// The fields of a received message, as read (each `None` when missing or of the wrong type).
#[derive(Debug, Default)]
pub struct Received {
    /// `cb`.
    pub version: Option<f64>,
    /// `kind`.
    pub kind: Option<String>,
    /// `user`: `Some(None)` for `null` (signed out), `None` when missing or not a string.
    pub user: Option<Option<String>>,
    /// `at`: `Some(None)` when missing (older senders), `None` when not a non-negative number.
    pub at: Option<Option<f64>>,
    /// `tab` and `push`, for a relayed server push (`None` when not both there as number and
    /// string).
    pub push: Option<(f64, String)>,
    /// `name`, for `emit`.
    pub name: Option<String>,
    /// `target`, for `invalidate` and `remove`, already parsed (`None` if absent or malformed).
    pub target: Option<Target>,
    /// `ops`, for `idb`, already parsed (`None` if absent or any op is malformed).
    pub changes: Option<Vec<IdbChange>>,
    /// The length of the message's JSON text (`None` when it has none: cycles, BigInt…).
    pub size: Option<usize>,
}

/// Checks a received message; `None` means refuse it.
pub fn check(received: Received) -> Option<Message> {
    if received.version != Some(MESSAGE_VERSION) || received.size? > MAX_MESSAGE_BYTES {
        return None;
    }
    let user = received.user?;
    let at = match received.at? {
        None => None,
        Some(at) if at.is_finite() && at >= 0.0 => Some(at as Millis),
        Some(_) => return None,
    };
    if user.as_deref().is_some_and(|u| u.is_empty() || u.contains(':')) {
        return None;
    }
    let request = match received.kind?.as_str() {
        "emit" => {
            let name = received.name.filter(|n| valid_event_name(n))?;
            Request::Emit { name }
        }
        "invalidate" => Request::Invalidate(received.target?),
        "remove" => Request::Remove(received.target?),
        "clear" => Request::Clear,
        "idb" => Request::Idb(received.changes.filter(|c| !c.is_empty() && c.iter().all(IdbChange::is_valid))?),
        _ => return None,
    };
    let push = received.push.map(|(tab, fingerprint)| (tab.to_bits(), fingerprint));
    Some(Message { user, at, push, request })
}

/// Whether `name` can name an app event: 1-256 characters, no control characters.
pub fn valid_event_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= MAX_EVENT_NAME_LEN && validate_key(name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalidate() -> Received {
        Received {
            version: Some(1.0),
            kind: Some("invalidate".into()),
            user: Some(Some("alice".into())),
            at: Some(Some(1_700_000_000_000.0)),
            target: Some(Target::prefix("assets:").unwrap()),
            size: Some(80),
            ..Received::default()
        }
    }

    #[test]
    fn well_formed_messages_pass() {
        let message = check(invalidate()).unwrap();
        assert_eq!(message.user.as_deref(), Some("alice"));
        assert_eq!(message.at, Some(1_700_000_000_000));
        assert_eq!(check(Received { at: Some(None), ..invalidate() }).unwrap().at, None, "an older sender");
        assert_eq!(message.request, Request::Invalidate(Target::prefix("assets:").unwrap()));
        let emit = Received {
            kind: Some("emit".into()),
            name: Some("ai-asset-created".into()),
            user: Some(None),
            ..invalidate()
        };
        assert_eq!(
            check(emit).unwrap(),
            Message {
                user: None,
                at: Some(1_700_000_000_000),
                push: None,
                request: Request::Emit { name: "ai-asset-created".into() }
            }
        );
        assert_eq!(check(Received { kind: Some("clear".into()), ..invalidate() }).unwrap().request, Request::Clear);
        let relayed = Received { push: Some((0.25, "{\"type\":\"spent\"}".into())), ..invalidate() };
        assert_eq!(check(relayed).unwrap().push, Some((0.25f64.to_bits(), "{\"type\":\"spent\"}".into())));
    }

    #[test]
    fn foreign_versions_unknown_kinds_and_oversized_messages_are_refused() {
        assert!(check(Received { version: Some(2.0), ..invalidate() }).is_none());
        assert!(check(Received { version: None, ..invalidate() }).is_none());
        assert!(check(Received { kind: Some("drop-table".into()), ..invalidate() }).is_none());
        assert!(check(Received { kind: None, ..invalidate() }).is_none());
        assert!(check(Received { size: Some(MAX_MESSAGE_BYTES + 1), ..invalidate() }).is_none());
        assert!(check(Received { size: None, ..invalidate() }).is_none(), "no JSON form: refused");
    }

    fn idb(changes: Vec<IdbChange>) -> Received {
        Received { kind: Some("idb".into()), target: None, changes: Some(changes), ..invalidate() }
    }

    fn meta() -> EntryMeta {
        use crate::core::{Freshness, Tier, Ttl};
        EntryMeta {
            tier: Tier::Idb,
            freshness: Freshness::starting(1, Ttl::Forever, Ttl::Forever),
            tags: Default::default(),
            etag: None,
            write_id: 0,
            size: 1,
        }
    }

    #[test]
    fn idb_messages_carry_writes_and_deletions_with_valid_keys() {
        let changes = vec![
            IdbChange::Written("k".into(), meta()),
            IdbChange::Deleted("old".into()),
            IdbChange::DeletedPrefix("assets:".into()),
            IdbChange::DeletedPrefix(String::new()),
        ];
        assert_eq!(check(idb(changes.clone())).unwrap().request, Request::Idb(changes));
        assert!(check(idb(Vec::new())).is_none(), "no ops");
        assert!(check(Received { changes: None, ..idb(Vec::new()) }).is_none(), "ops missing or malformed");
        assert!(check(idb(vec![IdbChange::Written(String::new(), meta())])).is_none());
        assert!(check(idb(vec![IdbChange::Deleted("k".into()), IdbChange::Deleted("bad\nkey".into())])).is_none());
        assert!(check(idb(vec![IdbChange::DeletedPrefix("x".repeat(2_000))])).is_none());
        assert!(check(Received { size: Some(MAX_MESSAGE_BYTES + 1), ..idb(vec![IdbChange::Deleted("k".into())]) })
            .is_none());
    }

    #[test]
    fn malformed_fields_are_refused() {
        assert!(check(Received { user: None, ..invalidate() }).is_none(), "user missing or not a string");
        assert!(check(Received { user: Some(Some("a:b".into())), ..invalidate() }).is_none());
        assert!(check(Received { user: Some(Some(String::new())), ..invalidate() }).is_none());
        assert!(check(Received { target: None, ..invalidate() }).is_none());
        assert!(check(Received { at: None, ..invalidate() }).is_none(), "an instant that is not a number");
        assert!(check(Received { at: Some(Some(-1.0)), ..invalidate() }).is_none());
        assert!(check(Received { at: Some(Some(f64::NAN)), ..invalidate() }).is_none());
        let emit = |name: &str| Received { kind: Some("emit".into()), name: Some(name.into()), ..invalidate() };
        assert!(check(emit("")).is_none());
        assert!(check(emit("bad\\nname")).is_some(), "a backslash is fine");
        assert!(check(emit("bad\nname")).is_none());
        assert!(check(emit(&"x".repeat(MAX_EVENT_NAME_LEN + 1))).is_none());
    }
}
