//! The core's maps, all keyed by strings (cache keys, tags), and their hasher: FxHash's
//! word-at-a-time multiply-rotate (as in rustc), not std's SipHash. Keys come from the app's own
//! code, and the maps are rebuilt per page, so SipHash's resistance to crafted collisions buys
//! nothing here, and it was a sizeable part of a `set` (D-25 in docs/decisions.md).
//!
//! [`KeyMap`] is not std's `HashMap` (hashbrown): hashbrown's table code is instantiated for
//! every entry type, ~2 KB of wasm each before wasm-opt, five types in all. Here the table, which
//! holds the keys, their hashes and the probe slots, is one non-generic [`Table`]; only the
//! values' `Vec` is per type (D-141 in docs/decisions.md). Entries sit in two dense `Vec`s in
//! insertion order (a removal moves the last entry into the gap), so iteration is a slice walk.

use std::hash::Hasher;

/// No entry in this probe slot.
const EMPTY: u32 = u32::MAX;

/// The hash of `key` that [`Table`] keeps: the high half of its FxHash (the multiply leaves the
/// low bits weak).
fn hash_key(key: &str) -> u32 {
    let mut hasher = FxHasher::default();
    hasher.write(key.as_bytes());
    (hasher.finish() >> 32) as u32
}

/// The keys of a [`KeyMap`] and where to find them: linear probing in a power-of-two array of
/// entry indexes, at most half full.
#[derive(Clone, Debug, Default)]
struct Table {
    keys: Vec<String>,
    hashes: Vec<u32>,
    slots: Vec<u32>,
}

impl Table {
    fn mask(&self) -> usize {
        self.slots.len().wrapping_sub(1)
    }

    /// The slot a hash probes first.
    fn home(&self, hash: u32) -> usize {
        // High bits of the hash: `slots.len()` is 2^bits, bits ≥ 3.
        (hash >> (32 - self.slots.len().trailing_zeros())) as usize
    }

    /// The slot and entry index of `key`.
    fn find(&self, key: &str) -> Option<(usize, usize)> {
        if self.keys.is_empty() {
            return None;
        }
        let hash = hash_key(key);
        let mut slot = self.home(hash);
        loop {
            let index = *self.slots.get(slot)?;
            if index == EMPTY {
                return None;
            }
            let index = index as usize;
            if self.hashes.get(index) == Some(&hash) && self.keys.get(index).is_some_and(|held| held == key) {
                return Some((slot, index));
            }
            slot = (slot + 1) & self.mask();
        }
    }

