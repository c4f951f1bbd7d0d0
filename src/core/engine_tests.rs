//! Native tests of the engine with a manual clock and quota-limited fake stores.

use super::store::testing::{NoStore, QuotaStore};
use super::*;

type TestEngine = Engine<String, ManualClock>;

const START: Millis = 1_700_000_000_000;

struct Harness {
    cache: TestEngine,
    clock: ManualClock,
    local: QuotaStore<String>,
    idb: QuotaStore<String>,
}

#[allow(clippy::ptr_arg)] // the store's weight function takes `&V`, and V is String here
fn weight(value: &String) -> usize {
    value.len()
}

fn harness_with(options: impl FnOnce(&mut EngineOptions), local_quota: usize) -> Harness {
    let clock = ManualClock::new(START);
    let local = QuotaStore::new(local_quota, weight);
    let idb = QuotaStore::new(usize::MAX, weight);
    let mut engine_options = EngineOptions::new(Scope::new("shop", Some("alice")).unwrap());
    options(&mut engine_options);
    let stores = Stores { local: Box::new(local.clone()), idb: Box::new(idb.clone()) };
    Harness { cache: Engine::new(engine_options, clock.clone(), stores), clock, local, idb }
}

fn harness() -> Harness {
    harness_with(|_| {}, usize::MAX)
}

fn opts(tier: Tier) -> SetOptions {
    SetOptions { tier: Some(tier), ..SetOptions::default() }
}

fn ttl(ms: Millis) -> SetOptions {
    SetOptions { ttl: Some(Ttl::Millis(ms)), ..SetOptions::default() }
}

fn tagged(tags: &[&str]) -> SetOptions {
    SetOptions { tags: tags.iter().map(|t| t.to_string()).collect(), ..SetOptions::default() }
}

fn get(cache: &mut TestEngine, key: &str) -> Option<String> {
    cache.get(key).unwrap().cloned()
}

fn state(cache: &mut TestEngine, key: &str) -> Option<State> {
    cache.peek(key).unwrap().map(|peeked| peeked.state)
}

fn tier_of(cache: &mut TestEngine, key: &str) -> Tier {
    cache.peek(key).unwrap().unwrap().meta.tier
}

fn stored(store: &QuotaStore<String>) -> Vec<String> {
    store.contents.borrow().keys().cloned().collect()
}

#[test]
fn set_then_get_until_the_ttl_runs_out() {
    let Harness { mut cache, clock, .. } = harness();
    cache.set("balance", "100".into(), ttl(30_000)).unwrap();
    assert_eq!(get(&mut cache, "balance").as_deref(), Some("100"));
    clock.advance(29_999);
    assert_eq!(get(&mut cache, "balance").as_deref(), Some("100"));
    clock.advance(1);
    assert_eq!(get(&mut cache, "balance"), None);
    assert_eq!(cache.stats().tier(Tier::Memory).entries, 0, "the expired entry was released");
}

#[test]
fn defaults_apply_to_writes_that_say_nothing() {
    let Harness { mut cache, clock, local, .. } = harness_with(
        |o| o.defaults = Defaults { tier: Tier::Local, ttl: Ttl::Millis(1_000), stale: Ttl::Millis(100) },
        usize::MAX,
    );
    cache.set("k", "v".into(), SetOptions::default()).unwrap();
    assert_eq!(stored(&local), ["shop:alice:k"]);
    clock.advance(100);
    assert_eq!(state(&mut cache, "k"), Some(State::Stale));
    clock.advance(900);
    assert_eq!(state(&mut cache, "k"), None);
    assert!(stored(&local).is_empty(), "expiry deletes the persisted copy too");
}

#[test]
fn stale_entries_are_served_and_counted_as_stale_hits() {
    let Harness { mut cache, clock, .. } = harness();
    let options = SetOptions { stale: Some(Ttl::Millis(10)), ..SetOptions::default() };
    cache.set("k", "v".into(), options).unwrap();
    assert_eq!(get(&mut cache, "k").as_deref(), Some("v"));
    clock.advance(10);
    assert_eq!(get(&mut cache, "k").as_deref(), Some("v"));
    assert_eq!(get(&mut cache, "nope"), None);
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.stale_hits, stats.misses), (1, 1, 1));
}

#[test]
fn observing_a_value_counts_no_read() {
    let Harness { mut cache, clock, .. } = harness();
    let options = SetOptions { stale: Some(Ttl::Millis(10)), ..SetOptions::default() };
    cache.set("k", "v".into(), options).unwrap();
    assert_eq!(cache.observe("k").unwrap().map(String::as_str), Some("v"));
    clock.advance(10);
    assert_eq!(cache.observe("k").unwrap().map(String::as_str), Some("v"), "stale values are observed too");
    assert_eq!(cache.observe("nope").unwrap(), None);
    assert_eq!(cache.observe("").unwrap_err().code, ErrorCode::InvalidKey);
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.stale_hits, stats.misses), (0, 0, 0));
}

#[test]
fn reads_of_an_invalid_key_are_refused_and_count_no_miss() {
    let Harness { mut cache, .. } = harness();
    cache.set("k", "v".into(), SetOptions::default()).unwrap();
    for key in ["", "k\u{7}", &"k".repeat(crate::core::key::MAX_KEY_LEN + 1)] {
        assert_eq!(cache.get(key).unwrap_err().code, ErrorCode::InvalidKey, "{key:?}");
    }
    assert_eq!(cache.stats().misses, 0);
    assert_eq!(get(&mut cache, "k").as_deref(), Some("v"));
}

#[test]
fn peek_reports_metadata_without_counting() {
    let Harness { mut cache, .. } = harness();
    let options = SetOptions { etag: Some("\"v1\"".into()), tier: Some(Tier::Idb), ..tagged(&["balance"]) };
    cache.set("k", "v".into(), options).unwrap();
    let peeked = cache.peek("k").unwrap().unwrap();
    let (state, meta) = (peeked.state, peeked.meta);
    assert_eq!(state, State::Fresh);
    assert_eq!(meta.tier, Tier::Idb);
    assert_eq!(*meta.tags, ["balance"]);
    assert_eq!(meta.etag.as_deref(), Some("\"v1\""));
    assert_eq!(meta.freshness.updated_at, START);
    assert_eq!(cache.stats().hits + cache.stats().misses, 0);
}

#[test]
fn each_tier_persists_where_it_says_and_moving_tiers_deletes_the_old_copy() {
    let Harness { mut cache, local, idb, .. } = harness();
    cache.set("m", "1".into(), opts(Tier::Memory)).unwrap();
    cache.set("l", "2".into(), opts(Tier::Local)).unwrap();
    cache.set("i", "3".into(), opts(Tier::Idb)).unwrap();
    assert_eq!(stored(&local), ["shop:alice:l"]);
    assert_eq!(stored(&idb), ["shop:alice:i"]);
    cache.set("l", "22".into(), opts(Tier::Idb)).unwrap();
    assert!(stored(&local).is_empty());
    assert_eq!(stored(&idb), ["shop:alice:i", "shop:alice:l"]);
    let stats = cache.stats();
    assert_eq!(stats.tier(Tier::Memory).entries, 3);
    assert_eq!(stats.tier(Tier::Idb), TierUsage { entries: 2, bytes: 3 });
}

#[test]
fn invalidation_marks_stale_in_memory_and_in_the_persisted_copy() {
    let Harness { mut cache, clock, .. } = harness();
    cache.set("assets:shop1:fonts", "f".into(), opts(Tier::Local)).unwrap();
    cache.set("assets:shop1:colors", "c".into(), opts(Tier::Idb)).unwrap();
    cache.set("assets:shop2:fonts", "g".into(), SetOptions::default()).unwrap();
    clock.advance(5);
    assert_eq!(cache.invalidate(&Target::pattern("assets:shop1:*").unwrap()).unwrap(), 2);
    assert_eq!(state(&mut cache, "assets:shop1:fonts"), Some(State::Stale));
    assert_eq!(state(&mut cache, "assets:shop1:colors"), Some(State::Stale));
    assert_eq!(state(&mut cache, "assets:shop2:fonts"), Some(State::Fresh));
    let meta = cache.peek("assets:shop1:fonts").unwrap().unwrap().meta;
    assert_eq!(meta.freshness.stale_at, Some(START + 5));
    assert_eq!(get(&mut cache, "assets:shop1:fonts").as_deref(), Some("f"), "stale values are still served");
}

#[test]
fn invalidate_and_remove_by_every_kind_of_target() {
    let Harness { mut cache, .. } = harness();
    for (key, tags) in [("a:1", &["x"][..]), ("a:2", &["y"]), ("b:1", &["x", "y"]), ("c", &[])] {
        cache.set(key, key.into(), tagged(tags)).unwrap();
    }
    assert_eq!(cache.invalidate(&Target::key("c").unwrap()).unwrap(), 1);
    assert_eq!(cache.invalidate(&Target::prefix("a:").unwrap()).unwrap(), 2);
    assert_eq!(cache.invalidate(&Target::tags(vec!["y".into()]).unwrap()).unwrap(), 2);
    assert_eq!(cache.invalidate(&Target::key("missing").unwrap()).unwrap(), 0);
    assert_eq!(cache.remove(&Target::tags(vec!["x".into()]).unwrap()).unwrap(), 2);
    assert_eq!(get(&mut cache, "a:1"), None);
    assert_eq!(get(&mut cache, "b:1"), None);
    assert_eq!(get(&mut cache, "a:2").as_deref(), Some("a:2"));
    assert_eq!(cache.remove(&Target::All).unwrap(), 2);
    assert_eq!(cache.stats().tier(Tier::Memory).entries, 0);
}

