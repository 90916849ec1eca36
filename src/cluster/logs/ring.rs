//! The bounded buffer the log view reads. On overflow the oldest line goes and a counter records it, so
//! the view can always say how many lines it no longer holds; nothing is dropped silently.

use std::collections::VecDeque;

/// A ring of at most `capacity` items with absolute indices: item `i` keeps its index as older items are
/// dropped, so search results and the view's scroll position stay valid across overflow.
#[derive(Debug, Clone)]
pub struct LogRing<T> {
    items: VecDeque<T>,
    capacity: usize,
    /// Absolute index of `items[0]`; equal to the number of items dropped so far.
    dropped: u64,
}

impl<T> LogRing<T> {
    /// `capacity` comes from config (`log buffer size`); zero is treated as one so the view always has the
    /// latest line.
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        LogRing {
            items: VecDeque::with_capacity(capacity.min(64 * 1024)),
            capacity,
            dropped: 0,
        }
    }

    pub fn push(&mut self, item: T) {
        if self.items.len() == self.capacity {
            self.items.pop_front();
            self.dropped += 1;
        }
        self.items.push_back(item);
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many lines overflow has pushed out.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Every line ever pushed.
    pub fn total(&self) -> u64 {
        self.dropped + self.items.len() as u64
    }

    /// Absolute index of the oldest line held.
    pub fn first_index(&self) -> u64 {
        self.dropped
    }

    /// The line with absolute index `index`, if still held.
    pub fn get(&self, index: u64) -> Option<&T> {
        let rel = index.checked_sub(self.dropped)?;
        self.items.get(usize::try_from(rel).ok()?)
    }

    /// Held lines with their absolute indices, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (u64, &T)> + ExactSizeIterator {
        let base = self.dropped;
        self.items
            .iter()
            .enumerate()
            .map(move |(i, t)| (base + i as u64, t))
    }

    /// Empties the view. The cleared lines count as dropped (`dropped` is also the base of the absolute
    /// indices), so a view that reports overflow subtracts what it cleared. The spool is unaffected.
    pub fn clear(&mut self) {
        self.dropped += self.items.len() as u64;
        self.items.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overflow_counts_and_keeps_indices() {
        let mut r = LogRing::new(3);
        for i in 0..10 {
            r.push(i);
        }
        assert_eq!(r.len(), 3);
        assert_eq!(r.dropped(), 7);
        assert_eq!(r.total(), 10);
        assert_eq!(r.first_index(), 7);
        assert_eq!(r.get(7), Some(&7));
        assert_eq!(r.get(9), Some(&9));
        assert_eq!(r.get(6), None);
        assert_eq!(r.get(10), None);
        let v: Vec<_> = r.iter().map(|(i, x)| (i, *x)).collect();
        assert_eq!(v, [(7, 7), (8, 8), (9, 9)]);
    }

    #[test]
    fn no_overflow_no_drops_and_zero_capacity() {
        let mut r = LogRing::new(5);
        r.push("a");
        r.push("b");
        assert_eq!(r.dropped(), 0);
        let mut z = LogRing::new(0);
        z.push(1);
        z.push(2);
        assert_eq!((z.len(), z.dropped(), z.get(1)), (1, 1, Some(&2)));
    }
}
