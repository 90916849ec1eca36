//! Kubernetes label selectors: the `-l` / `labelSelector` grammar (`k=v`, `k==v`, `k!=v`, `k`, `!k`,
//! `k in (a,b)`, `k notin (a,b)`), its text form, and matching against any label lookup.
//!
//! One parser for the sim (which must accept what the apiserver accepts) and the TUI's `/-l` filter, so
//! both sides of the wire agree. Pure: no I/O, no JSON.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    Exists(String),
    NotExists(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

/// A parsed selector; empty matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector(pub Vec<Requirement>);

/// The requirement that could not be parsed, in the apiserver's wording.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unable to parse requirement: invalid label selector: \"{0}\"")]
pub struct LabelSelectorError(pub String);

/// Splits on commas that are not inside parentheses.
fn split_top(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// Label keys: an optional DNS prefix and a name, from letters, digits, `-`, `_`, `.` and one `/`.
fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
}

fn parse_requirement(part: &str) -> Option<Requirement> {
    let words: Vec<&str> = part.split_whitespace().collect();
    let req = if words.len() >= 2 && (words[1] == "in" || words[1] == "notin") {
        let after_key = part[words[0].len()..].trim_start();
        let rest = after_key[words[1].len()..].trim();
        let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
        let values = inner.split(',').map(|v| v.trim().to_string()).collect();
        let key = words[0].to_string();
        if words[1] == "in" {
            Requirement::In(key, values)
        } else {
            Requirement::NotIn(key, values)
        }
    } else if let Some((k, v)) = part.split_once("!=") {
        Requirement::NotEquals(k.trim().into(), v.trim().into())
    } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
        Requirement::Equals(k.trim().into(), v.trim().into())
    } else if let Some(k) = part.strip_prefix('!') {
        Requirement::NotExists(k.trim().into())
    } else {
        Requirement::Exists(part.into())
    };
    valid_key(req.key()).then_some(req)
}

impl Requirement {
    pub fn key(&self) -> &str {
        match self {
            Requirement::Equals(k, _)
            | Requirement::NotEquals(k, _)
            | Requirement::Exists(k)
            | Requirement::NotExists(k)
            | Requirement::In(k, _)
            | Requirement::NotIn(k, _) => k,
        }
    }

    fn matches<'a>(&self, get: &impl Fn(&str) -> Option<&'a str>) -> bool {
        match self {
            Requirement::Equals(k, v) => get(k) == Some(v.as_str()),
            Requirement::NotEquals(k, v) => get(k) != Some(v.as_str()),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::NotExists(k) => get(k).is_none(),
            Requirement::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|x| !vs.iter().any(|v| v == x)),
        }
    }
}

impl LabelSelector {
    /// Parses selector text. An empty text is the empty selector; an empty requirement between commas
    /// is an error, as it is for the apiserver.
    pub fn parse(text: &str) -> Result<Self, LabelSelectorError> {
        if text.trim().is_empty() {
            return Ok(LabelSelector::default());
        }
        split_top(text)
            .into_iter()
            .map(|part| {
                let part = part.trim();
                parse_requirement(part).ok_or_else(|| LabelSelectorError(part.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(LabelSelector)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether labels looked up through `get` satisfy every requirement.
    pub fn matches<'a>(&self, get: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.0.iter().all(|r| r.matches(&get))
    }
}

/// The canonical text form (`a=b,c in (d,e)`), which parses back to the same selector.
impl fmt::Display for LabelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            match r {
                Requirement::Equals(k, v) => write!(f, "{k}={v}")?,
                Requirement::NotEquals(k, v) => write!(f, "{k}!={v}")?,
                Requirement::In(k, vs) => write!(f, "{k} in ({})", vs.join(","))?,
                Requirement::NotIn(k, vs) => write!(f, "{k} notin ({})", vs.join(","))?,
                Requirement::Exists(k) => f.write_str(k)?,
                Requirement::NotExists(k) => write!(f, "!{k}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn every_operator_parses_and_matches() {
        let l = labels(&[
            ("app", "web"),
            ("tier", "front"),
            ("app.kubernetes.io/name", "x"),
        ]);
        let get = |k: &str| l.get(k).map(String::as_str);
        for (sel, want) in [
            ("app=web", true),
            ("app==web", true),
            ("app!=web", false),
            ("tier", true),
            ("!tier", false),
            ("!missing", true),
            ("tier in (front, back)", true),
            ("tier notin (front)", false),
            ("missing notin (a)", true),
            ("app=web,tier in (back)", false),
            ("app.kubernetes.io/name=x", true),
            ("", true),
        ] {
            assert_eq!(
                LabelSelector::parse(sel).unwrap().matches(get),
                want,
                "{sel}"
            );
        }
    }

    #[test]
    fn bad_input_names_the_requirement() {
        for bad in ["a b c", "app=web,", "x in (a", "=v", "!"] {
            assert!(LabelSelector::parse(bad).is_err(), "{bad}");
        }
        let err = LabelSelector::parse("ok=1,a b").unwrap_err();
        assert_eq!(err.0, "a b");
    }

    #[test]
    fn text_form_round_trips() {
        let text = "a=b,c!=d,e in (f,g),h notin (i),j,!k";
        let sel = LabelSelector::parse(text).unwrap();
        assert_eq!(sel.to_string(), text);
        assert_eq!(LabelSelector::parse(&sel.to_string()).unwrap(), sel);
    }
}