#[test]
fn removal_reaches_every_tier() {
    let Harness { mut cache, local, idb, .. } = harness();
    cache.set("balance:alice", "1".into(), opts(Tier::Local)).unwrap();
    cache.set("balance:history", "2".into(), opts(Tier::Idb)).unwrap();
    cache.set("other", "3".into(), opts(Tier::Local)).unwrap();
    assert_eq!(cache.remove(&Target::prefix("balance").unwrap()).unwrap(), 2);
    assert_eq!(stored(&local), ["shop:alice:other"]);
    assert!(stored(&idb).is_empty());
}

#[test]
fn generations_change_on_every_write_invalidation_removal_and_scope_change() {
    let Harness { mut cache, .. } = harness();
    let g0 = cache.generation("k");
    cache.set("k", "v".into(), SetOptions::default()).unwrap();
    let g1 = cache.generation("k");
    assert_ne!(g0, g1);
    cache.set("other", "v".into(), SetOptions::default()).unwrap();
    assert_eq!(cache.generation("k"), g1, "other keys' writes do not touch this key");
    cache.invalidate(&Target::key("k").unwrap()).unwrap();
    let g2 = cache.generation("k");
    assert_ne!(g1, g2);
    cache.remove(&Target::key("k").unwrap()).unwrap();
    let g3 = cache.generation("k");
    assert_ne!(g2, g3, "a removed key keeps a changed generation");
    cache.switch_scope(Scope::new("shop", Some("bob")).unwrap()).unwrap();
    assert_ne!(cache.generation("k"), g3);
    assert_ne!(cache.generation("never-seen"), 0, "the scope change covers keys never written");
}

#[test]
fn switching_user_hides_the_previous_users_entries_at_once_and_keeps_them_persisted() {
    let Harness { mut cache, local, .. } = harness();
    cache.set("balance", "alice: 100".into(), opts(Tier::Local)).unwrap();
    cache.switch_scope(Scope::new("shop", Some("bob")).unwrap()).unwrap();
    assert_eq!(get(&mut cache, "balance"), None);
    assert_eq!(stored(&local), ["shop:alice:balance"], "alice's copy waits for alice");
    cache.set("balance", "bob: 5".into(), opts(Tier::Local)).unwrap();
    assert_eq!(stored(&local), ["shop:alice:balance", "shop:bob:balance"]);
}

#[test]
fn clearing_a_user_deletes_only_that_users_entries() {
    let Harness { mut cache, local, idb, .. } = harness();
    cache.set("balance", "a".into(), opts(Tier::Local)).unwrap();
    cache.set("history", "a".into(), opts(Tier::Idb)).unwrap();
    cache.switch_scope(Scope::new("shop", Some("bob")).unwrap()).unwrap();
    cache.set("balance", "b".into(), opts(Tier::Local)).unwrap();
    cache.clear_scope(&Scope::new("shop", Some("alice")).unwrap()).unwrap();
    assert_eq!(stored(&local), ["shop:bob:balance"]);
    assert!(stored(&idb).is_empty());
    assert_eq!(get(&mut cache, "balance").as_deref(), Some("b"), "the current user is untouched");
    cache.clear_scope(&Scope::new("shop", Some("bob")).unwrap()).unwrap();
    assert_eq!(get(&mut cache, "balance"), None, "clearing the current user empties memory too");
    assert!(stored(&local).is_empty());
}

#[test]
fn a_full_tier_evicts_the_persisted_copy_of_its_least_recently_used_entries_and_retries() {
    let Harness { mut cache, local, .. } = harness_with(|_| {}, 10);
    cache.set("old", "aaaa".into(), SetOptions { tags: vec!["t".into()].into(), ..opts(Tier::Local) }).unwrap();
    cache.set("used", "bbbb".into(), opts(Tier::Local)).unwrap();
    get(&mut cache, "used");
    cache.take_changes();
    let generation = cache.generation("old");
    cache.set("new", "cccc".into(), SetOptions { size: 4, ..opts(Tier::Local) }).unwrap();
    assert_eq!(stored(&local), ["shop:alice:new", "shop:alice:used"]);
    assert_eq!(get(&mut cache, "old").as_deref(), Some("aaaa"), "the evicted entry stays in memory");
    assert_eq!(tier_of(&mut cache, "old"), Tier::Memory);
    assert_eq!(cache.generation("old"), generation, "its value did not change: fetches go on");
    assert_eq!(cache.stats().tier(Tier::Local), TierUsage { entries: 2, bytes: 8 });
    assert_eq!(cache.stats().tier(Tier::Memory), TierUsage { entries: 3, bytes: 12 });
    assert_eq!(cache.stats().evictions, 1);
    let kinds: Vec<_> = cache.take_changes().into_iter().map(|c| (c.kind, c.keys, c.tags)).collect();
    assert_eq!(
        kinds,
        [
            (ChangeKind::Evict, vec!["old".to_owned()], vec!["t".to_owned()]),
            (ChangeKind::Set, vec!["new".to_owned()], vec![])
        ]
    );
    assert!(cache.take_diagnostics().is_empty(), "eviction made room: nothing to report");
}

#[test]
fn a_full_tier_frees_a_tenth_of_its_bytes_at_once_so_the_next_writes_fit() {
    let Harness { mut cache, local, .. } = harness_with(|_| {}, 100);
    for i in 0..25 {
        cache.set(&format!("k{i:02}"), "1234".into(), opts(Tier::Local)).unwrap();
    }
    assert_eq!(cache.stats().evictions, 0, "100 bytes hold 25 entries of 4");
    cache.set("k25", "1234".into(), opts(Tier::Local)).unwrap();
    // A tenth of the tier's 100 bytes: three entries of 4 (12 bytes), not just the one needed.
    assert_eq!(cache.stats().evictions, 3);
    assert!(!stored(&local)
        .iter()
        .any(|k| ["shop:alice:k00", "shop:alice:k01", "shop:alice:k02"].contains(&k.as_str())));
    cache.set("k26", "1234".into(), opts(Tier::Local)).unwrap();
    cache.set("k27", "1234".into(), opts(Tier::Local)).unwrap();
    assert_eq!(cache.stats().evictions, 3, "the next writes find room without evicting");
    assert_eq!(cache.stats().tier(Tier::Local).entries, 25);
    assert_eq!(cache.stats().tier(Tier::Memory).entries, 28, "every value written is still held");
}

#[test]
fn an_evicted_entry_whose_value_is_not_in_memory_goes() {
    let Harness { mut cache, local, .. } = harness_with(|o| o.budgets[Tier::Memory.index()] = Some(4), 8);
    cache.set("a", "aaaa".into(), opts(Tier::Local)).unwrap();
    cache.set("b", "bbbb".into(), opts(Tier::Local)).unwrap();
    assert_eq!(cache.unloaded_tier("a"), Some(Tier::Local), "the memory budget unloaded a");
    cache.take_changes();
    cache.set("c", "cccc".into(), opts(Tier::Local)).unwrap();
    assert_eq!(stored(&local), ["shop:alice:b", "shop:alice:c"]);
    assert!(cache.peek("a").unwrap().is_none(), "nothing of a was left to keep");
    assert_eq!(cache.take_changes()[0].kind, ChangeKind::Remove);
}

#[test]
fn a_full_tier_evicts_as_many_entries_as_the_new_one_needs() {
    let Harness { mut cache, local, .. } = harness_with(|_| {}, 12);
    for key in ["a", "b", "c"] {
        cache.set(key, "1234".into(), opts(Tier::Local)).unwrap();
    }
    cache.set("big", "12345678".into(), opts(Tier::Local)).unwrap();
    assert_eq!(stored(&local), ["shop:alice:big", "shop:alice:c"]);
    assert_eq!(cache.stats().evictions, 2);
    assert_eq!(tier_of(&mut cache, "big"), Tier::Local);
}

#[test]
fn a_full_tier_evicts_what_the_storage_needs_not_what_the_new_entry_weighs() {
    // Three entries of 4 in 13 bytes: a new one of 5 fits once one entry of 4 is gone, although
    // 4 bytes freed are fewer than the 5 it weighs.
    let Harness { mut cache, local, .. } = harness_with(|_| {}, 13);
    for key in ["a", "b", "c"] {
        cache.set(key, "1234".into(), opts(Tier::Local)).unwrap();
    }
    cache.set("d", "12345".into(), opts(Tier::Local)).unwrap();
    assert_eq!(stored(&local), ["shop:alice:b", "shop:alice:c", "shop:alice:d"]);
    assert_eq!(cache.stats().evictions, 1);
}

#[test]
fn a_tier_still_full_after_eviction_keeps_the_entry_in_memory_and_reports_it() {
    let Harness { mut cache, local, .. } = harness_with(|_| {}, 3);
    cache.set("big", "too large".into(), opts(Tier::Local)).unwrap();
    assert!(stored(&local).is_empty());
    assert_eq!(get(&mut cache, "big").as_deref(), Some("too large"));
    assert_eq!(tier_of(&mut cache, "big"), Tier::Memory);
    let diagnostics = cache.take_diagnostics();
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].code, ErrorCode::QuotaExceeded);
    assert_eq!(diagnostics[0].key.as_deref(), Some("big"));
    assert_eq!(cache.stats().quota_exceeded, 1);
    assert!(cache.take_diagnostics().is_empty(), "diagnostics are taken once");
}

