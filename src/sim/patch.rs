//! PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and a faithful subset of Kubernetes
//! strategic merge patch.
//!
//! Strategic merge covers what kubectl generates for the core kinds: lists of objects merged by their
//! merge key (`name` for containers, env, volumes, imagePullSecrets; `containerPort`/`port` for ports;
//! `mountPath` for volumeMounts; `type` for conditions; `uid` for ownerReferences), `$patch: delete` and
//! `$patch: replace` on maps and list items, `$deleteFromPrimitiveList/<field>`, `$retainKeys`, and
//! `$setElementOrder/<field>` (accepted, order hints only). Other lists are replaced, as their patch
//! strategy is "replace" in the API types. It must not know about the store.

use serde_json::{Map, Value};

use super::status::ApiError;

pub const MERGE: &str = "application/merge-patch+json";
pub const STRATEGIC: &str = "application/strategic-merge-patch+json";
pub const JSON_PATCH: &str = "application/json-patch+json";

/// Applies a patch of the given content type to `target`.
pub fn apply(content_type: &str, target: &Value, patch: &[u8]) -> Result<Value, ApiError> {
    let ct = content_type.split(';').next().unwrap_or("").trim();
    let parse = || -> Result<Value, ApiError> {
        serde_json::from_slice(patch)
            .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))
    };
    match ct {
        MERGE => {
            let p = parse()?;
            let mut out = target.clone();
            merge(&mut out, &p);
            Ok(out)
        }
        STRATEGIC => {
            let p = parse()?;
            if !p.is_object() {
                return Err(ApiError::bad_request(
                    "strategic merge patch must be a JSON object",
                ));
            }
            let mut out = target.clone();
            strategic(&mut out, &p, "");
            Ok(out)
        }
        JSON_PATCH => {
            let p: json_patch::Patch = serde_json::from_slice(patch)
                .map_err(|e| ApiError::bad_request(format!("error decoding json patch: {e}")))?;
            let mut out = target.clone();
            for op in p.0 {
                // The apiserver's JSON patch replaces a missing key of an existing object by adding it
                // (../shared/apiserver-1.28 README, quirk 18).
                let op = match op {
                    json_patch::PatchOperation::Replace(r)
                        if out.pointer(r.path.as_str()).is_none() =>
                    {
                        json_patch::PatchOperation::Add(json_patch::AddOperation {
                            path: r.path,
                            value: r.value,
                        })
                    }
                    op => op,
                };
                json_patch::patch(&mut out, &[op]).map_err(|_| {
                    ApiError::new(
                        422,
                        "Invalid",
                        "the server rejected our request due to an error in our request",
                    )
                    .with_empty_details()
                })?;
            }
            Ok(out)
        }
        other => Err(ApiError::unsupported_media(other)),
    }
}

/// RFC 7386.
pub fn merge(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(t) = target {
        for (k, v) in p {
            if v.is_null() {
                t.remove(k);
            } else {
                merge(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

/// The merge key of a list field, by field name and what its items look like.
fn merge_key(field: &str, items: &[Value]) -> Option<&'static str> {
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets" => Some("name"),
        "volumeMounts" => Some("mountPath"),
        "conditions" => Some("type"),
        "ownerReferences" => Some("uid"),
        "ports" => {
            let container = items.iter().any(|i| i.get("containerPort").is_some());
            Some(if container { "containerPort" } else { "port" })
        }
        _ => None,
    }
}

fn strategic(target: &mut Value, patch: &Value, field: &str) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if p.get("$patch").and_then(Value::as_str) == Some("replace") {
        let mut clean = p.clone();
        clean.remove("$patch");
        *target = Value::Object(clean);
        return;
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let _ = field;
    let Value::Object(t) = target else { return };
    let mut retain: Option<Vec<String>> = None;
    for (k, v) in p {
        if k == "$patch" || k.starts_with("$setElementOrder/") {
            continue;
        }
        if k == "$retainKeys" {
            retain = v.as_array().map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            });
            continue;
        }
        if let Some(list_field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(cur)), Some(del)) = (t.get_mut(list_field), v.as_array()) {
                cur.retain(|x| !del.contains(x));
            }
            continue;
        }
        if v.is_null() {
            t.remove(k);
            continue;
        }
        if v.get("$patch").and_then(Value::as_str) == Some("delete") {
            t.remove(k);
            continue;
        }
        match v {
            Value::Object(_) => strategic(t.entry(k.clone()).or_insert(Value::Null), v, k),
            Value::Array(items) => {
                let cur = t.entry(k.clone()).or_insert(Value::Null);
                merge_list(cur, items, k);
            }
            _ => {
                t.insert(k.clone(), v.clone());
            }
        }
    }
    if let Some(keep) = retain {
        t.retain(|k, _| keep.contains(k));
    }
}

