//! The per-view row store: rows keyed by namespace/name, kept in order incrementally (by key, by a
//! view's [`Rank`] and then key: `:events` is newest first, or by the column the user sorts on and then
//! key), with a filtered projection that is also maintained incrementally.
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
use super::sort::{SortBy, SortKey, compare};

/// What a watcher sends: a complete (re)list, or one change.
#[derive(Debug, Clone)]
pub enum Delta {
    Reset(Vec<Row>),
    /// A complete (re)list of one cluster of a merged view: its rows (keyed in `context`) replace every
    /// row of that context and leave the other clusters' rows alone.
    ResetGroup {
        context: Arc<str>,
        rows: Vec<Row>,
    },
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
    /// The user's sort column, which takes the place of the rank.
    sort: Option<SortBy>,
    slots: Vec<Option<Row>>,
    /// Each slot's key in the sort column (kept only while sorting).
    sort_keys: Vec<SortKey>,
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

    /// The sort key `row` has (or would have), when sorting.
    fn sort_key_of(&self, row: &Row) -> Option<SortKey> {
        self.sort.map(|s| SortKey::of_row(row, s.column))
    }

    /// The order of two live slots: sort column (or rank), then key.
    fn order_ids(&self, a: u32, b: u32) -> Ordering {
        let (ra, rb) = (self.row(a), self.row(b));
        let first = match self.sort {
            Some(s) => compare(
                &self.sort_keys[a as usize],
                &self.sort_keys[b as usize],
                s.descending,
            ),
            None => self.rank_of(ra).cmp(&self.rank_of(rb)),
        };
        first.then_with(|| ra.key.cmp(&rb.key))
    }

    /// Where the live slot `id` is (or would go) in `list`.
    fn search(&self, list: &[u32], id: u32) -> Result<usize, usize> {
        list.binary_search_by(|other| self.order_ids(*other, id))
    }

    /// Sorts by `sort` (None: the view's own order), re-placing every row once.
    pub fn set_sort(&mut self, sort: Option<SortBy>) {
        self.generation += 1;
        self.sort = sort;
        self.sort_keys = match sort {
            Some(s) => self
                .slots
                .iter()
                .map(|r| {
                    r.as_ref()
                        .map_or(SortKey::Missing, |r| SortKey::of_row(r, s.column))
                })
                .collect(),
            None => Vec::new(),
        };
        let mut sorted = std::mem::take(&mut self.sorted);
        sorted.sort_by(|a, b| self.order_ids(*a, *b));
        self.sorted = sorted;
        self.refilter_all();
    }

    pub fn sort(&self) -> Option<SortBy> {
        self.sort
    }

    /// Changes every row in place with `f`, which says whether it changed the row (usage figures
    /// arriving for the whole view). Rows move when the view is sorted on what changed, and the filter
    /// is applied again.
    pub fn update_each(&mut self, mut f: impl FnMut(&mut Row) -> bool) {
        let mut changed = false;
        for row in self.slots.iter_mut().flatten() {
            changed |= f(row);
        }
        if !changed {
            return;
        }
        self.generation += 1;
        // Only a sort can move rows (the rank and the filter read names, times and labels): re-placing
        // every row once costs what one sort does, fine at the metrics' pace.
        if self.sort.is_some() {
            self.set_sort(self.sort);
        }
    }

    /// Puts `row` in a free slot (with its sort key) and returns its id.
    fn alloc(&mut self, row: Row) -> u32 {
        let key = self.sort_key_of(&row);
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
        if let Some(k) = key {
            if self.sort_keys.len() <= id as usize {
                self.sort_keys.resize(id as usize + 1, SortKey::Missing);
            }
            self.sort_keys[id as usize] = k;
        }
        id
    }

    pub fn apply(&mut self, delta: Delta) {
        self.generation += 1;
        match delta {
            Delta::Reset(rows) => self.reset(rows),
            Delta::ResetGroup { context, rows } => self.reset_group(&context, rows),
            Delta::Upsert(row) => self.upsert(row),
            Delta::Remove(key) => self.remove(&key),
        }
    }