    /// Adds `key`, which is not held, as the last entry.
    fn push(&mut self, key: String) {
        if (self.keys.len() + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let hash = hash_key(&key);
        let index = self.keys.len() as u32;
        self.keys.push(key);
        self.hashes.push(hash);
        self.place(hash, index);
    }

    /// Puts entry `index` in the first free slot from its home.
    fn place(&mut self, hash: u32, index: u32) {
        let mask = self.mask();
        let mut slot = self.home(hash);
        while let Some(held) = self.slots.get_mut(slot) {
            if *held == EMPTY {
                *held = index;
                return;
            }
            slot = (slot + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(8);
        self.slots = vec![EMPTY; size];
        for index in 0..self.hashes.len() {
            let hash = self.hashes.get(index).copied().unwrap_or_default();
            self.place(hash, index as u32);
        }
    }

    /// Removes the entry at `index`, found in `slot`; the last entry moves to `index` (as
    /// `Vec::swap_remove` moves the values).
    fn remove(&mut self, slot: usize, index: usize) -> Option<String> {
        self.empty_slot(slot);
        let last = self.keys.len().checked_sub(1)?;
        if index != last {
            // The last entry's slot now points at `index`.
            let hash = self.hashes.get(last).copied()?;
            let mask = self.mask();
            let mut probe = self.home(hash);
            while let Some(held) = self.slots.get_mut(probe) {
                if *held == last as u32 {
                    *held = index as u32;
                    break;
                }
                probe = (probe + 1) & mask;
            }
        }
        self.hashes.swap_remove(index);
        Some(self.keys.swap_remove(index))
    }

    /// Empties `hole` and moves back the entries after it that probed past it (linear probing's
    /// deletion, which needs no tombstones).
    fn empty_slot(&mut self, mut hole: usize) {
        let mask = self.mask();
        let mut next = hole;
        loop {
            next = (next + 1) & mask;
            let Some(&index) = self.slots.get(next) else { return };
            if index == EMPTY {
                break;
            }
            let home = self.home(self.hashes.get(index as usize).copied().unwrap_or_default());
            // The entry stays when its home lies cyclically in (hole, next].
            let stays = if hole <= next { hole < home && home <= next } else { hole < home || home <= next };
            if !stays {
                if let Some(at) = self.slots.get_mut(hole) {
                    *at = index;
                }
                hole = next;
            }
        }
        if let Some(at) = self.slots.get_mut(hole) {
            *at = EMPTY;
        }
    }

    fn clear(&mut self) {
        self.keys.clear();
        self.hashes.clear();
        self.slots.clear();
    }
}

/// A map from strings to `V` (see the module's notes).
#[derive(Clone, Debug)]
pub struct KeyMap<V> {
    table: Table,
    values: Vec<V>,
}

/// A set of strings.
pub type KeySet = KeyMap<()>;

impl<V> Default for KeyMap<V> {
    fn default() -> Self {
        KeyMap { table: Table::default(), values: Vec::new() }
    }
}

impl<V> KeyMap<V> {
    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Whether it holds `key`.
    pub fn contains_key(&self, key: &str) -> bool {
        self.table.find(key).is_some()
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.values.get(self.table.find(key)?.1)
    }

    /// The value of `key`, to change.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        let (_, index) = self.table.find(key)?;
        self.values.get_mut(index)
    }

    /// Where `key`'s value is, for [`KeyMap::at_mut`]: valid until the map next changes.
    pub fn index_of(&self, key: &str) -> Option<usize> {
        Some(self.table.find(key)?.1)
    }

    /// The value at `index` (from [`KeyMap::index_of`]), to change.
    pub fn at_mut(&mut self, index: usize) -> Option<&mut V> {
        self.values.get_mut(index)
    }

    /// The held key equal to `key`.
    pub fn get_key(&self, key: &str) -> Option<&String> {
        self.table.keys.get(self.table.find(key)?.1)
    }

    /// Sets `key` to `value`; returns the value it replaced.
    pub fn insert(&mut self, key: String, value: V) -> Option<V> {
        match self.table.find(&key) {
            Some((_, index)) => self.values.get_mut(index).map(|held| std::mem::replace(held, value)),
            None => {
                self.table.push(key);
                self.values.push(value);
                None
            }
        }
    }

    /// The value of `key`, inserted with `make` when it holds none (copying the key only then).
    pub fn get_or_insert_with(&mut self, key: &str, make: impl FnOnce() -> V) -> Option<&mut V> {
        let index = match self.table.find(key) {
            Some((_, index)) => index,
            None => {
                self.table.push(key.to_owned());
                self.values.push(make());
                self.values.len() - 1
            }
        };
        self.values.get_mut(index)
    }

    /// Removes `key`; returns its value.
    pub fn remove(&mut self, key: &str) -> Option<V> {
        let (slot, index) = self.table.find(key)?;
        self.table.remove(slot, index)?;
        Some(self.values.swap_remove(index))
    }

    /// Keeps the entries `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &mut V) -> bool) {
        // Backwards: a removal moves the last entry, which has been judged, into the gap.
        for index in (0..self.values.len()).rev() {
            let (Some(key), Some(value)) = (self.table.keys.get(index), self.values.get_mut(index)) else { continue };
            if !keep(key, value) {
                let key = key.clone();
                self.remove(&key);
            }
        }
    }

    /// The entries, in no promised order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &V)> {
        self.table.keys.iter().zip(&self.values)
    }

