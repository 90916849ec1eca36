//! Sorting a table by one column, by meaning rather than by text: ages by time, quantities (`250m`,
//! `128Mi`) and counts by value, `1/2` by ready then total, IPv4 addresses by number, and empty
//! cells (`<none>`, `n/a`) last. Keys are computed once per row, so comparing is cheap at 50k rows.

use super::rows::{Cell, Row};

/// One row's value in the sorted column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortKey {
    /// Numbers of every sort, scaled to millis (`250m` is 250, `2` is 2000, `1Ki` is 1 024 000).
    Num(i128),
    /// `ready/total`.
    Ratio(i64, i64),
    Text(String),
    /// Nothing to sort by: after everything else, whichever the direction.
    Missing,
}

/// Which column, and which way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortBy {
    pub column: usize,
    pub descending: bool,
}

fn ipv4(s: &str) -> Option<i128> {
    let ip: std::net::Ipv4Addr = s.parse().ok()?;
    Some(i128::from(u32::from(ip)))
}

fn ratio(s: &str) -> Option<SortKey> {
    let (a, b) = s.split_once('/')?;
    Some(SortKey::Ratio(
        a.trim().parse().ok()?,
        b.trim().parse().ok()?,
    ))
}

fn number(s: &str) -> Option<i128> {
    if let Some(pct) = s.strip_suffix('%') {
        return pct.trim().parse::<f64>().ok().map(|p| (p * 1000.0) as i128);
    }
    // A quantity must start like a number: `1e3` yes, `e2e` no.
    if !s.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.') {
        return None;
    }
    crate::quantity::parse(s).map(|v| (v * 1000.0).round() as i128)
}

impl SortKey {
    /// The key of a cell. `now` does not matter: ages sort by their start time, newest first.
    pub fn of(cell: &Cell) -> SortKey {
        match cell {
            Cell::Age(Some(t)) => SortKey::Num(-i128::from(*t)),
            Cell::Age(None) => SortKey::Missing,
            Cell::Restarts { count, .. } => SortKey::Num(i128::from(*count) * 1000),
            Cell::Usage { .. } => cell
                .usage_value()
                .map_or(SortKey::Missing, |v| SortKey::Num(i128::from(v))),
            Cell::Text(s) => {
                let s = s.trim();
                if matches!(
                    s,
                    "" | "<none>" | "<unknown>" | "<pending>" | "n/a" | "N/A" | "-"
                ) {
                    return SortKey::Missing;
                }
                // `3 (5m ago)`: a count with its last time.
                let head = s.split(" (").next().unwrap_or(s);
                ratio(head)
                    .or_else(|| ipv4(head).map(SortKey::Num))
                    .or_else(|| number(head).map(SortKey::Num))
                    .unwrap_or_else(|| SortKey::Text(s.to_string()))
            }
        }
    }

    /// The key of `row` in `column` (Missing past its cells).
    pub fn of_row(row: &Row, column: usize) -> SortKey {
        row.cells.get(column).map_or(SortKey::Missing, SortKey::of)
    }
}

/// Orders two keys for `by`: Missing stays last either way.
pub fn compare(a: &SortKey, b: &SortKey, descending: bool) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (SortKey::Missing, SortKey::Missing) => Ordering::Equal,
        (SortKey::Missing, _) => Ordering::Greater,
        (_, SortKey::Missing) => Ordering::Less,
        _ if descending => b.cmp(a),
        _ => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> SortKey {
        SortKey::of(&Cell::text(s))
    }

    #[test]
    fn cells_sort_by_meaning() {
        assert!(key("250m") < key("1"));
        assert!(key("900Mi") < key("1Gi"));
        assert!(key("9") < key("10"));
        assert!(key("1/2") < key("2/2"));
        assert!(key("10.0.0.9") < key("10.0.0.10"));
        assert!(key("3 (5m ago)") < key("12"));
        assert!(key("5%") < key("40%"));
        assert_eq!(key("<none>"), SortKey::Missing);
        assert_eq!(key("e2e-runner"), SortKey::Text("e2e-runner".into()));
        // Newer is a smaller age.
        assert!(SortKey::of(&Cell::Age(Some(2000))) < SortKey::of(&Cell::Age(Some(1000))));
    }

    #[test]
    fn missing_is_last_both_ways() {
        use std::cmp::Ordering::*;
        let (a, none) = (key("1"), SortKey::Missing);
        assert_eq!(compare(&a, &none, false), Less);
        assert_eq!(compare(&a, &none, true), Less);
        assert_eq!(compare(&key("1"), &key("2"), true), Greater);
    }
}