fn merge_list(cur: &mut Value, items: &[Value], field: &str) {
    let replace = items
        .iter()
        .any(|i| i.get("$patch").and_then(Value::as_str) == Some("replace"));
    let key = merge_key(field, items);
    if field == "finalizers" && !replace {
        let mut list = cur.as_array().cloned().unwrap_or_default();
        for i in items {
            if !list.contains(i) {
                list.push(i.clone());
            }
        }
        *cur = Value::Array(list);
        return;
    }
    let (Some(key), false) = (key, replace) else {
        let clean: Vec<Value> = items
            .iter()
            .filter(|i| i.get("$patch").is_none())
            .cloned()
            .collect();
        *cur = Value::Array(clean);
        return;
    };
    let mut list = cur.as_array().cloned().unwrap_or_default();
    for item in items {
        let id = item.get(key);
        let pos = id.and_then(|id| list.iter().position(|e| e.get(key) == Some(id)));
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (pos, delete) {
            (Some(i), true) => {
                list.remove(i);
            }
            (None, true) => {}
            (Some(i), false) => strategic(&mut list[i], item, field),
            (None, false) => {
                let mut fresh = Value::Null;
                strategic(&mut fresh, item, field);
                list.push(fresh);
            }
        }
    }
    *cur = Value::Array(list);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dep() -> Value {
        json!({"spec": {"replicas": 1, "template": {"spec": {"containers": [
            {"name": "a", "image": "a:1", "env": [{"name": "X", "value": "1"}], "ports": [{"containerPort": 80}]},
            {"name": "b", "image": "b:1"}]}}}})
    }

    #[test]
    fn strategic_merges_containers_by_name() {
        let p = br#"{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"a:2","env":[{"name":"Y","value":"2"}]}]}}}}"#;
        let out = apply(STRATEGIC, &dep(), p).unwrap();
        let cs = out["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap();
        assert_eq!(cs.len(), 2);
        assert_eq!(cs[0]["image"], "a:2");
        assert_eq!(cs[0]["env"].as_array().unwrap().len(), 2);
        assert_eq!(cs[0]["ports"][0]["containerPort"], 80);
    }

    #[test]
    fn strategic_delete_directive_removes_an_item() {
        let p =
            br#"{"spec":{"template":{"spec":{"containers":[{"name":"b","$patch":"delete"}]}}}}"#;
        let out = apply(STRATEGIC, &dep(), p).unwrap();
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn merge_patch_replaces_lists_and_deletes_nulls() {
        let p = br#"{"spec":{"replicas":null,"template":{"spec":{"containers":[{"name":"c"}]}}}}"#;
        let out = apply(MERGE, &dep(), p).unwrap();
        assert!(out["spec"].get("replicas").is_none());
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn json_patch_and_errors() {
        let out = apply(
            JSON_PATCH,
            &dep(),
            br#"[{"op":"replace","path":"/spec/replicas","value":3}]"#,
        )
        .unwrap();
        assert_eq!(out["spec"]["replicas"], 3);
        assert_eq!(
            apply(JSON_PATCH, &dep(), br#"[{"op":"remove","path":"/nope"}]"#)
                .unwrap_err()
                .code,
            422
        );
        assert_eq!(apply(MERGE, &dep(), b"{not json").unwrap_err().code, 400);
        assert_eq!(apply("text/plain", &dep(), b"{}").unwrap_err().code, 415);
    }
}
