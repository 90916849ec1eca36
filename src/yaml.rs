//! The one module that touches `serde_yaml`.
//!
//! Everything in kdeck that reads or writes YAML (kubeconfigs, scenarios, themes, keymaps, `.kdeck.yaml`)
//! goes through here, so the YAML library can be swapped in one place. `serde_yaml::Value` keeps mapping
//! keys in insertion order, which is what lets kubeconfig round trips keep key order and unknown fields.
//! Comments are not kept by this layer.

use std::fmt;

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
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    Ok(serde_yaml::from_str(text)?)
}

/// Parses YAML straight into a typed value.
pub fn from_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    Ok(serde_yaml::from_str(text)?)
}

/// Converts a generic value into a typed one.
pub fn from_value<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, YamlError> {
    Ok(serde_yaml::from_value(value)?)
}

/// Converts a typed value into a generic one.
pub fn to_value<T: serde::Serialize>(value: &T) -> Result<Value, YamlError> {
    Ok(serde_yaml::to_value(value)?)
}

/// Serializes to a YAML document.
pub fn to_string<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, YamlError> {
    Ok(serde_yaml::to_string(value)?)
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
    fn empty_document_is_null() {
        assert_eq!(parse_value("  \n").unwrap(), Value::Null);
    }
}