    /// The entries, values to change.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&String, &mut V)> {
        self.table.keys.iter().zip(&mut self.values)
    }

    /// The keys.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.table.keys.iter()
    }

    /// Takes every entry out.
    pub fn drain(&mut self) -> impl Iterator<Item = (String, V)> {
        let keys = std::mem::take(&mut self.table.keys);
        self.table.clear();
        keys.into_iter().zip(std::mem::take(&mut self.values))
    }

    /// Its keys, in insertion order (as [`KeyMap::drain`] gives them, without the values).
    pub fn into_keys(self) -> Vec<String> {
        self.table.keys
    }

    /// Forgets every entry.
    pub fn clear(&mut self) {
        self.table.clear();
        self.values.clear();
    }
}

impl KeySet {
    /// Whether it holds `key`.
    pub fn contains(&self, key: &str) -> bool {
        self.contains_key(key)
    }

    /// Adds `key`, copying it only when it is new; returns whether it was.
    pub fn add(&mut self, key: &str) -> bool {
        let mut added = false;
        self.get_or_insert_with(key, || added = true);
        added
    }
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

/// FxHash: for each 8-byte word, `hash = (hash.rotate_left(5) ^ word) * SEED`.
#[derive(Clone, Copy, Debug, Default)]
pub struct FxHasher {
    hash: u64,
}

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::seeded::XorShift;
    use std::collections::HashMap;

    #[test]
    fn equal_keys_hash_equal_and_nearby_keys_differ() {
        assert_eq!(hash_key("assets:shop1:fonts"), hash_key("assets:shop1:fonts"));
        let keys =
            ["", "a", "b", "assets:1", "assets:2", "assets:shop1:fonts", "assets:shop1:fontt", "12345678", "123456789"];
        let mut hashes: Vec<u32> = keys.iter().map(|k| hash_key(k)).collect();
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(hashes.len(), keys.len());
        let mut map = KeyMap::default();
        for (i, key) in keys.iter().enumerate() {
            map.insert(key.to_string(), i);
        }
        assert!(keys.iter().enumerate().all(|(i, key)| map.get(key) == Some(&i)));
    }

    /// A seeded random walk of inserts, replacements, removals and retains, checked against std's
    /// `HashMap` after every step.
    #[test]
    fn behaves_as_a_hash_map_over_a_seeded_random_walk() {
        let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
        let mut next = move || rng.below(1 << 32) as u32;
        let mut map: KeyMap<u32> = KeyMap::default();
        let mut want: HashMap<String, u32> = HashMap::new();
        for step in 0..20_000 {
            let key = format!("p{}:k{}", next() % 7, next() % 300);
            match next() % 10 {
                0..=4 => assert_eq!(map.insert(key.clone(), step), want.insert(key, step)),
                5..=7 => assert_eq!(map.remove(&key), want.remove(&key)),
                8 => {
                    let value = map.get_or_insert_with(&key, || step).copied();
                    assert_eq!(value, Some(*want.entry(key).or_insert(step)));
                }
                _ if step % 100 == 9 => {
                    let odd = next() % 2;
                    map.retain(|_, value| *value % 2 == odd);
                    want.retain(|_, value| *value % 2 == odd);
                }
                _ => {
                    if let Some(value) = map.get_mut(&key) {
                        *value += 1;
                    }
                    if let Some(value) = want.get_mut(&key) {
                        *value += 1;
                    }
                }
            }
            assert_eq!(map.len(), want.len());
            if step % 97 == 0 {
                let mut held: Vec<_> = map.iter().map(|(k, v)| (k.clone(), *v)).collect();
                let mut expected: Vec<_> = want.iter().map(|(k, v)| (k.clone(), *v)).collect();
                held.sort_unstable();
                expected.sort_unstable();
                assert_eq!(held, expected, "step {step}");
                assert!(want.keys().all(|key| map.contains_key(key) && map.get_key(key) == Some(key)));
            }
        }
        let drained: usize = map.drain().count();
        assert_eq!(drained, want.len());
        assert!(map.is_empty() && map.get("p1:k1").is_none());
        map.insert("again".into(), 1);
        assert_eq!(map.get("again"), Some(&1), "usable after a drain");
    }

    #[test]
    fn a_set_adds_a_key_once() {
        let mut set = KeySet::default();
        assert!(set.add("a"));
        assert!(!set.add("a"));
        assert!(set.contains("a") && !set.contains("b"));
        set.clear();
        assert!(!set.contains("a"));
    }
}
