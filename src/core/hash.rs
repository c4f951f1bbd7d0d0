//! The hasher of the core's maps keyed by cache keys: FxHash's word-at-a-time multiply-rotate
//! (as in rustc), not std's SipHash. Keys come from the app's own code, and the maps are rebuilt
//! per page, so SipHash's resistance to crafted collisions buys nothing here, and it was a
//! sizeable part of a `set` (D-25 in docs/decisions.md).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` with [`FxHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;
/// A `HashSet` with [`FxHasher`].
pub type FastSet<T> = HashSet<T, BuildHasherDefault<FxHasher>>;

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
    use std::hash::BuildHasher;

    fn hash(value: &str) -> u64 {
        BuildHasherDefault::<FxHasher>::default().hash_one(value)
    }

    #[test]
    fn equal_keys_hash_equal_and_nearby_keys_differ() {
        assert_eq!(hash("assets:shop1:fonts"), hash("assets:shop1:fonts"));
        let keys =
            ["", "a", "b", "assets:1", "assets:2", "assets:shop1:fonts", "assets:shop1:fontt", "12345678", "123456789"];
        let hashes: FastSet<u64> = keys.iter().map(|k| hash(k)).collect();
        assert_eq!(hashes.len(), keys.len());
        let mut map = FastMap::default();
        for (i, key) in keys.iter().enumerate() {
            map.insert(key.to_string(), i);
        }
        assert!(keys.iter().enumerate().all(|(i, key)| map.get(*key) == Some(&i)));
    }
}
