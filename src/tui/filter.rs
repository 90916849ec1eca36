//! The `/` filter: fuzzy by default, `!x` inverse (rows whose name does not contain x), `-l k=v`
//! label selector. Matching is a cheap case-insensitive subsequence test over every row; the fuzzy
//! scorer runs only for the rows on screen, to find the characters to highlight.

use std::any::Any;

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

use crate::cluster::rows::Row;
use crate::cluster::store::RowMatcher;
use crate::labels::{LabelSelector, LabelSelectorError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    Fuzzy(String),
    Inverse(String),
    Labels(LabelSelector),
}

/// A `/-l` selector that does not parse; says what the grammar is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad label selector: {0} (use k=v, k!=v, k, !k, k in (a,b))")]
pub struct SelectorError(#[from] LabelSelectorError);

impl Filter {
    /// Parses what was typed after `/`. Empty text means no filter.
    pub fn parse(text: &str) -> Result<Option<Filter>, SelectorError> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(None);
        }
        if let Some(sel) = t.strip_prefix("-l") {
            let sel = sel.trim();
            if sel.is_empty() {
                return Ok(None);
            }
            return Ok(Some(Filter::Labels(LabelSelector::parse(sel)?)));
        }
        if let Some(x) = t.strip_prefix('!') {
            return Ok((!x.is_empty()).then(|| Filter::Inverse(x.to_lowercase())));
        }
        Ok(Some(Filter::Fuzzy(t.to_lowercase())))
    }

    /// Characters of `text` to highlight (fuzzy filters only).
    pub fn highlights(&self, text: &str) -> Vec<usize> {
        match self {
            Filter::Fuzzy(p) => SkimMatcherV2::default()
                .ignore_case()
                .fuzzy_indices(text, p)
                .map(|(_, idx)| idx)
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }
}

/// Case-insensitive subsequence test: the set of rows skim's fuzzy matcher can match.
fn is_subsequence(pattern: &str, text: &str) -> bool {
    let mut t = text.chars().flat_map(char::to_lowercase);
    pattern.chars().all(|p| t.any(|c| c == p))
}

impl RowMatcher for Filter {
    fn matches(&self, row: &Row) -> bool {
        match self {
            Filter::Fuzzy(p) => is_subsequence(p, row.filter_text()),
            Filter::Inverse(x) => !row.filter_text().to_lowercase().contains(x.as_str()),
            Filter::Labels(sel) => sel.matches(|k| row.labels.get(k).map(String::as_str)),
        }
    }

    fn narrows(&self, previous: &dyn RowMatcher) -> bool {
        match (self, previous.as_any().downcast_ref::<Filter>()) {
            // A pattern that contains the previous one as a subsequence matches a subset of its rows.
            (Filter::Fuzzy(new), Some(Filter::Fuzzy(old))) => is_subsequence(old, new),
            _ => false,
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::rows::{RowKey, Tone};

    fn row(name: &str, labels: &[(&str, &str)]) -> Row {
        Row {
            key: RowKey::new("ns", name),
            cells: vec![],
            tone: Tone::Normal,
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            selector: None,
        }
    }

    #[test]
    fn fuzzy_inverse_and_labels() {
        let f = Filter::parse("wb1").unwrap().unwrap();
        assert!(f.matches(&row("Web-1", &[])));
        assert!(!f.matches(&row("db-1", &[])));
        assert_eq!(f.highlights("web-1"), vec![0, 2, 4]);
        let f = Filter::parse("!web").unwrap().unwrap();
        assert!(!f.matches(&row("web-1", &[])));
        assert!(f.matches(&row("db-1", &[])));
        let f = Filter::parse("-l app=web,tier!=db,env in (a,b),!canary")
            .unwrap()
            .unwrap();
        assert!(f.matches(&row("x", &[("app", "web"), ("env", "a")])));
        assert!(!f.matches(&row("x", &[("app", "web"), ("env", "c")])));
        assert!(!f.matches(&row("x", &[("app", "web"), ("env", "a"), ("canary", "1")])));
        assert!(Filter::parse("-l =x").is_err());
        assert_eq!(Filter::parse("  ").unwrap(), None);
    }

    #[test]
    fn longer_fuzzy_pattern_narrows() {
        let a = Filter::Fuzzy("we".into());
        let b = Filter::Fuzzy("web".into());
        assert!(b.narrows(&a));
        assert!(!a.narrows(&b));
        assert!(!Filter::Inverse("we".into()).narrows(&a));
    }
}
