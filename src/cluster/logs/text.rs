//! Pure helpers the log view uses: search (matches with byte ranges for highlighting, next/previous with
//! wrap-around), filtering, and JSON pretty-printing of structured log lines.

use regex::{Regex, RegexBuilder};

/// A compiled search. Plain text is matched literally; smart case as in less/vim: case-insensitive unless
/// the query has an upper-case letter.
#[derive(Debug, Clone)]
pub struct Search {
    re: Regex,
}

#[derive(Debug, thiserror::Error)]
#[error("invalid search pattern '{pattern}': {message}")]
pub struct SearchError {
    pub pattern: String,
    pub message: String,
}

impl Search {
    pub fn literal(query: &str) -> Result<Self, SearchError> {
        Self::build(&regex::escape(query), query)
    }

    pub fn regex(pattern: &str) -> Result<Self, SearchError> {
        Self::build(pattern, pattern)
    }

    fn build(pattern: &str, typed: &str) -> Result<Self, SearchError> {
        let insensitive = !typed.chars().any(char::is_uppercase);
        RegexBuilder::new(pattern)
            .case_insensitive(insensitive)
            .build()
            .map(|re| Search { re })
            .map_err(|e| SearchError {
                pattern: typed.to_string(),
                message: e.to_string(),
            })
    }

    pub fn is_match(&self, line: &str) -> bool {
        self.re.is_match(line)
    }

    /// Byte ranges of every match in `line`, for highlighting.
    pub fn ranges(&self, line: &str) -> Vec<(usize, usize)> {
        self.re
            .find_iter(line)
            .filter(|m| !m.is_empty())
            .map(|m| (m.start(), m.end()))
            .collect()
    }
}

/// Indices of the lines that match, in order. Takes `(index, line)` so it works on a ring's absolute
/// indices as well as on a plain slice.
pub fn find_matches<'a>(
    lines: impl IntoIterator<Item = (u64, &'a str)>,
    search: &Search,
) -> Vec<u64> {
    lines
        .into_iter()
        .filter(|(_, l)| search.is_match(l))
        .map(|(i, _)| i)
        .collect()
}

/// The next match after `current` (or before it, going backwards), wrapping around as `n`/`N` do.
/// `matches` is sorted ascending.
pub fn next_match(matches: &[u64], current: Option<u64>, forward: bool) -> Option<u64> {
    let (first, last) = (*matches.first()?, *matches.last()?);
    let Some(cur) = current else {
        return Some(if forward { first } else { last });
    };
    if forward {
        let i = matches.partition_point(|&m| m <= cur);
        Some(matches.get(i).copied().unwrap_or(first))
    } else {
        let i = matches.partition_point(|&m| m < cur);
        Some(if i == 0 { last } else { matches[i - 1] })
    }
}

/// Pretty-prints a line that is a JSON object or array; `None` for anything else, so the view shows
/// non-JSON lines unchanged. A prefix before the JSON (a log level, a timestamp) is kept on the first line.
pub fn pretty_json(line: &str) -> Option<String> {
    let start = line.find(['{', '['])?;
    let (prefix, body) = line.split_at(start);
    let body = body.trim_end();
    if !(body.ends_with('}') || body.ends_with(']')) {
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    if !(value.is_object() || value.is_array()) {
        return None;
    }
    let pretty = serde_json::to_string_pretty(&value).ok()?;
    Some(format!("{prefix}{pretty}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smart_case_and_ranges() {
        let s = Search::literal("err").unwrap();
        assert_eq!(s.ranges("ERR x err"), vec![(0, 3), (6, 9)]);
        let s = Search::literal("Err").unwrap();
        assert_eq!(s.ranges("ERR x Err"), vec![(6, 9)]);
        let s = Search::literal("a.b").unwrap();
        assert!(!s.is_match("axb"));
        assert!(Search::regex("a(").is_err());
        assert!(Search::regex("seq=\\d+").unwrap().is_match("seq=12"));
    }

    #[test]
    fn next_prev_wrap() {
        let lines = ["a", "err 1", "b", "err 2", "err 3"];
        let s = Search::literal("err").unwrap();
        let m = find_matches(lines.iter().enumerate().map(|(i, l)| (i as u64, *l)), &s);
        assert_eq!(m, [1, 3, 4]);
        assert_eq!(next_match(&m, None, true), Some(1));
        assert_eq!(next_match(&m, None, false), Some(4));
        assert_eq!(next_match(&m, Some(1), true), Some(3));
        assert_eq!(next_match(&m, Some(2), true), Some(3));
        assert_eq!(next_match(&m, Some(4), true), Some(1));
        assert_eq!(next_match(&m, Some(3), false), Some(1));
        assert_eq!(next_match(&m, Some(1), false), Some(4));
        assert_eq!(next_match(&[], Some(1), false), None);
    }

    #[test]
    fn json_pretty() {
        assert_eq!(
            pretty_json(r#"INFO {"a":1,"b":[true]}"#).unwrap(),
            "INFO {\n  \"a\": 1,\n  \"b\": [\n    true\n  ]\n}"
        );
        assert_eq!(pretty_json("plain {not json}"), None);
        assert_eq!(pretty_json("no braces"), None);
    }
}
