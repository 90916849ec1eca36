//! The per-view row store: rows keyed by namespace/name, kept in order incrementally (by key, or by a
//! view's [`Rank`] and then key: `:events` is newest first), with a filtered projection that is also
//! maintained incrementally.
//!
//! Why not re-sort on every event: at 50k rows and hundreds of events a second, a full sort per event
//! would be the bottleneck. Here an update of an existing row is O(1) (its position cannot change,
//! since order is by key), and an insert or delete is a binary search plus a memmove of 4-byte ids.
//! A filter change is one linear pass; typing more characters of a fuzzy pattern only re-checks rows
//! that still match. The UI formats only the rows it draws.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use super::rows::{Row, RowKey};

/// What a watcher sends: a complete (re)list, or one change.
#[derive(Debug, Clone)]
pub enum Delta {
    Reset(Vec<Row>),
    Upsert(Row),
    Remove(RowKey),
}

/// Decides whether a row is shown. Implemented by the TUI's `/` filter.
pub trait RowMatcher: Send + Sync {
    fn matches(&self, row: &Row) -> bool;
    /// True when every row this matcher accepts is also accepted by `previous`, so only the rows that
    /// `previous` accepted need checking again (typing more of a fuzzy pattern).
    fn narrows(&self, _previous: &dyn RowMatcher) -> bool {
        false
    }
    fn as_any(&self) -> &dyn std::any::Any;
}

/// A view's own order before the key (smaller first): events rank by minus their last-seen time.
pub type Rank = fn(&Row) -> i64;

#[derive(Default)]
pub struct RowStore {
    rank: Option<Rank>,
    slots: Vec<Option<Row>>,
    free: Vec<u32>,
    index: HashMap<RowKey, u32>,
    sorted: Vec<u32>,
    visible: Vec<u32>,
    filter: Option<Arc<dyn RowMatcher>>,
    /// Bumped on every change, so views can tell whether anything moved since the last frame.
    pub generation: u64,
}

impl std::fmt::Debug for RowStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowStore")
            .field("len", &self.sorted.len())
            .field("visible", &self.visible.len())
            .finish()
    }
}

