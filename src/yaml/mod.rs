//! The one module that touches `serde_yaml`.
//!
//! Everything in kdeck that reads or writes YAML (kubeconfigs, scenarios, themes, keymaps, `.kdeck.yaml`)
//! goes through here, so the YAML library can be swapped in one place. `serde_yaml::Value` keeps mapping
//! keys in insertion order, which is what lets kubeconfig round trips keep key order and unknown fields.
//! Comments are not kept by this layer.
//!
//! Reading takes what kubectl takes: a leading UTF-8 BOM is skipped and of a multi-document stream the
//! first document is used. Nesting deeper than [`depth::MAX_DEPTH`] is refused by a linear pre-scan before
//! the parser runs. Writing goes through [`emit`], kdeck's own emitter, which quotes every string a YAML 1.1
//! reader (kubectl) would take as a bool, null or number.

use std::fmt;

pub mod depth;
pub mod emit;

pub use serde_yaml::{Mapping, Number, Value};

/// A YAML parse or shape error, with the 1-based line and column when the parser knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column {c}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for YamlError {}

impl From<serde_yaml::Error> for YamlError {
    fn from(e: serde_yaml::Error) -> Self {
        let loc = e.location();
        // serde_yaml appends " at line X column Y" to its message; keep the message clean since we
        // report the location ourselves.
        let mut message = e.to_string();
        if let Some(idx) = message.find(" at line ") {
            message.truncate(idx);
        }
        YamlError {
            message,
            line: loc.as_ref().map(|l| l.line()),
            column: loc.as_ref().map(|l| l.column()),
        }
    }
}

/// Parses a YAML document into a generic value. An empty document is `Value::Null`.
pub fn parse_value(text: &str) -> Result<Value, YamlError> {
    from_str(text)
}

/// Parses YAML straight into a typed value: the first document of the stream, as kubectl reads it.
pub fn from_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    depth::check(text).map_err(|d| YamlError {
        message: format!(
            "nesting deeper than {} levels (kubectl refuses such files too)",
            depth::MAX_DEPTH
        ),
        line: Some(d.line),
        column: Some(d.column),
    })?;
    let first = if text.trim().is_empty() {
        None
    } else {
        serde_yaml::Deserializer::from_str(text).next()
    };
    let result = match first {
        Some(doc) => T::deserialize(doc),
        None => T::deserialize(serde_yaml::Deserializer::from_str("null")),
    };
    result.map_err(|e| locate_duplicate(text, YamlError::from(e)))
}

/// serde_yaml reports a duplicate key at the start of its mapping (often "line 1, column 1"); point at
/// the second occurrence of the key instead, which is where the user has to look.
fn locate_duplicate(text: &str, mut err: YamlError) -> YamlError {
    let Some(key) = err
        .message
        .split_once("duplicate entry with key ")
        .map(|(_, k)| k.trim().trim_matches('"').to_string())
    else {
        return err;
    };
    // One scope per open block mapping: its key column and whether `key` was seen in it.
    let mut scopes: Vec<(usize, bool)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let body = line.trim_start_matches([' ', '-']);
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let column = line.len() - body.len();
        let new_item = line[..column].contains('-');
        while scopes
            .last()
            .is_some_and(|&(c, _)| c > column || (new_item && c == column))
        {
            scopes.pop();
        }
        if scopes.last().is_none_or(|&(c, _)| c != column) {
            scopes.push((column, false));
        }
        let named = [
            format!("{key}:"),
            format!("\"{key}\":"),
            format!("'{key}':"),
        ]
        .iter()
        .any(|k| body.starts_with(k.as_str()));
        if let Some(scope) = scopes.last_mut()
            && named
        {
            if scope.1 {
                err.line = Some(n + 1);
                err.column = Some(column + 1);
                return err;
            }
            scope.1 = true;
        }
    }
    err
}

/// Converts a generic value into a typed one.
pub fn from_value<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, YamlError> {
    Ok(serde_yaml::from_value(value)?)
}

/// Converts a typed value into a generic one.
pub fn to_value<T: serde::Serialize>(value: &T) -> Result<Value, YamlError> {
    Ok(serde_yaml::to_value(value)?)
}

/// Serializes to a block-style YAML document that YAML 1.1 and 1.2 readers read back the same
/// ([`emit`]).
pub fn to_string<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, YamlError> {
    Ok(emit::document(&serde_yaml::to_value(value)?))
}

/// Converts a YAML value to JSON (for handing kubeconfig entries to kube-rs, or objects to the sim).
pub fn to_json(value: &Value) -> Result<serde_json::Value, YamlError> {
    serde_json::to_value(value).map_err(|e| YamlError {
        message: e.to_string(),
        line: None,
        column: None,
    })
}

/// Converts JSON to a YAML value (JSON is a subset of YAML, so this never loses data).
pub fn from_json(value: &serde_json::Value) -> Result<Value, YamlError> {
    Ok(serde_yaml::to_value(value)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_error_has_location() {
        let err = parse_value("a: [1, 2\nb: c").unwrap_err();
        assert!(err.line.is_some(), "{err:?}");
        assert!(!err.message.contains(" at line "), "{err:?}");
    }

    #[test]
    fn mapping_keeps_key_order() {
        let v = parse_value("zeta: 1\nalpha: 2\nmid: 3\n").unwrap();
        let out = to_string(&v).unwrap();
        assert_eq!(out, "zeta: 1\nalpha: 2\nmid: 3\n");
    }

    #[test]
    fn duplicate_keys_are_reported_where_the_second_one_is() {
        let text = "contexts:\n- name: a\n  context: {}\n- name: b\n  context: {}\nkind: Config\nkind: x\n";
        let err = parse_value(text).unwrap_err();
        assert_eq!((err.line, err.column), (Some(7), Some(1)), "{err}");
        let nested = "a:\n  b: 1\n  c: 2\n  b: 3\n";
        let err = parse_value(nested).unwrap_err();
        assert_eq!((err.line, err.column), (Some(4), Some(3)), "{err}");
    }

    #[test]
    fn bom_and_later_documents_are_read_as_kubectl_reads_them() {
        let v = parse_value("\u{feff}current-context: a\n---\ncurrent-context: b\n").unwrap();
        assert_eq!(v.get("current-context").and_then(Value::as_str), Some("a"));
    }

    #[test]
    fn deep_nesting_is_refused_with_a_location() {
        let err = parse_value(&"[".repeat(100_000)).unwrap_err();
        assert!(err.message.contains("nesting deeper than"), "{err}");
        assert_eq!(err.line, Some(1));
    }

    #[test]
    fn empty_document_is_null() {
        assert_eq!(parse_value("  \n").unwrap(), Value::Null);
    }
}
