//! Answers that are the same for every patient until the clinic changes (a month's calendar):
//! kept in each instance's memory under the clinic's change version, which is read from the
//! database on every request, so a booking or a settings change made on any instance is seen at
//! once. An entry also lives only a short time, because the clock moves what is bookable
//! (notice periods, holds that run out) without any change being written. The booking
//! transaction re-checks everything: a cached calendar can only ever show a day as free that has
//! just filled, never book it.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Cache<K, V> {
    entries: Mutex<HashMap<K, (Instant, V)>>,
    ttl: Duration,
    capacity: usize,
}

impl<K: Eq + Hash, V: Clone> Cache<K, V> {
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Cache { entries: Mutex::new(HashMap::new()), ttl, capacity }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.get(key).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, v)| v.clone())
    }

    pub fn put(&self, key: K, value: V) {
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() >= self.capacity {
            // Old versions are never asked for again; dropping what has aged is enough, and
            // everything when even that does not make room.
            let ttl = self.ttl;
            entries.retain(|_, (at, _)| at.elapsed() < ttl);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, (Instant::now(), value));
    }
}
