//! Label and field selectors, parsed from query strings as the apiserver accepts them.
//!
//! Owns: `labelSelector` (`=`, `==`, `!=`, `in`, `notin`, `key`, `!key`) and `fieldSelector` (`=`, `==`,
//! `!=` on dotted paths such as `metadata.name`, `status.phase`, `spec.nodeName`, `involvedObject.uid`).
//! Also matches a workload's `spec.selector` (matchLabels + matchExpressions) against labels.

use serde_json::Value;

use super::status::ApiError;

pub use crate::labels::LabelSelector;
use crate::labels::Requirement;

/// The apiserver's side of the shared label-selector grammar: JSON objects and Status errors.
pub trait LabelSelectorExt: Sized {
    fn parse_query(s: &str) -> Result<Self, ApiError>;
    fn from_spec(sel: &Value) -> Self;
    fn matches_labels(&self, labels: &Value) -> bool;
    fn matches_object(&self, obj: &Value) -> bool;
}

impl LabelSelectorExt for LabelSelector {
    fn parse_query(s: &str) -> Result<Self, ApiError> {
        LabelSelector::parse(s).map_err(|e| ApiError::bad_request(e.to_string()))
    }

    /// Builds a selector from a workload's `spec.selector`.
    fn from_spec(sel: &Value) -> Self {
        let mut reqs = Vec::new();
        if let Some(m) = sel["matchLabels"].as_object() {
            for (k, v) in m {
                reqs.push(Requirement::Equals(
                    k.clone(),
                    v.as_str().unwrap_or("").to_string(),
                ));
            }
        }
        if let Some(exprs) = sel["matchExpressions"].as_array() {
            for e in exprs {
                let key = e["key"].as_str().unwrap_or("").to_string();
                let vals: Vec<String> = e["values"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                match e["operator"].as_str().unwrap_or("") {
                    "In" => reqs.push(Requirement::In(key, vals)),
                    "NotIn" => reqs.push(Requirement::NotIn(key, vals)),
                    "Exists" => reqs.push(Requirement::Exists(key)),
                    "DoesNotExist" => reqs.push(Requirement::NotExists(key)),
                    _ => {}
                }
            }
        }
        LabelSelector(reqs)
    }

    fn matches_labels(&self, labels: &Value) -> bool {
        LabelSelector::matches(self, |k| labels.get(k).and_then(Value::as_str))
    }

    fn matches_object(&self, obj: &Value) -> bool {
        self.0.is_empty() || self.matches_labels(&obj["metadata"]["labels"])
    }
}

/// A parsed field selector; empty matches everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSelector(Vec<(String, bool, String)>);

impl FieldSelector {
    pub fn parse(s: &str) -> Result<Self, ApiError> {
        let mut reqs = Vec::new();
        for part in s.split(',') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (k, eq, v) = if let Some((k, v)) = part.split_once("!=") {
                (k, false, v)
            } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                (k, true, v)
            } else {
                return Err(ApiError::bad_request(format!(
                    "invalid selector: '{part}'; can't understand '{part}'"
                )));
            };
            let k = k.trim();
            if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
                return Err(ApiError::bad_request(format!(
                    "field label not supported: {k}"
                )));
            }
            reqs.push((k.to_string(), eq, v.trim().to_string()));
        }
        Ok(FieldSelector(reqs))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The field labels the selector names.
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _, _)| k.as_str())
    }

    pub fn matches(&self, obj: &Value) -> bool {
        self.0.iter().all(|(path, eq, want)| {
            let mut cur = obj;
            for seg in path.split('.') {
                cur = &cur[seg];
            }
            let have = match cur {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            (have == *want) == *eq
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn label_selector_forms() {
        let o = json!({"metadata": {"labels": {"app": "web", "tier": "fe"}}});
        for (sel, want) in [
            ("app=web", true),
            ("app==web,tier=fe", true),
            ("app!=web", false),
            ("app in (web, api)", true),
            ("tier notin (fe)", false),
            ("app", true),
            ("!app", false),
            ("!missing", true),
            ("app in (api),tier=fe", false),
        ] {
            assert_eq!(
                LabelSelector::parse_query(sel).unwrap().matches_object(&o),
                want,
                "{sel}"
            );
        }
        assert!(LabelSelector::parse_query("a b c").is_err());
    }

    #[test]
    fn field_selector_on_nested_paths() {
        let o = json!({"metadata": {"name": "p", "namespace": "n"}, "status": {"phase": "Running"},
                       "involvedObject": {"name": "x"}});
        assert!(
            FieldSelector::parse("metadata.name=p,status.phase=Running")
                .unwrap()
                .matches(&o)
        );
        assert!(
            !FieldSelector::parse("status.phase!=Running")
                .unwrap()
                .matches(&o)
        );
        assert!(
            FieldSelector::parse("involvedObject.name=x")
                .unwrap()
                .matches(&o)
        );
        assert!(FieldSelector::parse("spec.nodeName=").unwrap().matches(&o));
        assert!(FieldSelector::parse("nonsense").is_err());
    }

    #[test]
    fn spec_selector_with_expressions() {
        let sel = LabelSelector::from_spec(&json!({"matchLabels": {"app": "a"},
            "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod"]}]}));
        assert!(sel.matches_object(&json!({"metadata": {"labels": {"app": "a", "env": "prod"}}})));
        assert!(!sel.matches_object(&json!({"metadata": {"labels": {"app": "a"}}})));
        assert_eq!(sel.to_string(), "app=a,env in (prod)");
    }
}
