//! The change log every replica reads: which tags changed, in the order writes published them.
//!
//! Its state, shared through the cache (Redis in production, this process in the embedded
//! mode): a random epoch, a sequence number each publish advances, and for each tag the
//! sequence number of its last change. Readers ask for the tags changed since the sequence
//! number they last saw. The log keeps the newest `MAX_LOGGED_TAGS` tags; a reader that fell
//! behind the trimmed part, or that sees another epoch (Redis lost its data), starts afresh
//! and trusts nothing it cached before.
//!
//! The log also keeps a watermark of the database's catalogue clock: the highest tick up to
//! which every committed write has published its tags. A tick that stays above it means a
//! write committed and its tags never arrived (Redis refused them, the process died between
//! commit and publish), which `Cache::watermark` lets the freshness watch find.
//!
//! `RedisCache` runs the same steps as Lua scripts, so that each is atomic.

use std::collections::{BTreeSet, HashMap};

/// The most tags the log keeps; trimming keeps the newest four fifths of them.
pub(super) const MAX_LOGGED_TAGS: usize = 50_000;
/// A reader further behind than this many changed tags starts afresh.
pub(super) const MAX_CHANGES_PER_READ: usize = 10_000;

/// What a reader learns from the log.
#[derive(Debug)]
pub(super) struct Changes {
    pub epoch: String,
    pub seq: u64,
    /// The tags changed since the reader's position, each with its last change; `None` when
    /// the reader must start afresh.
    pub changed: Option<Vec<(String, u64)>>,
}

/// The committed ticks a publish covers, lowest and highest.
pub type Ticks = (i64, i64);

pub(super) fn fresh_epoch() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The log in this process's memory (the embedded mode).
#[derive(Default)]
pub(super) struct MemoryLog {
    epoch: Option<String>,
    seq: u64,
    /// Tags trimmed away changed at or before this.
    floor: u64,
    changed: HashMap<String, u64>,
    watermark: Option<i64>,
    /// Ticks published above the watermark.
    published: BTreeSet<i64>,
}

impl MemoryLog {
    fn epoch(&mut self) -> String {
        self.epoch.get_or_insert_with(fresh_epoch).clone()
    }

    pub fn read(&mut self, known_epoch: &str, since: u64) -> Changes {
        let epoch = self.epoch();
        let behind = since < self.floor || since > self.seq;
        let changed: Vec<(String, u64)> = if epoch != known_epoch || behind {
            Vec::new()
        } else {
            self.changed
                .iter()
                .filter(|(_, seq)| **seq > since)
                .map(|(tag, seq)| (tag.clone(), *seq))
                .collect()
        };
        let fresh_start = epoch != known_epoch || behind || changed.len() >= MAX_CHANGES_PER_READ;
        Changes {
            epoch,
            seq: self.seq,
            changed: (!fresh_start).then_some(changed),
        }
    }

    pub fn publish<'a>(
        &mut self,
        tags: impl IntoIterator<Item = &'a str>,
        ticks: Option<Ticks>,
    ) -> u64 {
        self.epoch();
        self.seq += 1;
        for tag in tags {
            self.changed.insert(tag.to_owned(), self.seq);
        }
        if let (Some((low, high)), Some(mut watermark)) = (ticks, self.watermark) {
            self.published.extend(low.max(watermark + 1)..=high);
            while self.published.remove(&(watermark + 1)) {
                watermark += 1;
            }
            self.watermark = Some(watermark);
        }
        if self.changed.len() > MAX_LOGGED_TAGS {
            let mut seqs: Vec<u64> = self.changed.values().copied().collect();
            seqs.sort_unstable();
            let floor = seqs[self.changed.len() - MAX_LOGGED_TAGS * 4 / 5 - 1];
            self.changed.retain(|_, seq| *seq > floor);
            self.floor = floor;
        }
        self.seq
    }

    /// The watermark, set to `db_tick` when the log has none yet.
    pub fn watermark(&mut self, db_tick: i64) -> i64 {
        self.epoch();
        *self.watermark.get_or_insert(db_tick)
    }

    /// Publishes `EVERYTHING` and moves the watermark up to `db_tick`.
    pub fn repair(&mut self, db_tick: i64) {
        self.publish([super::tags::EVERYTHING], None);
        let watermark = self.watermark.unwrap_or(db_tick).max(db_tick);
        self.watermark = Some(watermark);
        self.published.retain(|tick| *tick > watermark);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_learns_the_tags_changed_since_its_position() {
        let mut log = MemoryLog::default();
        let start = log.read("", 0);
        assert!(start.changed.is_none(), "a new reader starts afresh");
        log.publish(["p:1", "l:all"], None);
        let seen = log.publish(["p:2"], None);
        log.publish(["p:1"], None);

        let changes = log.read(&start.epoch, seen);
        assert_eq!(changes.changed, Some(vec![("p:1".to_owned(), seen + 1)]));
        assert!(log.read("another epoch", seen).changed.is_none());
    }

    #[test]
    fn the_watermark_rises_only_over_published_ticks_without_gaps() {
        let mut log = MemoryLog::default();
        assert_eq!(log.watermark(10), 10);
        log.publish(["p:1"], Some((12, 12)));
        assert_eq!(log.watermark(99), 10, "tick 11 is not published yet");
        log.publish(["p:2"], Some((11, 11)));
        assert_eq!(log.watermark(99), 12);
        log.repair(20);
        assert_eq!(log.watermark(99), 20);
    }

    #[test]
    fn a_reader_behind_the_trimmed_log_starts_afresh() {
        let mut log = MemoryLog::default();
        let epoch = log.read("", 0).epoch;
        for id in 0..=MAX_LOGGED_TAGS {
            log.publish([format!("p:{id}").as_str()], None);
        }
        assert!(log.read(&epoch, 1).changed.is_none());
        let recent = log.seq - 1;
        assert_eq!(log.read(&epoch, recent).changed.map(|c| c.len()), Some(1));
    }
}