#[test]
fn broken_storage_falls_back_to_memory_with_a_diagnostic() {
    let clock = ManualClock::new(START);
    let options = EngineOptions::new(Scope::new("shop", None).unwrap());
    let stores = Stores { local: Box::new(NoStore), idb: Box::new(NoStore) };
    let mut cache: TestEngine = Engine::new(options, clock, stores);
    cache.set("k", "v".into(), opts(Tier::Idb)).unwrap();
    assert_eq!(get(&mut cache, "k").as_deref(), Some("v"));
    assert_eq!(cache.take_diagnostics()[0].code, ErrorCode::StorageUnavailable);
    assert_eq!((cache.stats().storage_unavailable, cache.stats().quota_exceeded), (1, 0));
}

#[test]
fn an_unencodable_value_is_refused_and_the_previous_entry_kept() {
    struct Refuses;
    impl Store<String> for Refuses {
        fn put(&mut self, _: &Scope, _: &str, v: Option<&String>, _: &EntryMeta) -> Result<usize, StoreError> {
            if v.is_some_and(|v| v == "cycle") {
                Err(StoreError::Unencodable)
            } else {
                Ok(1)
            }
        }
        fn delete(&mut self, _: &Scope, _: &str) {}
        fn clear_scope(&mut self, _: &Scope) {}
    }
    let options = EngineOptions::new(Scope::new("shop", None).unwrap());
    let stores = Stores { local: Box::new(Refuses), idb: Box::new(NoStore) };
    let mut cache: TestEngine = Engine::new(options, ManualClock::new(START), stores);
    cache.set("k", "good".into(), opts(Tier::Local)).unwrap();
    let err = cache.set("k", "cycle".into(), opts(Tier::Local)).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidValue);
    assert_eq!(get(&mut cache, "k").as_deref(), Some("good"));
}

#[test]
fn the_memory_budget_evicts_lru_and_unloads_persisted_values_instead_of_deleting_them() {
    let Harness { mut cache, local, .. } = harness_with(|o| o.budgets[Tier::Memory.index()] = Some(10), usize::MAX);
    cache.set("a", "aaaa".into(), SetOptions { size: 4, ..SetOptions::default() }).unwrap();
    cache.set("p", "pppp".into(), opts(Tier::Local)).unwrap();
    get(&mut cache, "a");
    cache.set("c", "cccc".into(), SetOptions { size: 4, ..SetOptions::default() }).unwrap();
    assert_eq!(get(&mut cache, "p"), None, "the least recently used value left memory");
    assert_eq!(cache.unloaded_tier("p"), Some(Tier::Local), "but it can be read back from its tier");
    assert_eq!(stored(&local), ["shop:alice:p"]);
    cache.fill("p", "pppp".into());
    assert_eq!(get(&mut cache, "p").as_deref(), Some("pppp"));
    assert!(cache.stats().tier(Tier::Memory).bytes <= 10);
    assert_eq!(get(&mut cache, "a"), None, "filling p pushed out the next least recently used");
}

#[test]
fn a_tier_budget_evicts_its_own_lru_entries() {
    let Harness { mut cache, local, .. } = harness_with(|o| o.budgets[Tier::Local.index()] = Some(8), usize::MAX);
    for key in ["k1", "k2", "k3"] {
        cache.set(key, "1234".into(), opts(Tier::Local)).unwrap();
    }
    assert_eq!(stored(&local), ["shop:alice:k2", "shop:alice:k3"]);
    assert_eq!(cache.stats().tier(Tier::Local), TierUsage { entries: 2, bytes: 8 });
    assert_eq!(cache.stats().evictions, 1);
    assert_eq!(get(&mut cache, "k1").as_deref(), Some("1234"), "k1 lost its persisted copy only");
    assert_eq!(tier_of(&mut cache, "k1"), Tier::Memory);
}

#[test]
fn hydration_adds_live_entries_and_deletes_expired_ones() {
    let Harness { mut cache, clock, local, .. } = harness();
    local.contents.borrow_mut().insert("shop:alice:stale-copy".into(), (1, Some("x".into())));
    let meta = |expires: Option<Millis>| EntryMeta {
        tier: Tier::Local,
        freshness: Freshness { updated_at: START, as_of: START, stale_at: None, expires_at: expires },
        tags: vec!["t".into()].into(),
        etag: None,
        write_id: 0,
        size: 1,
    };
    clock.advance(10);
    assert!(!cache.hydrate("stale-copy", Some("x".into()), meta(Some(START + 10))));
    assert!(stored(&local).is_empty(), "an expired persisted entry is deleted on sight");
    assert!(cache.hydrate("live", Some("y".into()), meta(None)));
    assert!(!cache.hydrate("live", Some("z".into()), meta(None)), "an entry already held wins");
    assert!(!cache.hydrate("", Some("bad".into()), meta(None)), "invalid keys are not hydrated");
    assert_eq!(get(&mut cache, "live").as_deref(), Some("y"));
    assert_eq!(cache.remove(&Target::tags(vec!["t".into()]).unwrap()).unwrap(), 1, "hydrated tags are indexed");
}

#[test]
fn an_unreadable_tier_is_reported_and_counted_and_the_entry_kept() {
    let Harness { mut cache, .. } = harness();
    cache.set("k", "v".into(), opts(Tier::Local)).unwrap();
    cache.note_unreadable(Tier::Local, Some("k".into()));
    cache.note_unreadable(Tier::Local, None);
    let diagnostics = cache.take_diagnostics();
    assert_eq!(
        diagnostics.iter().map(|d| (d.code, d.key.as_deref())).collect::<Vec<_>>(),
        [(ErrorCode::StorageUnavailable, Some("k")), (ErrorCode::StorageUnavailable, None)]
    );
    assert_eq!(cache.stats().storage_unavailable, 2);
    assert_eq!(tier_of(&mut cache, "k"), Tier::Local);
}

#[test]
fn an_idb_failure_after_the_write_keeps_the_entry_in_memory_only() {
    let Harness { mut cache, .. } = harness();
    cache.set("k", "v".into(), opts(Tier::Idb)).unwrap();
    cache.persist_failed("k", Tier::Idb, StoreError::Quota(0));
    assert_eq!(tier_of(&mut cache, "k"), Tier::Memory);
    assert_eq!(cache.stats().tier(Tier::Idb).entries, 0);
    assert_eq!(cache.take_diagnostics()[0].code, ErrorCode::QuotaExceeded);
    assert_eq!(cache.stats().quota_exceeded, 1);
}

#[test]
fn a_closed_cache_refuses_calls() {
    let Harness { mut cache, .. } = harness();
    cache.set("k", "v".into(), SetOptions::default()).unwrap();
    cache.close();
    assert_eq!(cache.get("k").unwrap_err().code, ErrorCode::Closed);
    assert_eq!(cache.set("k", "v".into(), SetOptions::default()).unwrap_err().code, ErrorCode::Closed);
    assert_eq!(cache.invalidate(&Target::All).unwrap_err().code, ErrorCode::Closed);
}

/// A small deterministic generator, so the property below replays exactly.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn property_no_sequence_of_operations_returns_another_users_value() {
    let users = ["alice", "bob", "carol"];
    let keys = ["balance", "profile", "assets:1"];
    for seed in 1..=50 {
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15 ^ seed);
        let Harness { mut cache, clock, .. } = harness();
        let mut current = "alice";
        for _ in 0..400 {
            let key = keys[rng.below(3) as usize];
            match rng.below(6) {
                0 | 1 => {
                    let tier = Tier::ALL[rng.below(3) as usize];
                    cache.set(key, format!("{current}|{key}"), opts(tier)).unwrap();
                }
                2 => {
                    current = users[rng.below(3) as usize];
                    cache.switch_scope(Scope::new("shop", Some(current)).unwrap()).unwrap();
                }
                3 => {
                    let user = users[rng.below(3) as usize];
                    cache.clear_scope(&Scope::new("shop", Some(user)).unwrap()).unwrap();
                }
                4 => {
                    cache.invalidate(&Target::All).unwrap();
                }
                _ => clock.advance(rng.below(1_000)),
            }
            for key in keys {
                if let Some(value) = get(&mut cache, key) {
                    assert!(value.starts_with(&format!("{current}|")), "seed {seed}: {current} read {value}");
                }
            }
        }
    }
}

const WINDOW: FetchOptions = FetchOptions { dedup_ms: 1_000, force: false, revalidate: false };

#[test]
fn a_fetch_stores_its_answer_then_serves_it_and_the_window_covers_staleness() {
    let Harness { mut cache, clock, .. } = harness();
    assert_eq!(cache.plan_fetch("k", WINDOW).unwrap(), Plan::Start);
    let id = cache.start_fetch("k", Tags::default());
    assert_eq!(cache.plan_fetch("k", WINDOW).unwrap(), Plan::Join(id));
    let stale_soon = SetOptions { stale: Some(Ttl::Millis(10)), ..SetOptions::default() };
    assert_eq!(cache.store_fetched("k", id, "v1".into(), stale_soon).unwrap(), Fate::Current);
    assert_eq!(get(&mut cache, "k").as_deref(), Some("v1"));
    clock.advance(10);
    assert_eq!(state(&mut cache, "k"), Some(State::Stale));
    assert_eq!(cache.plan_fetch("k", WINDOW).unwrap(), Plan::Serve, "within the dedup window");
    clock.advance(990);
    assert_eq!(cache.plan_fetch("k", WINDOW).unwrap(), Plan::Start);
}

