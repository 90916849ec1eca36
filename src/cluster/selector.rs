//! Label selectors and pod readiness, read from raw objects the way the controllers read them.
//!
//! Shared by the log engine (the pods of a workload) and the port-forward manager (a ready pod behind a
//! Service or Deployment). Pure functions on JSON; no I/O.

use serde_json::Value;

/// The label-selector query string for a workload's `spec.selector` (a LabelSelector with matchLabels and
/// matchExpressions), or a Service's `spec.selector` (a plain map). `None` when there is no selector, which
/// for a Service means "no pods" rather than "every pod".
pub fn selector_query(kind: &str, obj: &Value) -> Option<String> {
    let sel = obj.pointer("/spec/selector")?;
    let mut parts = Vec::new();
    if kind == "Service" {
        for (k, v) in sel.as_object()? {
            parts.push(format!("{k}={}", v.as_str().unwrap_or_default()));
        }
    } else {
        if let Some(labels) = sel.get("matchLabels").and_then(Value::as_object) {
            for (k, v) in labels {
                parts.push(format!("{k}={}", v.as_str().unwrap_or_default()));
            }
        }
        for expr in sel
            .get("matchExpressions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let key = expr.get("key").and_then(Value::as_str).unwrap_or_default();
            let values: Vec<&str> = expr
                .get("values")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            match expr.get("operator").and_then(Value::as_str) {
                Some("In") => parts.push(format!("{key} in ({})", values.join(","))),
                Some("NotIn") => parts.push(format!("{key} notin ({})", values.join(","))),
                Some("Exists") => parts.push(key.to_string()),
                Some("DoesNotExist") => parts.push(format!("!{key}")),
                _ => {}
            }
        }
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join(","))
    }
}

/// A pod counts as ready when its `Ready` condition is true and it is not being deleted, the same test
/// the endpoints controller applies.
pub fn pod_is_ready(pod: &Value) -> bool {
    if pod.pointer("/metadata/deletionTimestamp").is_some() {
        return false;
    }
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| {
            c.get("type").and_then(Value::as_str) == Some("Ready")
                && c.get("status").and_then(Value::as_str) == Some("True")
        })
}

/// Whether a container has produced a log the server can serve: it is running, or it has terminated (for
/// `previous`, a terminated last state).
pub fn container_has_log(pod: &Value, container: &str, previous: bool) -> bool {
    let statuses = ["containerStatuses", "initContainerStatuses"]
        .iter()
        .filter_map(|k| {
            pod.pointer(&format!("/status/{k}"))
                .and_then(Value::as_array)
        })
        .flatten();
    for st in statuses {
        if st.get("name").and_then(Value::as_str) != Some(container) {
            continue;
        }
        if previous {
            return st.pointer("/lastState/terminated").is_some();
        }
        return st.pointer("/state/running").is_some() || st.pointer("/state/terminated").is_some();
    }
    false
}

/// Container names of a pod's spec, in order.
pub fn container_names(pod: &Value) -> Vec<String> {
    pod.pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("name").and_then(Value::as_str).map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn workload_selector_with_expressions() {
        let d = json!({"spec":{"selector":{"matchLabels":{"app":"web"},"matchExpressions":[
            {"key":"tier","operator":"In","values":["a","b"]},
            {"key":"canary","operator":"DoesNotExist"}]}}});
        assert_eq!(
            selector_query("Deployment", &d).unwrap(),
            "app=web,tier in (a,b),!canary"
        );
    }

    #[test]
    fn service_selector_and_none() {
        let s = json!({"spec":{"selector":{"app":"web","tier":"fe"}}});
        assert_eq!(selector_query("Service", &s).unwrap(), "app=web,tier=fe");
        assert_eq!(selector_query("Service", &json!({"spec":{}})), None);
    }

    #[test]
    fn readiness_and_log_availability() {
        let p = json!({"status":{"conditions":[{"type":"Ready","status":"True"}],
            "containerStatuses":[{"name":"app","state":{"running":{}},"lastState":{}},
                                 {"name":"side","state":{"waiting":{}},"lastState":{"terminated":{}}}]}});
        assert!(pod_is_ready(&p));
        assert!(container_has_log(&p, "app", false));
        assert!(!container_has_log(&p, "side", false));
        assert!(container_has_log(&p, "side", true));
        assert!(!container_has_log(&p, "app", true));
        let mut gone = p.clone();
        gone["metadata"] = json!({"deletionTimestamp":"2024-01-01T00:00:00Z"});
        assert!(!pod_is_ready(&gone));
    }
}