    fn reset(&mut self, mut rows: Vec<Row>) {
        rows.sort_by(|a, b| a.key.cmp(&b.key));
        rows.dedup_by(|a, b| a.key == b.key);
        self.index = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.key.clone(), i as u32))
            .collect();
        self.sort_keys = match self.sort {
            Some(s) => rows.iter().map(|r| SortKey::of_row(r, s.column)).collect(),
            None => Vec::new(),
        };
        self.slots = rows.into_iter().map(Some).collect();
        self.free.clear();
        let mut sorted: Vec<u32> = (0..self.slots.len() as u32).collect();
        if self.rank.is_some() || self.sort.is_some() {
            sorted.sort_by(|a, b| self.order_ids(*a, *b));
        }
        self.sorted = sorted;
        self.refilter_all();
    }

    /// Replaces the rows of `context` with `rows`, leaving every other cluster's rows where they are:
    /// the old rows are dropped in one pass over the order, the new ones sorted among themselves and
    /// merged in. Fifty clusters listing one after another into a 50k-row view cost fifty linear
    /// passes over ids, not fifty sorts and re-indexings of every row.
    fn reset_group(&mut self, context: &Arc<str>, mut rows: Vec<Row>) {
        for id in 0..self.slots.len() {
            let gone = self.slots[id]
                .as_ref()
                .is_some_and(|r| r.key.context.as_ref() == Some(context));
            if gone && let Some(r) = self.slots[id].take() {
                self.index.remove(&r.key);
                self.free.push(id as u32);
            }
        }
        let live = |slots: &[Option<Row>], id: &u32| slots[*id as usize].is_some();
        self.sorted.retain(|id| live(&self.slots, id));
        self.visible.retain(|id| live(&self.slots, id));
        rows.sort_by(|a, b| a.key.cmp(&b.key));
        rows.dedup_by(|a, b| a.key == b.key);
        let mut added: Vec<u32> = Vec::with_capacity(rows.len());
        for row in rows {
            let key = row.key.clone();
            let id = self.alloc(row);
            self.index.insert(key, id);
            added.push(id);
        }
        if self.rank.is_some() || self.sort.is_some() {
            added.sort_by(|a, b| self.order_ids(*a, *b));
        }
        let shown: Vec<u32> = added
            .iter()
            .copied()
            .filter(|id| self.is_visible_row(self.row(*id)))
            .collect();
        self.sorted = self.merge(&self.sorted, &added);
        self.visible = self.merge(&self.visible, &shown);
    }

    /// Two id lists, each in store order, as one.
    fn merge(&self, a: &[u32], b: &[u32]) -> Vec<u32> {
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            if self.order_ids(a[i], b[j]) == Ordering::Greater {
                out.push(b[j]);
                j += 1;
            } else {
                out.push(a[i]);
                i += 1;
            }
        }
        out.extend_from_slice(&a[i..]);
        out.extend_from_slice(&b[j..]);
        out
    }

    fn upsert(&mut self, row: Row) {
        if let Some(&id) = self.index.get(&row.key) {
            let moved = match self.sort {
                Some(_) => self.sort_key_of(&row).as_ref() != Some(&self.sort_keys[id as usize]),
                None => self.rank_of(self.row(id)) != self.rank_of(&row),
            };
            if moved {
                // Its place moves (an event seen again, a sorted cell changed): out and back in.
                let key = row.key.clone();
                self.remove(&key);
                self.upsert(row);
                return;
            }
            let was = self.is_visible_row(self.row(id));
            let now = self.is_visible_row(&row);
            self.slots[id as usize] = Some(row);
            if was != now {
                match (now, self.search(&self.visible, id)) {
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
        let id = self.alloc(row);
        self.index.insert(key, id);
        if let Err(p) = self.search(&self.sorted, id) {
            self.sorted.insert(p, id);
        }
        if shown && let Err(p) = self.search(&self.visible, id) {
            self.visible.insert(p, id);
        }
    }

    fn remove(&mut self, key: &RowKey) {
        let Some(id) = self.index.get(key).copied() else {
            return;
        };
        if let Ok(p) = self.search(&self.sorted, id) {
            self.sorted.remove(p);
        }
        if let Ok(p) = self.search(&self.visible, id) {
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

    /// The `i`th row that passes the filter, in the store's order.
    pub fn visible_row(&self, i: usize) -> Option<&Row> {
        self.visible.get(i).map(|id| self.row(*id))
    }

    pub fn get(&self, key: &RowKey) -> Option<&Row> {
        self.index.get(key).map(|id| self.row(*id))
    }

    /// Where the row `key` sits among the visible rows (`Err` when it is not there).
    pub fn visible_position(&self, key: &RowKey) -> Result<usize, usize> {
        match self.index.get(key) {
            Some(&id) => self.search(&self.visible, id),
            None => Err(0),
        }
    }

    /// Every row in store order (tests and resync checks).
    pub fn keys(&self) -> impl Iterator<Item = &RowKey> {
        self.sorted.iter().map(|id| &self.row(*id).key)
    }
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
