//! A small deterministic generator for the core's randomised tests, so each walk replays exactly.

/// xorshift64 (13, 7, 17); the seed must not be 0.
pub struct XorShift(pub u64);

impl XorShift {
    /// The next number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}