#[test]
fn an_invalidation_write_or_removal_during_a_fetch_keeps_its_answer_out_and_asks_for_abort() {
    let Harness { mut cache, .. } = harness();
    cache.set("k", "old".into(), SetOptions::default()).unwrap();
    cache.invalidate(&Target::key("k").unwrap()).unwrap();
    let id = cache.start_fetch("k", Tags::default());
    cache.invalidate(&Target::key("k").unwrap()).unwrap();
    assert_eq!(cache.take_outdated_fetches(), [id]);
    assert_eq!(cache.store_fetched("k", id, "late".into(), SetOptions::default()).unwrap(), Fate::Overtaken);
    assert_eq!(get(&mut cache, "k").as_deref(), Some("old"));
    assert_eq!(cache.plan_fetch("k", WINDOW).unwrap(), Plan::Start, "the next fetch goes to the network");
    assert!(cache.take_outdated_fetches().is_empty());

    let id = cache.start_fetch("k", Tags::default());
    cache.set("k", "written".into(), SetOptions::default()).unwrap();
    assert_eq!(cache.store_fetched("k", id, "late".into(), SetOptions::default()).unwrap(), Fate::Overtaken);
    assert_eq!(get(&mut cache, "k").as_deref(), Some("written"));

    let id = cache.start_fetch("k", Tags::default());
    cache.remove(&Target::key("k").unwrap()).unwrap();
    assert_eq!(cache.take_outdated_fetches()[1..], [id], "after the one the write overtook");
    assert_eq!(cache.store_fetched("k", id, "late".into(), SetOptions::default()).unwrap(), Fate::Overtaken);
    assert_eq!(get(&mut cache, "k"), None, "a removed key is not brought back by a late answer");
}

#[test]
fn a_fetch_of_a_persisted_entry_not_in_memory_loads_it_first_unless_a_fetch_is_in_flight() {
    let Harness { mut cache, .. } = harness();
    let meta = |stale: Ttl| EntryMeta {
        tier: Tier::Idb,
        freshness: Freshness::starting(START, Ttl::Forever, stale),
        tags: Tags::default(),
        etag: Some("\"e1\"".into()),
        write_id: 0,
        size: 2,
    };
    assert!(cache.hydrate("fresh", None, meta(Ttl::Forever)));
    assert!(cache.hydrate("stale", None, meta(Ttl::Millis(0))));
    assert_eq!(cache.plan_fetch("fresh", WINDOW).unwrap(), Plan::Load, "served once read back");
    assert_eq!(cache.plan_fetch("stale", WINDOW).unwrap(), Plan::Load, "refetched with its value and ETag");
    let forced = FetchOptions { force: true, ..WINDOW };
    assert_eq!(cache.plan_fetch("fresh", forced).unwrap(), Plan::Load);
    cache.fill("fresh", "v1".into());
    assert_eq!(cache.plan_fetch("fresh", WINDOW).unwrap(), Plan::Serve);
    assert_eq!(cache.plan_fetch("fresh", forced).unwrap(), Plan::Start);
    let id = cache.start_fetch("stale", Tags::default());
    assert_eq!(cache.plan_fetch("stale", WINDOW).unwrap(), Plan::Join(id), "a fetch in flight is joined");
    assert_eq!(cache.plan_fetch("missing", WINDOW).unwrap(), Plan::Start, "nothing to load");
    assert_eq!(cache.stats().hits + cache.stats().misses, 0, "planning counts no read");
}

#[test]
fn a_late_answer_for_one_user_is_never_stored_under_the_next() {
    let Harness { mut cache, .. } = harness();
    let id = cache.start_fetch("balance", Tags::default());
    cache.switch_scope(Scope::new("shop", Some("bob")).unwrap()).unwrap();
    assert_eq!(cache.take_outdated_fetches(), [id], "alice's fetch is to abort");
    assert_eq!(cache.plan_fetch("balance", WINDOW).unwrap(), Plan::Start, "bob does not join it");
    let late = cache.store_fetched("balance", id, "alice: 100".into(), SetOptions::default()).unwrap();
    assert_eq!(late, Fate::ScopeEnded, "its callers are not to run alice's fetcher again for bob");
    assert_eq!(get(&mut cache, "balance"), None);
    let bobs = cache.start_fetch("balance", Tags::default());
    assert_ne!(bobs, id);
    assert_eq!(cache.store_fetched("balance", bobs, "bob: 5".into(), SetOptions::default()).unwrap(), Fate::Current);
}

#[test]
fn not_modified_restarts_the_lifetime_and_keeps_value_and_etag() {
    let Harness { mut cache, clock, .. } = harness();
    let options = SetOptions { ttl: Some(Ttl::Millis(100)), etag: Some("\"e1\"".into()), ..opts(Tier::Local) };
    let id = cache.start_fetch("k", Tags::default());
    cache.store_fetched("k", id, "v".into(), options.clone()).unwrap();
    clock.advance(90);
    let id = cache.start_fetch("k", Tags::default());
    let confirmed =
        cache.confirm_fetched("k", id, &SetOptions { ttl: Some(Ttl::Millis(100)), ..SetOptions::default() });
    assert_eq!(confirmed, Fate::Current);
    clock.advance(90);
    let peeked = cache.peek("k").unwrap().unwrap();
    assert_eq!(peeked.meta.freshness.expires_at, Some(START + 190));
    assert_eq!(peeked.meta.etag.as_deref(), Some("\"e1\""));
    assert_eq!(get(&mut cache, "k").as_deref(), Some("v"));
    let id = cache.start_fetch("missing", Tags::default());
    let confirmed = cache.confirm_fetched("missing", id, &SetOptions::default());
    assert_eq!(confirmed, Fate::Overtaken, "nothing held to confirm: its callers fetch again");
}

#[test]
fn a_failed_fetch_keeps_the_value_and_records_the_error_once_current() {
    let Harness { mut cache, clock, .. } = harness();
    cache.set("k", "kept".into(), SetOptions::default()).unwrap();
    let id = cache.start_fetch("k", Tags::default());
    clock.advance(5);
    assert_eq!(cache.fail_fetch("k", id, "HTTP 500".into()), Fate::Current);
    let peeked = cache.peek("k").unwrap().unwrap();
    assert_eq!(peeked.error, Some(&("HTTP 500".to_owned(), START + 5)));
    assert_eq!(get(&mut cache, "k").as_deref(), Some("kept"));
    let id = cache.start_fetch("k", Tags::default());
    cache.invalidate(&Target::key("k").unwrap()).unwrap();
    assert_eq!(cache.fail_fetch("k", id, "late".into()), Fate::Overtaken, "an overtaken failure is not recorded");
    assert_eq!(cache.peek("k").unwrap().unwrap().error.map(|e| e.0.as_str()), Some("HTTP 500"));
    cache.set("k", "new".into(), SetOptions::default()).unwrap();
    assert!(cache.peek("k").unwrap().unwrap().error.is_none(), "a new value clears the error");
}

#[test]
fn overlapping_mutations_settle_in_order_and_roll_back_to_the_confirmed_value() {
    let Harness { mut cache, .. } = harness();
    cache.set("k", "before".into(), SetOptions::default()).unwrap();
    let first = cache.begin_mutation("k", "optimistic 1".into(), SetOptions::default()).unwrap();
    let second = cache.begin_mutation("k", "optimistic 2".into(), SetOptions::default()).unwrap();
    cache.settle_mutation("k", first, Outcome::Failed { rollback: true }, SetOptions::default()).unwrap();
    assert_eq!(get(&mut cache, "k").as_deref(), Some("optimistic 2"), "a later mutation is pending");
    cache.settle_mutation("k", second, Outcome::Failed { rollback: true }, SetOptions::default()).unwrap();
    assert_eq!(get(&mut cache, "k").as_deref(), Some("before"));

    let id = cache.begin_mutation("fresh", "optimistic".into(), SetOptions::default()).unwrap();
    cache.settle_mutation("fresh", id, Outcome::Failed { rollback: true }, SetOptions::default()).unwrap();
    assert_eq!(get(&mut cache, "fresh"), None, "nothing before: the optimistic value is removed");
}