impl RowStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn row(&self, id: u32) -> &Row {
        match &self.slots[id as usize] {
            Some(r) => r,
            None => unreachable!("store ids in the index always point at live slots"),
        }
    }

    /// Orders rows by this view's rank, then by key.
    pub fn with_rank(rank: Rank) -> Self {
        RowStore {
            rank: Some(rank),
            ..Self::default()
        }
    }

    fn rank_of(&self, row: &Row) -> i64 {
        self.rank.map_or(0, |r| r(row))
    }

    fn order(&self, a: &Row, b: &Row) -> Ordering {
        self.rank_of(a)
            .cmp(&self.rank_of(b))
            .then_with(|| a.key.cmp(&b.key))
    }

    /// Where `row` is (or would go) in `list`.
    fn search(&self, list: &[u32], row: &Row) -> Result<usize, usize> {
        let rank = self.rank_of(row);
        list.binary_search_by(|id| {
            let r = self.row(*id);
            self.rank_of(r).cmp(&rank).then_with(|| r.key.cmp(&row.key))
        })
    }

    pub fn apply(&mut self, delta: Delta) {
        self.generation += 1;
        match delta {
            Delta::Reset(rows) => self.reset(rows),
            Delta::Upsert(row) => self.upsert(row),
            Delta::Remove(key) => self.remove(&key),
        }
    }

    fn reset(&mut self, mut rows: Vec<Row>) {
        rows.sort_by(|a, b| a.key.cmp(&b.key));
        rows.dedup_by(|a, b| a.key == b.key);
        if self.rank.is_some() {
            rows.sort_by(|a, b| self.order(a, b));
        }
        self.index = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.key.clone(), i as u32))
            .collect();
        self.sorted = (0..rows.len() as u32).collect();
        self.slots = rows.into_iter().map(Some).collect();
        self.free.clear();
        self.refilter_all();
    }

    fn upsert(&mut self, row: Row) {
        if let Some(&id) = self.index.get(&row.key) {
            if self.rank_of(self.row(id)) != self.rank_of(&row) {
                // Its place moves (an event seen again): take it out and put it back.
                let key = row.key.clone();
                self.remove(&key);
                self.upsert(row);
                return;
            }
            let was = self.is_visible_row(self.row(id));
            let now = self.is_visible_row(&row);
            self.slots[id as usize] = Some(row);
            if was != now {
                let pos = self.search(&self.visible, self.row(id));
                match (now, pos) {
                    (true, Err(p)) => self.visible.insert(p, id),
                    (false, Ok(p)) => {
                        self.visible.remove(p);
                    }
                    _ => {}
                }
            }
            return;
        }
        let key = row.key.clone();
        let shown = self.is_visible_row(&row);
        let id = match self.free.pop() {
            Some(id) => {
                self.slots[id as usize] = Some(row);
                id
            }
            None => {
                self.slots.push(Some(row));
                (self.slots.len() - 1) as u32
            }
        };
        self.index.insert(key, id);
        if let Err(p) = self.search(&self.sorted, self.row(id)) {
            self.sorted.insert(p, id);
        }
        if shown && let Err(p) = self.search(&self.visible, self.row(id)) {
            self.visible.insert(p, id);
        }
    }

    fn remove(&mut self, key: &RowKey) {
        let Some(id) = self.index.get(key).copied() else {
            return;
        };
        if let Ok(p) = self.search(&self.sorted, self.row(id)) {
            self.sorted.remove(p);
        }
        if let Ok(p) = self.search(&self.visible, self.row(id)) {
            self.visible.remove(p);
        }
        self.index.remove(key);
        self.slots[id as usize] = None;
        self.free.push(id);
    }

    fn is_visible_row(&self, row: &Row) -> bool {
        self.filter.as_ref().is_none_or(|f| f.matches(row))
    }

    fn refilter_all(&mut self) {
        self.visible = match &self.filter {
            None => self.sorted.clone(),
            Some(f) => self
                .sorted
                .iter()
                .copied()
                .filter(|id| f.matches(self.row(*id)))
                .collect(),
        };
    }

    /// Replaces the filter. Narrowing filters re-check only the rows currently shown.
    pub fn set_filter(&mut self, filter: Option<Arc<dyn RowMatcher>>) {
        self.generation += 1;
        let narrows = match (&filter, &self.filter) {
            (Some(new), Some(old)) => new.narrows(old.as_ref()),
            _ => false,
        };
        self.filter = filter;
        if narrows && let Some(f) = self.filter.clone() {
            let visible = std::mem::take(&mut self.visible);
            self.visible = visible
                .into_iter()
                .filter(|id| f.matches(self.row(*id)))
                .collect();
        } else {
            self.refilter_all();
        }
    }

    pub fn filter(&self) -> Option<&Arc<dyn RowMatcher>> {
        self.filter.as_ref()
    }

    /// All rows, ignoring the filter.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// Rows that pass the filter.
    pub fn visible_len(&self) -> usize {
        self.visible.len()
    }

    /// The `i`th row that passes the filter, in key order.
    pub fn visible_row(&self, i: usize) -> Option<&Row> {
        self.visible.get(i).map(|id| self.row(*id))
    }

    pub fn get(&self, key: &RowKey) -> Option<&Row> {
        self.index.get(key).map(|id| self.row(*id))
    }

    /// Where the row `key` sits among the visible rows (`Err` when it is not there).
    pub fn visible_position(&self, key: &RowKey) -> Result<usize, usize> {
        match self.index.get(key) {
            Some(&id) => self.search(&self.visible, self.row(id)),
            None => Err(0),
        }
    }

    /// Every row in store order (tests and resync checks).
    pub fn keys(&self) -> impl Iterator<Item = &RowKey> {
        self.sorted.iter().map(|id| &self.row(*id).key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::rows::{Cell, Tone};

    fn row(ns: &str, name: &str) -> Row {
        Row {
            key: RowKey::new(ns, name),
            cells: vec![Cell::text(name)],
            tone: Tone::Normal,
            labels: Default::default(),
            selector: None,
        }
    }

    struct Contains(String);
    impl RowMatcher for Contains {
        fn matches(&self, row: &Row) -> bool {
            row.key.name.contains(&self.0)
        }
        fn narrows(&self, previous: &dyn RowMatcher) -> bool {
            previous
                .as_any()
                .downcast_ref::<Contains>()
                .is_some_and(|p| self.0.contains(&p.0))
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }

    fn names(s: &RowStore) -> Vec<String> {
        (0..s.visible_len())
            .map(|i| s.visible_row(i).unwrap().key.name.to_string())
            .collect()
    }

    #[test]
    fn keeps_key_order_through_inserts_and_deletes() {
        let mut s = RowStore::new();
        s.apply(Delta::Reset(vec![
            row("b", "x"),
            row("a", "z"),
            row("a", "y"),
        ]));
        assert_eq!(names(&s), ["y", "z", "x"]);
        s.apply(Delta::Upsert(row("a", "a")));
        s.apply(Delta::Remove(RowKey::new("a", "z")));
        s.apply(Delta::Upsert(row("c", "c")));
        assert_eq!(names(&s), ["a", "y", "x", "c"]);
        assert_eq!(s.len(), 4);
    }

    #[test]
    fn a_ranked_store_orders_by_rank_and_moves_rows_whose_rank_changes() {
        fn by_first_cell(r: &Row) -> i64 {
            match r.cells.first() {
                Some(Cell::Age(Some(t))) => -t,
                _ => 0,
            }
        }
        let at = |name: &str, t: i64| Row {
            cells: vec![Cell::Age(Some(t))],
            ..row("ns", name)
        };
        let mut s = RowStore::with_rank(by_first_cell);
        s.apply(Delta::Reset(vec![
            at("old", 10),
            at("new", 30),
            at("mid", 20),
        ]));
        assert_eq!(names(&s), ["new", "mid", "old"]);
        s.apply(Delta::Upsert(at("old", 40)));
        assert_eq!(names(&s), ["old", "new", "mid"], "seen again: to the top");
        s.apply(Delta::Upsert(at("fresh", 50)));
        s.apply(Delta::Remove(RowKey::new("ns", "new")));
        assert_eq!(names(&s), ["fresh", "old", "mid"]);
        s.set_filter(Some(Arc::new(Contains("d".into()))));
        assert_eq!(names(&s), ["old", "mid"]);
        s.apply(Delta::Upsert(at("mid", 60)));
        assert_eq!(names(&s), ["mid", "old"]);
        assert_eq!(s.visible_position(&RowKey::new("ns", "old")), Ok(1));
        assert_eq!(s.len(), 3);
    }

    #[test]
    fn filter_is_maintained_incrementally() {
        let mut s = RowStore::new();
        s.apply(Delta::Reset(vec![
            row("a", "web-1"),
            row("a", "db-1"),
            row("a", "web-2"),
        ]));
        s.set_filter(Some(Arc::new(Contains("web".into()))));
        assert_eq!(names(&s), ["web-1", "web-2"]);
        s.apply(Delta::Upsert(row("a", "web-0")));
        s.apply(Delta::Upsert(row("a", "db-0")));
        assert_eq!(names(&s), ["web-0", "web-1", "web-2"]);
        s.apply(Delta::Remove(RowKey::new("a", "web-1")));
        assert_eq!(names(&s), ["web-0", "web-2"]);
        s.set_filter(Some(Arc::new(Contains("web-2".into()))));
        assert_eq!(names(&s), ["web-2"]);
        s.set_filter(None);
        assert_eq!(s.visible_len(), 4);
    }

    #[test]
    fn slot_reuse_keeps_rows_intact() {
        let mut s = RowStore::new();
        for i in 0..100 {
            s.apply(Delta::Upsert(row("n", &format!("p{i:03}"))));
        }
        for i in (0..100).step_by(2) {
            s.apply(Delta::Remove(RowKey::new("n", &format!("p{i:03}"))));
        }
        for i in 0..10 {
            s.apply(Delta::Upsert(row("m", &format!("q{i}"))));
        }
        let keys: Vec<_> = s.keys().cloned().collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        assert_eq!(s.len(), 60);
        assert_eq!(
            s.get(&RowKey::new("n", "p001")).unwrap().key.name.as_ref(),
            "p001"
        );
    }
}
