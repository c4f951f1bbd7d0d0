//! Server pushes heard several times: when several tabs connect to one source, each tab gets a
//! message from its own connection and, relayed, from every other tab. A push is applied once
//! per tab however many ways it arrives.
//!
//! Pushes carry no id, so a push is known by its fingerprint (the message text) and by how many
//! times each way has brought it lately: the n-th copy of a fingerprint from any one way is the
//! same push as the n-th from any other. Two real pushes with the same text are two copies from
//! each way, so both are applied.

use super::clock::Millis;

/// How long a fingerprint is remembered after it was last heard: copies of one push arrive
/// within milliseconds of each other; a quiet spell this long starts the count again.
pub const PUSH_MEMORY_MS: Millis = 3_000;

/// One way a push reaches a tab.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushSource {
    /// One of this tab's own connections (`connect` calls), by number.
    Own(u32),
    /// Relayed by another tab, known by the id it sends.
    Tab(u64),
}

#[derive(Debug)]
struct Heard {
    fingerprint: String,
    applied: u32,
    by_source: Vec<(PushSource, u32)>,
    last: Millis,
}

/// The pushes a tab heard lately.
#[derive(Debug, Default)]
pub struct PushLedger {
    heard: Vec<Heard>,
}

impl PushLedger {
    /// `source` brought a push with `fingerprint` at `now`: whether it is news to apply (and
    /// relay), or a copy of one applied already.
    pub fn hear(&mut self, source: PushSource, fingerprint: &str, now: Millis) -> bool {
        self.heard.retain(|h| now < h.last.saturating_add(PUSH_MEMORY_MS));
        let index = match self.heard.iter().position(|h| h.fingerprint == fingerprint) {
            Some(index) => index,
            None => {
                let heard = Heard { fingerprint: fingerprint.to_owned(), applied: 0, by_source: Vec::new(), last: now };
                self.heard.push(heard);
                self.heard.len() - 1
            }
        };
        let heard = &mut self.heard[index];
        heard.last = now;
        let count = match heard.by_source.iter_mut().find(|(s, _)| *s == source) {
            Some((_, count)) => {
                *count += 1;
                *count
            }
            None => {
                heard.by_source.push((source, 1));
                1
            }
        };
        let news = count > heard.applied;
        heard.applied = heard.applied.max(count);
        news
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN: PushSource = PushSource::Own(1);
    const B: PushSource = PushSource::Tab(2);
    const C: PushSource = PushSource::Tab(3);

    #[test]
    fn one_push_arriving_every_way_is_applied_once() {
        let mut ledger = PushLedger::default();
        assert!(ledger.hear(OWN, "spent", 0));
        assert!(!ledger.hear(B, "spent", 1), "relayed by another tab connected to the same source");
        assert!(!ledger.hear(C, "spent", 2));
        let mut relayed_first = PushLedger::default();
        assert!(relayed_first.hear(B, "spent", 0));
        assert!(!relayed_first.hear(OWN, "spent", 1), "our own copy came second");
    }

    #[test]
    fn two_pushes_with_the_same_text_are_both_applied() {
        let mut ledger = PushLedger::default();
        assert!(ledger.hear(OWN, "spent", 0));
        assert!(!ledger.hear(B, "spent", 1));
        assert!(ledger.hear(B, "spent", 5), "the second spend, relayed first");
        assert!(!ledger.hear(OWN, "spent", 6));
        assert!(ledger.hear(OWN, "other", 6), "another text is another push");
    }

    #[test]
    fn fingerprints_are_forgotten_after_a_quiet_spell() {
        let mut ledger = PushLedger::default();
        assert!(ledger.hear(OWN, "spent", 0));
        assert!(ledger.hear(OWN, "spent", PUSH_MEMORY_MS), "a new push: counts start again");
        assert!(!ledger.hear(B, "spent", PUSH_MEMORY_MS + 1));
        assert_eq!(ledger.heard.len(), 1);
    }
}
