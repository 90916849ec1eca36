//! The `/` filter, as k9s reads it: a case-insensitive regex by default (text that is not a valid regex
//! is matched as a plain substring), `!x` inverts the match, `-l k=v` is a label selector and `-f x` the
//! fuzzy match. Every row is tested with one compiled regex (no allocation per row); the fuzzy scorer
//! runs only for the rows on screen, to find the characters to highlight.

use std::any::Any;

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;
use regex::{Regex, RegexBuilder};

use crate::cluster::rows::Row;
use crate::cluster::store::RowMatcher;
use crate::labels::{LabelSelector, LabelSelectorError};

/// A case-insensitive regex, or the literal text when it is not a valid regex.
#[derive(Debug, Clone)]
pub struct Pattern {
    text: String,
    /// None only when even the escaped text is over the regex size limit: then nothing matches.
    re: Option<Regex>,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for Pattern {}

impl Pattern {
    pub fn new(text: &str) -> Self {
        let build = |p: &str| RegexBuilder::new(p).case_insensitive(true).build();
        let re = build(text).or_else(|_| build(&regex::escape(text))).ok();
        Pattern {
            text: text.to_string(),
            re,
        }
    }

    pub fn is_match(&self, s: &str) -> bool {
        self.re.as_ref().is_some_and(|r| r.is_match(s))
    }

    /// Whether the text means itself (no regex syntax), so a longer literal matches a subset.
    fn is_literal(&self) -> bool {
        !self.text.contains([
            '\\', '.', '+', '*', '?', '(', ')', '|', '[', ']', '{', '}', '^', '$',
        ])
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    Match(Pattern),
    Inverse(Pattern),
    Fuzzy(String),
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
        if let Some(sel) = flag(t, "-l") {
            if sel.is_empty() {
                return Ok(None);
            }
            return Ok(Some(Filter::Labels(LabelSelector::parse(sel)?)));
        }
        if let Some(x) = flag(t, "-f") {
            return Ok((!x.is_empty()).then(|| Filter::Fuzzy(x.to_lowercase())));
        }
        if let Some(x) = t.strip_prefix('!') {
            return Ok((!x.is_empty()).then(|| Filter::Inverse(Pattern::new(x))));
        }
        Ok(Some(Filter::Match(Pattern::new(t))))
    }

    /// Characters of `text` to highlight: the first regex match, or the fuzzy match's characters.
    pub fn highlights(&self, text: &str) -> Vec<usize> {
        match self {
            Filter::Fuzzy(p) => SkimMatcherV2::default()
                .ignore_case()
                .fuzzy_indices(text, p)
                .map(|(_, idx)| idx)
                .unwrap_or_default(),
            Filter::Match(p) => match p.re.as_ref().and_then(|r| r.find(text)) {
                Some(m) => text
                    .char_indices()
                    .enumerate()
                    .filter(|(_, (b, _))| (m.start()..m.end()).contains(b))
                    .map(|(i, _)| i)
                    .collect(),
                None => Vec::new(),
            },
            _ => Vec::new(),
        }
    }
}

/// `-l x` / `-f x`: the text after the flag and its space.
fn flag<'a>(t: &'a str, name: &str) -> Option<&'a str> {
    let rest = t.strip_prefix(name)?;
    (rest.is_empty() || rest.starts_with(' ')).then(|| rest.trim())
}

/// Case-insensitive subsequence test: the set of rows skim's fuzzy matcher can match.
fn is_subsequence(pattern: &str, text: &str) -> bool {
    let mut t = text.chars().flat_map(char::to_lowercase);
    pattern.chars().all(|p| t.any(|c| c == p))
}

impl RowMatcher for Filter {
    fn matches(&self, row: &Row) -> bool {
        match self {
            Filter::Match(p) => p.is_match(row.filter_text()),
            Filter::Inverse(p) => !p.is_match(row.filter_text()),
            Filter::Fuzzy(p) => is_subsequence(p, row.filter_text()),
            Filter::Labels(sel) => sel.matches(|k| row.labels.get(k).map(String::as_str)),
        }
    }

    fn narrows(&self, previous: &dyn RowMatcher) -> bool {
        match (self, previous.as_any().downcast_ref::<Filter>()) {
            // A pattern that contains the previous one as a subsequence matches a subset of its rows.
            (Filter::Fuzzy(new), Some(Filter::Fuzzy(old))) => is_subsequence(old, new),
            // A literal that contains the previous literal matches a subset of its rows.
            (Filter::Match(new), Some(Filter::Match(old))) => {
                new.is_literal()
                    && old.is_literal()
                    && new.text.to_lowercase().contains(&old.text.to_lowercase())
            }
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
            object: None,
        }
    }

    #[test]
    fn regex_substring_inverse_fuzzy_and_labels() {
        let f = Filter::parse("app-0042-").unwrap().unwrap();
        assert!(f.matches(&row("APP-0042-x", &[])));
        assert!(
            !f.matches(&row("app-0004-x2", &[])),
            "not a subsequence match"
        );
        assert_eq!(f.highlights("x-app-0042-y"), (2..11).collect::<Vec<_>>());
        let f = Filter::parse("^web-[0-9]$").unwrap().unwrap();
        assert!(f.matches(&row("Web-1", &[])));
        assert!(!f.matches(&row("web-10", &[])));
        // Not a valid regex: a plain substring.
        let f = Filter::parse("a(b").unwrap().unwrap();
        assert!(f.matches(&row("xa(by", &[])));
        assert!(!f.matches(&row("ab", &[])));
        let f = Filter::parse("-f wb1").unwrap().unwrap();
        assert!(f.matches(&row("Web-1", &[])));
        assert!(!f.matches(&row("db-1", &[])));
        assert_eq!(f.highlights("web-1"), vec![0, 2, 4]);
        let f = Filter::parse("!web").unwrap().unwrap();
        assert!(!f.matches(&row("web-1", &[])));
        assert!(f.matches(&row("db-1", &[])));
        let f = Filter::parse("!^db").unwrap().unwrap();
        assert!(f.matches(&row("web-db", &[])));
        assert!(!f.matches(&row("db-1", &[])));
        let f = Filter::parse("-l app=web,tier!=db,env in (a,b),!canary")
            .unwrap()
            .unwrap();
        assert!(f.matches(&row("x", &[("app", "web"), ("env", "a")])));
        assert!(!f.matches(&row("x", &[("app", "web"), ("env", "c")])));
        assert!(!f.matches(&row("x", &[("app", "web"), ("env", "a"), ("canary", "1")])));
        assert!(Filter::parse("-l =x").is_err());
        assert_eq!(Filter::parse("  ").unwrap(), None);
        // A name that merely starts with -l or -f is a pattern.
        assert!(
            Filter::parse("-lb")
                .unwrap()
                .unwrap()
                .matches(&row("x-lb", &[]))
        );
    }

    #[test]
    fn longer_patterns_narrow() {
        let a = Filter::Fuzzy("we".into());
        let b = Filter::Fuzzy("web".into());
        assert!(b.narrows(&a));
        assert!(!a.narrows(&b));
        let lit = |t: &str| Filter::Match(Pattern::new(t));
        assert!(lit("web-1").narrows(&lit("WEB")));
        assert!(!lit("web").narrows(&lit("web-1")));
        assert!(!lit("we.").narrows(&lit("we")), "regexes are not compared");
        assert!(!Filter::Inverse(Pattern::new("we")).narrows(&a));
    }
}
