//! One small sort for the core's two orderings (the keys a target matches, eviction's candidates
//! by last use). std's `sort_unstable` instantiates its pattern-defeating quicksort, heapsort
//! fallback and small-sort networks for every element type: 3.7 KB of wasm code per type before
//! wasm-opt. A binary heap is a few hundred bytes per type, and orders only what is taken from
//! it: eviction, which takes the few least recently used entries out of every entry of a tier,
//! pays O(n) to build the heap and O(log n) per entry it takes, where a full sort paid
//! O(n log n) (docs/benchmarks.md, "Size diet, step 3").

/// `items`, smallest first, ordered as they are taken (not stable: equal items may trade
/// places, which for the core's items, strings and `(tick, key)` pairs, is indistinguishable).
pub fn ascending<T: Ord>(mut items: Vec<T>) -> Ascending<T> {
    for root in (0..items.len() / 2).rev() {
        sift_down(&mut items, root);
    }
    Ascending { heap: items }
}

/// `items` sorted ascending.
pub fn sorted<T: Ord>(items: Vec<T>) -> Vec<T> {
    ascending(items).collect()
}

/// The iterator of [`ascending`]: a min-heap.
pub struct Ascending<T> {
    heap: Vec<T>,
}

impl<T: Ord> Iterator for Ascending<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        let last = self.heap.len().checked_sub(1)?;
        self.heap.swap(0, last);
        let smallest = self.heap.pop();
        sift_down(&mut self.heap, 0);
        smallest
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.heap.len(), Some(self.heap.len()))
    }
}

/// Moves `heap[root]` down the min-heap `heap` to where it belongs.
fn sift_down<T: Ord>(heap: &mut [T], mut root: usize) {
    loop {
        let mut child = 2 * root + 1;
        if child >= heap.len() {
            return;
        }
        if child + 1 < heap.len() && heap[child + 1] < heap[child] {
            child += 1;
        }
        if heap[root] <= heap[child] {
            return;
        }
        heap.swap(root, child);
        root = child;
    }
}

#[cfg(test)]
mod tests {
    use super::{ascending, sorted};
    use crate::core::seeded::XorShift;

    #[test]
    fn sorts_like_std_over_a_seeded_random_walk() {
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        let mut next = move || rng.below(1 << 32) as u32;
        for len in (0..40).chain([100, 257, 1000]) {
            let numbers: Vec<u32> = (0..len).map(|_| next() % 16).collect();
            let keys: Vec<(u64, String)> =
                (0..len).map(|_| (u64::from(next() % 8), format!("k{}", next() % 50))).collect();
            let mut want_numbers = numbers.clone();
            let mut want_keys = keys.clone();
            want_numbers.sort_unstable();
            want_keys.sort_unstable();
            assert_eq!(sorted(numbers), want_numbers, "len {len}");
            let first: Vec<_> = ascending(keys.clone()).take(3).collect();
            assert_eq!(first, want_keys[..want_keys.len().min(3)], "len {len}");
            assert_eq!(sorted(keys), want_keys, "len {len}");
        }
    }

    #[test]
    fn sorts_sorted_reversed_and_equal_items() {
        let up: Vec<u32> = (0..100).collect();
        assert_eq!(sorted(up.clone()), up);
        assert_eq!(sorted((0..100).rev().collect()), up);
        assert_eq!(sorted(vec![7u32; 33]), vec![7; 33]);
        assert_eq!(sorted(Vec::<u32>::new()), Vec::<u32>::new());
    }
}
