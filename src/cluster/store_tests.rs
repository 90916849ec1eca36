//! The row store's order, filter and group resets, against full sorts and plain expectations.

use super::*;
use crate::cluster::rows::{Cell, Tone};

fn row(ns: &str, name: &str) -> Row {
    Row {
        key: RowKey::new(ns, name),
        cells: vec![Cell::text(name)],
        tone: Tone::Normal,
        labels: Default::default(),
        selector: None,
        object: None,
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
fn a_group_reset_replaces_only_that_clusters_rows() {
    let at = |ctx: &str, ns: &str, name: &str| {
        let mut r = row(ns, name);
        r.key = r.key.in_context(Arc::from(ctx));
        r
    };
    let mut s = RowStore::new();
    s.apply(Delta::ResetGroup {
        context: Arc::from("b"),
        rows: vec![at("b", "ns", "web-2"), at("b", "ns", "web-1")],
    });
    s.apply(Delta::ResetGroup {
        context: Arc::from("a"),
        rows: vec![at("a", "ns", "web-9")],
    });
    s.set_filter(Some(Arc::new(Contains("web-".into()))));
    let keys = |s: &RowStore| -> Vec<String> {
        s.keys()
            .map(|k| format!("{}/{}", k.context.as_deref().unwrap_or("-"), k.name))
            .collect()
    };
    // Clusters in order, each cluster's rows by key; the filter spans them.
    assert_eq!(keys(&s), ["a/web-9", "b/web-1", "b/web-2"]);
    assert_eq!(names(&s), ["web-9", "web-1", "web-2"]);
    // b relists with one pod gone and one new: a's rows stay.
    s.apply(Delta::ResetGroup {
        context: Arc::from("b"),
        rows: vec![at("b", "ns", "web-3"), at("b", "ns", "web-1")],
    });
    assert_eq!(keys(&s), ["a/web-9", "b/web-1", "b/web-3"]);
    s.apply(Delta::Remove(
        RowKey::new("ns", "web-9").in_context(Arc::from("a")),
    ));
    s.apply(Delta::Upsert(at("a", "ns", "web-0")));
    assert_eq!(names(&s), ["web-0", "web-1", "web-3"]);
    // A cluster that lists nothing loses its rows, and only its rows.
    s.apply(Delta::ResetGroup {
        context: Arc::from("a"),
        rows: vec![],
    });
    assert_eq!(keys(&s), ["b/web-1", "b/web-3"]);
    assert_eq!(s.len(), 2);
    // Sorted on a column, a cluster's rows merge into place (and the filter still holds).
    s.set_sort(Some(SortBy {
        column: 0,
        descending: true,
    }));
    s.apply(Delta::ResetGroup {
        context: Arc::from("a"),
        rows: vec![
            at("a", "ns", "web-2"),
            at("a", "ns", "web-4"),
            at("a", "ns", "db"),
        ],
    });
    assert_eq!(names(&s), ["web-4", "web-3", "web-2", "web-1"]);
    s.set_filter(None);
    assert_eq!(s.visible_len(), 5);
    assert_eq!(
        s.get(&RowKey::new("ns", "db").in_context(Arc::from("a")))
            .map(|r| &*r.key.name),
        Some("db")
    );
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

fn with_restarts(name: &str, restarts: i64) -> Row {
    let mut r = row("ns", name);
    r.cells.push(Cell::Restarts {
        count: restarts,
        last: None,
    });
    r
}

#[test]
fn a_sorted_store_stays_sorted_through_updates_and_reverses() {
    let mut s = RowStore::new();
    s.apply(Delta::Reset(vec![
        with_restarts("a", 5),
        with_restarts("b", 0),
        with_restarts("c", 12),
    ]));
    s.set_sort(Some(SortBy {
        column: 1,
        descending: false,
    }));
    assert_eq!(names(&s), ["b", "a", "c"]);
    // A row whose sorted cell changes moves; a new one lands in place; ties go by key.
    s.apply(Delta::Upsert(with_restarts("b", 20)));
    s.apply(Delta::Upsert(with_restarts("d", 5)));
    assert_eq!(names(&s), ["a", "d", "c", "b"]);
    s.set_sort(Some(SortBy {
        column: 1,
        descending: true,
    }));
    assert_eq!(names(&s), ["b", "c", "a", "d"]);
    s.apply(Delta::Remove(RowKey::new("ns", "c")));
    s.set_filter(Some(Arc::new(Contains("a".into()))));
    assert_eq!(names(&s), ["a"]);
    s.set_filter(None);
    assert_eq!(names(&s), ["b", "a", "d"]);
    // Back to the view's own order (by key).
    s.set_sort(None);
    assert_eq!(names(&s), ["a", "b", "d"]);
}

#[test]
fn incremental_sorting_agrees_with_a_full_sort() {
    let mut s = RowStore::new();
    s.set_sort(Some(SortBy {
        column: 1,
        descending: false,
    }));
    let mut seed = 7u64;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        seed >> 33
    };
    for _ in 0..2000 {
        let name = format!("p{}", next() % 300);
        match next() % 4 {
            0 => s.apply(Delta::Remove(RowKey::new("ns", &name))),
            _ => s.apply(Delta::Upsert(with_restarts(&name, (next() % 9) as i64))),
        }
    }
    let rows: Vec<(i64, String)> = (0..s.visible_len())
        .map(|i| {
            let r = s.visible_row(i).unwrap();
            let n = match r.cells[1] {
                Cell::Restarts { count, .. } => count,
                _ => unreachable!(),
            };
            (n, r.key.name.to_string())
        })
        .collect();
    let mut want = rows.clone();
    want.sort();
    assert_eq!(rows, want);
    assert_eq!(s.len(), s.keys().count());
}