#[test]
fn a_change_made_while_a_commit_is_in_flight_stands_whatever_the_commit_brings() {
    /// A change, and what memory and this tab's localStorage writes hold after the settle (the
    /// other tab writes its own copy to the shared storage, which this harness does not share).
    struct Case {
        name: &'static str,
        change: fn(&mut TestEngine),
        held: Option<(&'static str, State)>,
        stored: Option<&'static str>,
    }
    let cases = [
        Case {
            name: "set",
            change: |cache| cache.set("k", "later".into(), opts(Tier::Local)).unwrap(),
            held: Some(("later", State::Fresh)),
            stored: Some("later"),
        },
        Case {
            name: "remove",
            change: |cache| {
                cache.remove(&Target::key("k").unwrap()).unwrap();
            },
            held: None,
            stored: None,
        },
        Case {
            name: "invalidate",
            change: |cache| {
                cache.invalidate(&Target::key("k").unwrap()).unwrap();
            },
            held: Some(("optimistic", State::Stale)),
            stored: Some("optimistic"),
        },
        Case {
            name: "another tab's write",
            change: |cache| {
                let mut theirs = cache.peek("k").unwrap().unwrap().meta.clone();
                theirs.freshness = Freshness::starting(START + 10, Ttl::Forever, Ttl::Forever);
                theirs.write_id = theirs.write_id.wrapping_add(1);
                assert!(cache.adopt("k", "theirs".into(), theirs));
            },
            held: Some(("theirs", State::Fresh)),
            stored: Some("optimistic"),
        },
    ];
    for Case { name, change, held, stored } in cases {
        for outcome in [Outcome::Committed("server".into()), Outcome::Failed { rollback: true }] {
            let Harness { mut cache, clock, local, .. } = harness();
            cache.set("k", "before".into(), opts(Tier::Local)).unwrap();
            clock.advance(5);
            let id = cache.begin_mutation("k", "optimistic".into(), opts(Tier::Local)).unwrap();
            clock.advance(5);
            change(&mut cache);
            clock.advance(5);
            cache.settle_mutation("k", id, outcome.clone(), opts(Tier::Local)).unwrap();
            let state = cache.peek("k").unwrap().map(|info| info.state);
            let value = get(&mut cache, "k");
            assert_eq!(value.as_deref().zip(state), held, "{name}, {outcome:?}");
            let written = local.contents.borrow().get("shop:alice:k").and_then(|(_, value)| value.clone());
            assert_eq!(written.as_deref(), stored, "{name}, {outcome:?}: nothing written over the change");
        }
    }
}

#[test]
fn a_rollback_restores_the_original_entry_with_its_metadata_a_commit_takes_the_options() {
    let Harness { mut cache, clock, local, .. } = harness();
    let original = SetOptions {
        tier: Some(Tier::Local),
        tags: vec!["posts".into()].into(),
        etag: Some("\"v1\"".into()),
        stale: Some(Ttl::Millis(100)),
        ..SetOptions::default()
    };
    cache.set("k", "before".into(), original).unwrap();
    cache.invalidate(&Target::key("k").unwrap()).unwrap();
    let before = cache.peek("k").unwrap().unwrap().meta.clone();
    clock.advance(50);
    let id = cache.begin_mutation("k", "optimistic".into(), opts(Tier::Local)).unwrap();
    cache.settle_mutation("k", id, Outcome::Failed { rollback: true }, opts(Tier::Local)).unwrap();
    let restored = cache.peek("k").unwrap().unwrap();
    assert_eq!(
        (restored.state, restored.meta),
        (State::Stale, &before),
        "etag, tags, instants and staleness as before"
    );
    let persisted = local.contents.borrow().get("shop:alice:k").and_then(|(_, value)| value.clone());
    assert_eq!(persisted.as_deref(), Some("before"), "persisted again");

    let id = cache.begin_mutation("k", "optimistic".into(), opts(Tier::Local)).unwrap();
    cache.settle_mutation("k", id, Outcome::Committed("server".into()), opts(Tier::Local)).unwrap();
    let committed = cache.peek("k").unwrap().unwrap();
    assert_eq!((committed.state, committed.meta.etag.as_deref()), (State::Fresh, None), "a commit is a new value");
}

#[test]
fn another_tabs_write_of_later_data_is_adopted_in_memory_an_older_or_equal_one_is_not() {
    let Harness { mut cache, clock, local, .. } = harness();
    cache.set("balance", "90".into(), opts(Tier::Local)).unwrap();
    cache.take_changes();
    let written_before = cache.peek("balance").unwrap().unwrap().meta.clone();
    let puts_before = local.contents.borrow().len();
    assert!(!cache.adopt("balance", "echo".into(), written_before.clone()), "the same write: ours");

    clock.advance(5);
    let mut newer = written_before.clone();
    newer.freshness = Freshness::starting(START + 5, Ttl::Forever, Ttl::Forever);
    newer.tags = vec!["balance".to_owned()].into();
    let generation = cache.generation("balance");
    let adopted = cache.with_origin(Origin::Tab, |c| c.adopt("balance", "80".into(), newer.clone()));
    assert!(adopted);
    assert_eq!(get(&mut cache, "balance").as_deref(), Some("80"));
    assert_ne!(cache.generation("balance"), generation, "the dedup window closes");
    let tagged = cache.matching_keys(&Target::Tags(vec!["balance".into()])).unwrap();
    assert_eq!(tagged, vec!["balance".to_owned()], "the index follows the adopted tags");
    let changes = cache.take_changes();
    assert_eq!((changes.len(), changes[0].kind, changes[0].origin), (1, ChangeKind::Set, Origin::Tab));
    assert_eq!(local.contents.borrow().len(), puts_before, "nothing persisted: the tier has it");

    let mut expired = newer.clone();
    expired.freshness = Freshness::starting(START, Ttl::Millis(1), Ttl::Forever);
    expired.freshness.updated_at = START + 6;
    assert!(!cache.adopt("balance", "expired".into(), expired), "an expired write is not taken");
}

#[test]
fn another_tabs_late_answer_never_replaces_a_later_change_here_and_is_written_over() {
    let Harness { mut cache, clock, local, .. } = harness();
    // The other tab's fetch started at START; this tab wrote at START + 50; the answer lands at
    // START + 100 in the shared storage and reaches this tab.
    clock.advance(50);
    cache.set("k", "ours".into(), opts(Tier::Local)).unwrap();
    clock.advance(50);
    let mut late = cache.peek("k").unwrap().unwrap().meta.clone();
    late.freshness = Freshness::starting(START + 100, Ttl::Forever, Ttl::Forever);
    late.freshness.as_of = START;
    local.contents.borrow_mut().insert("shop:alice:k".into(), (5, Some("late".into())));
    assert!(!cache.adopt("k", "late".into(), late), "written later, but of older data");
    assert_eq!(get(&mut cache, "k").as_deref(), Some("ours"));
    assert_eq!(local.contents.borrow()["shop:alice:k"].1.as_deref(), Some("ours"), "the newer copy is written back");
}

/// The metadata of another tab's answer to a fetch of data as of `at`, written as `write_id`.
fn answer_meta(at: Millis, tags: &[&str], write_id: u32) -> EntryMeta {
    let mut freshness = Freshness::starting(at, Ttl::Forever, Ttl::Forever);
    freshness.as_of = at;
    EntryMeta {
        tier: Tier::Memory,
        freshness,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        etag: None,
        write_id,
        size: 1,
    }
}

#[test]
fn another_tabs_shared_answer_opens_the_dedup_window_unless_a_change_here_came_after_its_data() {
    let Harness { mut cache, clock, .. } = harness();
    let answer_as_of = |at: Millis| answer_meta(at, &[], 7);
    let revalidation = FetchOptions { revalidate: true, ..WINDOW };
    assert_eq!(cache.plan_fetch("k", revalidation).unwrap(), Plan::Start);
    assert!(cache.with_origin(Origin::Tab, |c| c.adopt_answer("k", "theirs".into(), answer_as_of(START))));
    assert_eq!(get(&mut cache, "k").as_deref(), Some("theirs"));
    assert_eq!(cache.plan_fetch("k", revalidation).unwrap(), Plan::Serve, "a revalidation here is served it");
    let changes = cache.take_changes();
    assert_eq!((changes[0].kind, changes[0].origin), (ChangeKind::Set, Origin::Tab), "subscribers hear of it");

    // This tab invalidated the key after the other tab's fetch started: its answer is not fresh.
    clock.advance(10);
    cache.invalidate(&Target::key("j").unwrap()).unwrap();
    clock.advance(10);
    assert!(cache.adopt_answer("j", "older".into(), answer_as_of(START + 5)), "taken, but stale");
    assert_eq!(state(&mut cache, "j"), Some(State::Stale));
    assert_eq!(cache.plan_fetch("j", revalidation).unwrap(), Plan::Start, "no window: this tab fetches");
}

#[test]
fn a_push_heard_here_late_is_dated_back_to_when_another_tab_heard_it() {
    let Harness { mut cache, clock, .. } = harness();
    let answer_as_of = |at: Millis| answer_meta(at, &["balance"], at as u32);
    let revalidation = FetchOptions { revalidate: true, ..WINDOW };
    let balance = Target::Tags(vec!["balance".into()]);
    // This tab hears the push from its own connection at START + 20; another tab heard it at
    // START + 5 and fetched at START + 10, after it.
    clock.advance(20);
    cache.with_origin(Origin::Push, |c| c.invalidate(&balance)).unwrap();
    cache.backdate_invalidation(&balance, START + 5);
    assert!(cache.adopt_answer("balance", "after the push".into(), answer_as_of(START + 10)));
    assert_eq!(state(&mut cache, "balance"), Some(State::Fresh), "its answer reflects the push");
    assert_eq!(cache.plan_fetch("balance", revalidation).unwrap(), Plan::Serve);
    // Dated back, never forward: an answer from before the earliest hearing stays stale.
    cache.invalidate(&balance).unwrap();
    cache.backdate_invalidation(&balance, START + 30);
    assert!(cache.adopt_answer("balance", "before".into(), answer_as_of(START + 15)), "taken, but stale");
    assert_eq!(state(&mut cache, "balance"), Some(State::Stale));
    // Only the invalidation of that target moves.
    cache.invalidate(&Target::key("other").unwrap()).unwrap();
    cache.backdate_invalidation(&balance, START);
    assert!(cache.adopt_answer("other", "old".into(), answer_as_of(START + 10)));
    assert_eq!(state(&mut cache, "other"), Some(State::Stale));
}

#[test]
fn another_tabs_write_overtakes_only_fetches_that_started_before_it() {
    let Harness { mut cache, clock, .. } = harness();
    let meta_as_of = |at: Millis| {
        let mut freshness = Freshness::starting(at, Ttl::Forever, Ttl::Forever);
        freshness.as_of = at;
        EntryMeta { tier: Tier::Local, freshness, tags: Tags::default(), etag: None, write_id: 0, size: 1 }
    };
    let early = cache.start_fetch("k", Tags::default());
    clock.advance(10);
    assert!(cache.adopt("k", "theirs".into(), meta_as_of(START + 10)));
    assert_eq!(cache.take_outdated_fetches(), [early], "it started before the other tab's write");
    assert_eq!(cache.plan_fetch("k", WINDOW).unwrap(), Plan::Serve, "its callers get the written value");

    clock.advance(10);
    let late = cache.start_fetch("k", Tags::default());
    assert!(cache.adopt("k", "theirs, later".into(), meta_as_of(START + 15)));
    assert!(cache.take_outdated_fetches().is_empty(), "a fetch started after the write may bring newer data");
    assert_eq!(cache.store_fetched("k", late, "newest".into(), SetOptions::default()).unwrap(), Fate::Current);
    assert_eq!(cache.peek("k").unwrap().unwrap().meta.freshness.as_of, START + 20, "as of its start");
}

#[test]
fn a_change_overtakes_every_fetch_it_covers_whether_or_not_the_key_has_an_entry() {
    let tagged_assets = || SetOptions { tags: vec!["assets".into()].into(), ..SetOptions::default() };
    let targets = [
        Target::key("assets:shop1:fonts").unwrap(),
        Target::prefix("assets:").unwrap(),
        Target::pattern("assets:*:fonts").unwrap(),
        Target::Tags(vec!["assets".into()]),
        Target::All,
    ];
    for target in targets {
        for remove in [false, true] {
            let Harness { mut cache, .. } = harness();
            let id = cache.start_fetch("assets:shop1:fonts", vec!["assets".to_owned()].into());
            let other = cache.start_fetch("clients:list", Tags::default());
            let count = if remove { cache.remove(&target).unwrap() } else { cache.invalidate(&target).unwrap() };
            assert_eq!(count, 0, "no entry: nothing to count, but the fetch is still covered");
            let expected = if target == Target::All { vec![id, other] } else { vec![id] };
            assert_eq!(cache.take_outdated_fetches(), expected, "{target:?}, remove: {remove}");
            let late = cache.store_fetched("assets:shop1:fonts", id, "old list".into(), tagged_assets()).unwrap();
            assert_eq!(late, Fate::Overtaken);
            assert_eq!(
                get(&mut cache, "assets:shop1:fonts"),
                None,
                "the answer fetched before the change is not stored"
            );
            if target != Target::All {
                let stored = cache.store_fetched("clients:list", other, "clients".into(), SetOptions::default());
                assert_eq!(stored.unwrap(), Fate::Current, "{target:?} does not cover it");
            }
        }
    }
}

#[test]
fn the_end_of_a_scope_outlives_fetches_already_overtaken_too() {
    let Harness { mut cache, .. } = harness();
    let first = cache.start_fetch("balance", Tags::default());
    cache.invalidate(&Target::key("balance").unwrap()).unwrap();
    let second = cache.start_fetch("balance", Tags::default());
    for user in ["u1", "u2", "u3", "u4", "u5"] {
        cache.switch_scope(Scope::new("shop", Some(user)).unwrap()).unwrap();
    }
    assert_eq!(cache.fail_fetch("balance", first, "aborted".into()), Fate::ScopeEnded);
    let late = cache.store_fetched("balance", second, "alice: 1000".into(), SetOptions::default()).unwrap();
    assert_eq!(late, Fate::ScopeEnded);
    assert_eq!(get(&mut cache, "balance"), None);
    cache.clear_scope(&Scope::new("shop", Some("u5")).unwrap()).unwrap();
    let during_logout = cache.start_fetch("balance", Tags::default());
    cache.clear_scope(&Scope::new("shop", Some("u5")).unwrap()).unwrap();
    assert_eq!(cache.fail_fetch("balance", during_logout, "aborted".into()), Fate::ScopeEnded, "clearing the user");
}

#[test]
fn a_failed_first_load_leaves_an_error_record_until_a_value_a_removal_or_a_switch() {
    let Harness { mut cache, clock, .. } = harness();
    let id = cache.start_fetch("k", Tags::default());
    clock.advance(3);
    assert_eq!(cache.fail_fetch("k", id, "HTTP 500".into()), Fate::Current);
    assert!(cache.peek("k").unwrap().is_none(), "no entry");
    assert_eq!(cache.failure("k"), Some(&("HTTP 500".to_owned(), START + 3)));
    assert_eq!(cache.plan_fetch("k", WINDOW).unwrap(), Plan::Start, "errors are not served");
    cache.set("k", "v".into(), SetOptions::default()).unwrap();
    assert_eq!(cache.failure("k"), None, "a value clears it");

    for clear in [0, 1] {
        let id = cache.start_fetch("e", Tags::default());
        cache.fail_fetch("e", id, "down".into());
        assert!(cache.failure("e").is_some());
        match clear {
            0 => drop(cache.remove(&Target::prefix("e").unwrap()).unwrap()),
            _ => drop(cache.switch_scope(Scope::new("shop", Some("bob")).unwrap()).unwrap()),
        }
        assert_eq!(cache.failure("e"), None);
    }
}

#[test]
fn another_tabs_idb_write_replaces_the_copy_held_here_with_metadata_whose_value_is_read_on_demand() {
    let Harness { mut cache, clock, idb, .. } = harness();
    cache.set("k", "ours".into(), SetOptions { tier: Some(Tier::Idb), size: 4, ..SetOptions::default() }).unwrap();
    cache.take_changes();
    let puts_before = idb.contents.borrow().len();
    clock.advance(5);
    let theirs = EntryMeta {
        tier: Tier::Idb,
        freshness: Freshness::starting(START + 5, Ttl::Forever, Ttl::Forever),
        tags: vec!["t".into()].into(),
        etag: None,
        write_id: 0,
        size: 40,
    };
    assert!(cache.with_origin(Origin::Tab, |c| c.adopt_unloaded("k", theirs.clone())));
    assert_eq!(get(&mut cache, "k"), None, "the value held here is dropped");
    assert_eq!(cache.unloaded_tier("k"), Some(Tier::Idb), "and read back from IndexedDB on demand");
    assert_eq!(cache.peek("k").unwrap().unwrap().meta, &theirs);
    assert_eq!(cache.stats().tier(Tier::Memory), TierUsage::default(), "no value, no memory used");
    assert_eq!(cache.stats().tier(Tier::Idb), TierUsage { entries: 1, bytes: 40 });
    assert_eq!(cache.matching_keys(&Target::Tags(vec!["t".into()])).unwrap(), ["k"]);
    let changes = cache.take_changes();
    assert_eq!(
        (changes[0].kind, changes[0].origin, changes[0].keys.clone()),
        (ChangeKind::Set, Origin::Tab, vec!["k".into()])
    );
    assert_eq!(idb.contents.borrow().len(), puts_before, "nothing persisted: the tier has it");
    assert!(!cache.adopt_unloaded("k", theirs.clone()), "the same write again: nothing new");
    assert!(cache.adopt_unloaded("new", EntryMeta { size: 1, ..theirs }));
    assert_eq!(cache.matching_keys(&Target::All).unwrap(), ["k", "new"]);
}

#[test]
fn another_tabs_deletions_from_a_tier_drop_only_the_entries_of_that_tier() {
    let Harness { mut cache, .. } = harness();
    for (key, tier) in
        [("a:idb", Tier::Idb), ("a:local", Tier::Local), ("a:memory", Tier::Memory), ("b:idb", Tier::Idb)]
    {
        cache.set(key, key.into(), opts(tier)).unwrap();
    }
    cache.take_changes();
    let removed =
        cache.with_origin(Origin::Tab, |c| c.remove_tier_seen(&Target::prefix("a:").unwrap(), Tier::Idb, None));
    assert_eq!(removed.unwrap(), 1);
    assert_eq!(cache.matching_keys(&Target::All).unwrap(), ["a:local", "a:memory", "b:idb"]);
    let removed = cache.remove_tier_seen(&Target::All, Tier::Idb, None).unwrap();
    assert_eq!(removed, 1);
    assert_eq!(cache.matching_keys(&Target::All).unwrap(), ["a:local", "a:memory"]);
    let changes = cache.take_changes();
    assert_eq!(
        (changes[0].kind, changes[0].origin, changes[0].keys.clone()),
        (ChangeKind::Remove, Origin::Tab, vec!["a:idb".into()])
    );
}

#[test]
fn a_user_switch_drops_pending_mutations() {
    let Harness { mut cache, .. } = harness();
    cache.set("k", "alice".into(), SetOptions::default()).unwrap();
    let id = cache.begin_mutation("k", "optimistic".into(), SetOptions::default()).unwrap();
    cache.switch_scope(Scope::new("shop", Some("bob")).unwrap()).unwrap();
    cache.settle_mutation("k", id, Outcome::Failed { rollback: true }, SetOptions::default()).unwrap();
    assert_eq!(get(&mut cache, "k"), None, "alice's value is not restored under bob");
}

#[test]
fn another_tabs_changes_reach_memory_only_and_are_announced_as_from_a_tab() {
    let Harness { mut cache, local, .. } = harness();
    cache.set("assets:1", "a".into(), opts(Tier::Local)).unwrap();
    cache.set("assets:2", "b".into(), opts(Tier::Local)).unwrap();
    cache.take_changes();
    let invalidated = cache.with_origin(Origin::Tab, |c| c.invalidate_seen(&Target::key("assets:1").unwrap(), None));
    assert_eq!(invalidated.unwrap(), 1);
    assert_eq!(state(&mut cache, "assets:1"), Some(State::Stale));
    let removed = cache.with_origin(Origin::Tab, |c| c.remove_seen(&Target::key("assets:2").unwrap(), None));
    assert_eq!(removed.unwrap(), 1);
    assert_eq!(get(&mut cache, "assets:2"), None);
    assert_eq!(stored(&local), ["shop:alice:assets:1", "shop:alice:assets:2"], "storage is the sender's business");
    let changes = cache.take_changes();
    assert_eq!(
        changes.iter().map(|c| (c.kind, c.origin)).collect::<Vec<_>>(),
        [(ChangeKind::Invalidate, Origin::Tab), (ChangeKind::Remove, Origin::Tab)]
    );
    cache.set("k", "v".into(), SetOptions::default()).unwrap();
    assert_eq!(cache.take_changes()[0].origin, Origin::Local, "the origin is restored");
}

#[test]
fn another_tabs_change_heard_late_spares_later_data_and_undoes_what_was_stored_since() {
    let Harness { mut cache, clock, local, .. } = harness();
    // A fetch here started at START; the other tab removed the key at START + 10; the answer
    // was stored here at START + 20, before the message arrived.
    let id = cache.start_fetch("k", Tags::default());
    clock.advance(20);
    cache.store_fetched("k", id, "late".into(), opts(Tier::Local)).unwrap();
    cache.set("newer", "fetched after the change".into(), opts(Tier::Local)).unwrap();
    let removed = cache.remove_seen(&Target::All, Some(START + 10)).unwrap();
    assert_eq!(removed, 1, "only what reflects data from before the change");
    assert_eq!(get(&mut cache, "k"), None);
    assert_eq!(stored(&local), ["shop:alice:newer"], "the late answer is deleted from the shared tier too");
    assert_eq!(get(&mut cache, "newer").as_deref(), Some("fetched after the change"));

    let late = cache.start_fetch("k", Tags::default());
    clock.advance(5);
    cache.invalidate_seen(&Target::key("k").unwrap(), Some(START + 19)).unwrap();
    assert!(cache.take_outdated_fetches().is_empty(), "it started after the change");
    assert_eq!(cache.store_fetched("k", late, "v".into(), SetOptions::default()).unwrap(), Fate::Current);
}

#[test]
fn another_tabs_logout_purges_memory_and_what_was_stored_here_since() {
    let Harness { mut cache, clock, local, .. } = harness();
    cache.set("before", "alice".into(), opts(Tier::Local)).unwrap();
    local.contents.borrow_mut().clear(); // the other tab deleted it from the shared tier
    clock.advance(10);
    let id = cache.start_fetch("balance", Tags::default());
    cache.clear_scope_seen(&Scope::new("shop", Some("bob")).unwrap(), Some(START + 5));
    assert_eq!(get(&mut cache, "before").as_deref(), Some("alice"), "another user's logout");
    cache.set("balance", "alice: 100".into(), opts(Tier::Local)).unwrap();
    cache.clear_scope_seen(&Scope::new("shop", Some("alice")).unwrap(), Some(START + 5));
    assert_eq!(get(&mut cache, "balance"), None);
    assert!(stored(&local).is_empty(), "stored after the logout, before this tab heard of it");
    assert_eq!(cache.fail_fetch("balance", id, "aborted".into()), Fate::ScopeEnded);
}

#[test]
fn another_tabs_late_answer_is_not_adopted_after_a_removal_invalidation_or_logout_here() {
    let Harness { mut cache, clock, local, .. } = harness();
    local.contents.borrow_mut().insert("shop:alice:assets:fonts".into(), (3, Some("old".into())));
    let fetched_at = |at: Millis| {
        let mut freshness = Freshness::starting(at + 30, Ttl::Forever, Ttl::Forever);
        freshness.as_of = at;
        EntryMeta { tier: Tier::Local, freshness, tags: vec!["list".into()].into(), etag: None, write_id: 0, size: 1 }
    };
    clock.advance(10);
    cache.remove(&Target::prefix("assets:").unwrap()).unwrap(); // no entry here to compare with
    cache.invalidate(&Target::Tags(vec!["list".into()])).unwrap();
    clock.advance(30);
    assert!(!cache.adopt("assets:fonts", "old".into(), fetched_at(START)), "fetched before the removal");
    assert!(stored(&local).is_empty(), "and deleted from the shared tier, whose writer may never hear of the removal");
    assert!(cache.adopt("clients", "old".into(), fetched_at(START + 5)), "fetched before the invalidation");
    assert_eq!(state(&mut cache, "clients"), Some(State::Stale), "taken as the invalidation left it");
    assert!(cache.adopt("clients", "new".into(), fetched_at(START + 11)), "fetched after both");
    assert_eq!(state(&mut cache, "clients"), Some(State::Fresh));
    clock.advance(10);
    cache.clear_scope(&Scope::new("shop", Some("alice")).unwrap()).unwrap();
    assert!(!cache.adopt("clients", "old".into(), fetched_at(START + 20)), "fetched before the logout");
    assert_eq!(get(&mut cache, "clients"), None);
}

#[test]
fn another_tabs_fresh_write_in_the_same_millisecond_as_ours_is_taken_whole() {
    let Harness { mut cache, clock, .. } = harness();
    // A fetch here started at START and stored at START + 20; the other tab set the key at
    // START + 20 too: same instant and tags, but another write with another value.
    let id = cache.start_fetch("k", Tags::default());
    clock.advance(20);
    cache.store_fetched("k", id, "fetched".into(), opts(Tier::Local)).unwrap();
    let mut theirs = cache.peek("k").unwrap().unwrap().meta.clone();
    theirs.freshness = Freshness::starting(START + 20, Ttl::Forever, Ttl::Forever);
    assert!(cache.adopt("k", "set there".into(), theirs.clone()), "a later change, whatever the instant of the write");
    assert_eq!(get(&mut cache, "k").as_deref(), Some("set there"));
    let mut invalidated = theirs;
    invalidated.freshness.mark_stale(START + 20);
    invalidated.freshness.as_of = START + 21;
    assert!(!cache.adopt("k", "set there, decoded again".into(), invalidated), "its stale rewrite: metadata only");
    assert_eq!(get(&mut cache, "k").as_deref(), Some("set there"));
    assert_eq!(state(&mut cache, "k"), Some(State::Stale));
}

#[test]
fn of_two_answers_fetched_from_the_same_instant_every_tab_keeps_the_later_written() {
    let Harness { mut cache, clock, local, .. } = harness();
    // Both tabs refetched on one push at START; this tab's answer landed at START + 10, the other
    // tab's at START + 30 (the server had changed meanwhile), or at START + 5.
    let id = cache.start_fetch("k", Tags::default());
    clock.advance(10);
    cache.store_fetched("k", id, "ours".into(), opts(Tier::Local)).unwrap();
    let theirs_at = |written: Millis| {
        let mut freshness = Freshness::starting(written, Ttl::Forever, Ttl::Forever);
        freshness.as_of = START;
        EntryMeta { tier: Tier::Local, freshness, tags: Tags::default(), etag: None, write_id: 0, size: 1 }
    };
    local.contents.borrow_mut().insert("shop:alice:k".into(), (15, Some("theirs, earlier".into())));
    assert!(!cache.adopt("k", "theirs, earlier".into(), theirs_at(START + 5)));
    assert_eq!(local.contents.borrow()["shop:alice:k"].1.as_deref(), Some("ours"), "ours is written back");
    assert!(cache.adopt("k", "theirs, later".into(), theirs_at(START + 30)));
    assert_eq!(get(&mut cache, "k").as_deref(), Some("theirs, later"));
}

#[test]
fn two_writes_of_one_instant_in_two_tabs_end_with_the_same_one_in_both() {
    let Harness { mut cache, local, .. } = harness();
    cache.set("k", "ours".into(), opts(Tier::Local)).unwrap();
    let ours = cache.peek("k").unwrap().unwrap().meta.clone();
    let theirs = |write_id: u32| EntryMeta { write_id, ..ours.clone() }; // same instants, another write
    local.contents.borrow_mut().insert("shop:alice:k".into(), (6, Some("theirs".into())));
    assert!(!cache.adopt("k", "theirs".into(), theirs(ours.write_id - 1)), "a smaller write id loses");
    assert_eq!(local.contents.borrow()["shop:alice:k"].1.as_deref(), Some("ours"), "and ours is written back");
    assert!(cache.adopt("k", "theirs".into(), theirs(ours.write_id + 1)), "a larger one wins, here as there");
    assert_eq!(get(&mut cache, "k").as_deref(), Some("theirs"));
}

#[test]
fn another_tabs_idb_write_overtakes_a_fetch_here_that_started_before_it() {
    let Harness { mut cache, clock, .. } = harness();
    let id = cache.start_fetch("k", Tags::default());
    clock.advance(10);
    let mut freshness = Freshness::starting(START + 10, Ttl::Forever, Ttl::Forever);
    freshness.as_of = START + 10;
    let theirs = EntryMeta { tier: Tier::Idb, freshness, tags: Tags::default(), etag: None, write_id: 7, size: 1 };
    assert!(cache.adopt_unloaded("k", theirs));
    assert_eq!(cache.take_outdated_fetches(), [id], "announced over the channel, it is a change like any");
    assert_eq!(cache.store_fetched("k", id, "older".into(), opts(Tier::Idb)).unwrap(), Fate::Overtaken);
    assert_eq!(cache.plan_fetch("k", WINDOW).unwrap(), Plan::Load, "its callers read the written value");
}

#[test]
fn a_late_hydration_is_taken_as_the_changes_made_before_it_leave_it() {
    // IndexedDB loads behind createCache: what the load brings predates the changes made here
    // meanwhile, on keys this tab did not know yet.
    let Harness { mut cache, clock, idb, .. } = harness();
    for key in ["gone", "assets:a", "list", "later"] {
        idb.contents
            .borrow_mut()
            .insert(QuotaStore::<String>::storage_key(cache.scope(), key), (1, Some("disk".into())));
    }
    let on_disk = |as_of: Millis| {
        let mut freshness = Freshness::starting(as_of, Ttl::Forever, Ttl::Forever);
        freshness.as_of = as_of;
        EntryMeta { tier: Tier::Idb, freshness, tags: vec!["lists".into()].into(), etag: None, write_id: 0, size: 1 }
    };
    clock.advance(10);
    cache.remove(&Target::key("gone").unwrap()).unwrap();
    cache.remove(&Target::prefix("assets:").unwrap()).unwrap();
    cache.invalidate(&Target::Tags(vec!["lists".into()])).unwrap();
    clock.advance(10);
    assert!(!cache.hydrate("gone", None, on_disk(START)), "removed before the load: not taken");
    assert!(!cache.hydrate("assets:a", None, on_disk(START)), "removed by prefix before the load");
    assert_eq!(
        stored(&idb),
        ["shop:alice:later", "shop:alice:list"],
        "and deleted from the tier, which no other call would reach"
    );
    assert!(cache.hydrate("list", None, on_disk(START)), "invalidated before the load");
    assert_eq!(state(&mut cache, "list"), Some(State::Stale), "taken stale");
    assert!(cache.hydrate("later", None, on_disk(START + 15)), "written (by another tab) after the changes");
    assert_eq!(state(&mut cache, "later"), Some(State::Fresh));
}

/// Metadata of an IndexedDB entry persisted with data as of `as_of`, carrying `tags`.
fn idb_meta(as_of: Millis, tags: &[&str]) -> EntryMeta {
    EntryMeta { tier: Tier::Idb, ..answer_meta(as_of, tags, 0) }
}

#[test]
fn changes_made_before_the_load_reach_the_entries_of_a_user_switched_away_from_once_they_are_loaded() {
    let Harness { mut cache, clock, idb, .. } = harness();
    let alice = cache.scope().clone();
    let on_disk = ["gone", "list", "pre:a", "keep", "later", "old:list", "old:keep"];
    for key in on_disk {
        idb.contents.borrow_mut().insert(QuotaStore::<String>::storage_key(&alice, key), (1, Some("disk".into())));
    }
    clock.advance(10);
    cache.remove(&Target::key("gone").unwrap()).unwrap();
    cache.invalidate(&Target::Tags(vec!["lists".into()])).unwrap();
    cache.invalidate(&Target::prefix("pre:").unwrap()).unwrap();
    clock.advance(10);
    let bob = Scope::new("shop", Some("bob")).unwrap();
    assert!(cache.switch_scope(bob.clone()).unwrap(), "left before its load, with changes made to it");
    let entries = vec![
        ("gone".to_owned(), OnDisk::Current(idb_meta(START, &[]))),
        ("list".to_owned(), OnDisk::Current(idb_meta(START, &["lists"]))),
        ("pre:a".to_owned(), OnDisk::Current(idb_meta(START, &[]))),
        ("keep".to_owned(), OnDisk::Current(idb_meta(START, &[]))),
        ("later".to_owned(), OnDisk::Current(idb_meta(START + 15, &["lists"]))),
        ("old:list".to_owned(), OnDisk::OtherVersion(idb_meta(START, &["lists"]))),
        ("old:keep".to_owned(), OnDisk::OtherVersion(idb_meta(START, &[]))),
    ];
    cache.settle_left(&alice, || entries);
    assert_eq!(
        stored(&idb),
        ["shop:alice:keep", "shop:alice:later", "shop:alice:list", "shop:alice:old:keep", "shop:alice:pre:a"],
        "removed, and an entry of another version an invalidation covers, deleted"
    );
    let now = clock.now();
    let state_on_disk = |key: &str| {
        idb.metas.borrow().get(&QuotaStore::<String>::storage_key(&alice, key)).map(|m| m.freshness.state(now))
    };
    assert_eq!(state_on_disk("list"), Some(State::Stale), "invalidated by tag on disk");
    assert_eq!(state_on_disk("pre:a"), Some(State::Stale), "invalidated by prefix on disk");
    assert_eq!(state_on_disk("keep"), None, "no change covers it: not rewritten");
    assert_eq!(state_on_disk("later"), None, "written after the changes: not rewritten");
    assert!(cache.matching_keys(&Target::All).unwrap().is_empty(), "nothing of alice entered memory");
    idb.metas.borrow_mut().clear();
    cache.settle_left(&alice, || vec![("keep".to_owned(), OnDisk::Current(idb_meta(START, &[])))]);
    assert!(idb.metas.borrow().is_empty(), "settled once: the changes are forgotten");
    assert!(!cache.switch_scope(alice).unwrap(), "bob was left with no changes");
}

/// A cache whose key `k` was invalidated before its scope's IndexedDB entries loaded, and that scope.
fn invalidated_before_the_load() -> (TestEngine, Scope) {
    let Harness { mut cache, clock, .. } = harness();
    let scope = cache.scope().clone();
    clock.advance(10);
    cache.invalidate(&Target::key("k").unwrap()).unwrap();
    (cache, scope)
}

#[test]
fn a_switch_to_the_same_scope_before_the_load_leaves_nothing_to_settle() {
    let (mut cache, alice) = invalidated_before_the_load();
    assert!(!cache.switch_scope(alice).unwrap(), "the changes stay with the scope's own load");
    assert!(cache.hydrate("k", None, idb_meta(START, &[])));
    assert_eq!(state(&mut cache, "k"), Some(State::Stale));
}

#[test]
fn switching_back_before_the_load_lands_gives_the_changes_to_the_load_that_comes_then() {
    let (mut cache, alice) = invalidated_before_the_load();
    assert!(cache.switch_scope(Scope::new("shop", Some("bob")).unwrap()).unwrap());
    assert!(!cache.switch_scope(alice).unwrap());
    assert!(cache.hydrate("k", None, idb_meta(START, &[])));
    assert_eq!(state(&mut cache, "k"), Some(State::Stale), "the change made before the first switch");
}

#[test]
fn a_switch_after_the_load_landed_leaves_nothing_to_settle() {
    let Harness { mut cache, clock, .. } = harness();
    cache.loaded();
    clock.advance(10);
    cache.invalidate(&Target::key("k").unwrap()).unwrap();
    assert!(!cache.switch_scope(Scope::new("shop", Some("bob")).unwrap()).unwrap(), "the load applied the changes");
}

#[test]
fn every_change_made_before_the_load_lands_reaches_it_then_only_the_latest_are_kept() {
    let Harness { mut cache, clock, .. } = harness();
    let on_disk = || {
        let mut freshness = Freshness::starting(START, Ttl::Forever, Ttl::Forever);
        freshness.as_of = START;
        EntryMeta { tier: Tier::Idb, freshness, tags: Tags::default(), etag: None, write_id: 0, size: 1 }
    };
    clock.advance(10);
    let keys: Vec<String> = (0..80).map(|i| ["k", &i.to_string()].concat()).collect();
    for key in &keys[..40] {
        cache.invalidate(&Target::key(key).unwrap()).unwrap();
    }
    assert!(cache.hydrate(&keys[0], None, on_disk()));
    assert_eq!(state(&mut cache, &keys[0]), Some(State::Stale), "the first of 40 changes still counts");
    cache.loaded();
    for key in &keys[40..] {
        cache.invalidate(&Target::key(key).unwrap()).unwrap();
    }
    assert!(cache.adopt(&keys[79], "late".into(), on_disk()));
    assert_eq!(state(&mut cache, &keys[79]), Some(State::Stale));
    assert!(cache.adopt(&keys[40], "late".into(), on_disk()));
    assert_eq!(state(&mut cache, &keys[40]), Some(State::Fresh), "once loaded, the bound of 32 is back");
}
