//! Unknown fields in a request body, handled as the `fieldValidation` query parameter asks: `Strict`
//! refuses the request with the apiserver's strict decoding error (400), `Warn` (the default) lets
//! it through with a `Warning` header per field, `Ignore` says nothing.
//!
//! A field is unknown when the kind's compiled-in type drops it on decoding. Custom resources are
//! checked against their CRD's structural schema, where one is given.

use std::collections::HashSet;

use http::{HeaderValue, Response};
use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::resources::ResourceType;
use super::server::{Body, Query};
use super::status::ApiError;
use super::typecheck;

/// The unknown fields of `obj`, as dotted paths (`spec.template.spec.foo`).
pub fn unknown_fields(rt: &ResourceType, obj: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if rt.crd.is_some() {
        if let Some(schema) = &rt.schema {
            against_schema(obj, schema, "", &mut out);
        }
    } else if let Some(known) = typecheck::typed_round_trip(rt, obj).ok().flatten() {
        diff(obj, &known, "", &mut out);
    }
    out
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Keys of `given` (non-null) that the typed `known` lost, recursively.
fn diff(given: &Value, known: &Value, prefix: &str, out: &mut Vec<String>) {
    match (given, known) {
        (Value::Object(g), Value::Object(k)) => {
            for (key, v) in g {
                match k.get(key) {
                    None if !v.is_null() => out.push(join(prefix, key)),
                    None => {}
                    Some(kv) => diff(v, kv, &join(prefix, key), out),
                }
            }
        }
        (Value::Array(g), Value::Array(k)) => {
            for (i, (gv, kv)) in g.iter().zip(k).enumerate() {
                diff(gv, kv, &format!("{prefix}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Keys of `obj` that a CRD's openAPIV3Schema does not declare (unless it preserves unknown fields).
fn against_schema(obj: &Value, schema: &Value, prefix: &str, out: &mut Vec<String>) {
    if schema["x-kubernetes-preserve-unknown-fields"] == true {
        return;
    }
    match obj {
        Value::Object(m) => {
            let props = schema["properties"].as_object();
            let additional = &schema["additionalProperties"];
            for (key, v) in m {
                // apiVersion, kind and metadata are the apiserver's, never the schema's.
                if prefix.is_empty() && matches!(key.as_str(), "apiVersion" | "kind" | "metadata") {
                    continue;
                }
                match props.and_then(|p| p.get(key)) {
                    Some(sub) => against_schema(v, sub, &join(prefix, key), out),
                    None if additional.is_object() => {
                        against_schema(v, additional, &join(prefix, key), out)
                    }
                    None if additional == &Value::Bool(true)
                        || props.is_none() && schema["type"] != "object" => {}
                    None => out.push(join(prefix, key)),
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                against_schema(v, &schema["items"], &format!("{prefix}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Applies the request's `fieldValidation` to a write: unknown fields (and, in a JSON `body`, duplicate
/// keys) are a 400 with `Strict`; otherwise unknown fields are dropped from `obj` and, unless `Ignore`,
/// returned as warnings for `Warning` headers. Unknown fields the stored object `old` already has are
/// left alone (an update sends back what a read returned).
pub fn check(
    q: &Query,
    rt: &ResourceType,
    body: Option<(&str, &[u8])>,
    obj: &mut Value,
    old: Option<&Value>,
) -> Result<Vec<String>, ApiError> {
    let mode = q
        .get("fieldValidation")
        .map(String::as_str)
        .unwrap_or("Warn");
    if !matches!(mode, "Strict" | "Warn" | "Ignore") {
        return Err(ApiError::bad_request(format!(
            "fieldValidation: Unsupported value: \"{mode}\": supported values: \"Ignore\", \"Strict\", \"Warn\""
        )));
    }
    let mut problems = Vec::new();
    if let Some((_, body)) =
        body.filter(|(ct, b)| ct.starts_with("application/json") && !b.is_empty())
    {
        let mut dups = Vec::new();
        let mut de = serde_json::Deserializer::from_slice(body);
        if Duplicates(&mut dups, String::new())
            .deserialize(&mut de)
            .is_ok()
        {
            problems.extend(dups.iter().map(|d| format!("duplicate field \"{d}\"")));
        }
    }
    let mut unknown = unknown_fields(rt, obj);
    if let Some(old) = old {
        let had = unknown_fields(rt, old);
        unknown.retain(|u| !had.contains(u));
    }
    problems.extend(unknown.iter().map(|u| format!("unknown field \"{u}\"")));
    if mode == "Strict" && !problems.is_empty() {
        let kind = &rt.kind;
        return Err(ApiError::bad_request(format!(
            "{kind} in version \"{}\" cannot be handled as a {kind}: strict decoding error: {}",
            rt.version,
            problems.join(", ")
        )));
    }
    for u in &unknown {
        remove_path(obj, u);
    }
    Ok(if mode == "Ignore" {
        Vec::new()
    } else {
        problems
    })
}

/// Drops the field at a dotted path (`spec.containers[0].foo`).
fn remove_path(obj: &mut Value, path: &str) {
    let mut cur = obj;
    let mut parts: Vec<&str> = path.split('.').collect();
    let Some(last) = parts.pop() else { return };
    for p in parts {
        let (key, index) = match p.split_once('[') {
            Some((k, i)) => (k, i.trim_end_matches(']').parse::<usize>().ok()),
            None => (p, None),
        };
        cur = &mut cur[key];
        if let Some(i) = index {
            cur = &mut cur[i];
        }
    }
    if let Some(m) = cur.as_object_mut() {
        m.remove(last);
    }
}

/// Keys that appear twice in one JSON object of the body.
struct Duplicates<'a>(&'a mut Vec<String>, String);

impl<'de> DeserializeSeed<'de> for Duplicates<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Duplicates<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(k) = m.next_key::<String>()? {
            let p = if self.1.is_empty() {
                k.clone()
            } else {
                format!("{}.{k}", self.1)
            };
            if !seen.insert(k) {
                self.0.push(p.clone());
            }
            m.next_value_seed(Duplicates(&mut *self.0, p))?;
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<(), A::Error> {
        let mut i = 0;
        while s
            .next_element_seed(Duplicates(&mut *self.0, format!("{}[{i}]", self.1)))?
            .is_some()
        {
            i += 1;
        }
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// Adds one `Warning` header per message, in the format clients print.
pub fn with_warnings(mut resp: Response<Body>, warnings: &[String]) -> Response<Body> {
    for w in warnings {
        let text = format!("299 - \"{}\"", w.replace('\\', "\\\\").replace('"', "\\\""));
        if let Ok(v) = HeaderValue::from_str(&text) {
            resp.headers_mut().append(http::header::WARNING, v);
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::resources::{Kinds, idx};
    use serde_json::json;

    #[test]
    fn unknown_fields_are_dropped_or_refused() {
        let kinds = Kinds::default();
        let cm = kinds.get(idx::CONFIGMAPS);
        let body = br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"bogus":1}"#;
        let mut obj: Value = serde_json::from_slice(body).unwrap();
        let warnings = check(
            &Query::new(),
            cm,
            Some(("application/json", body)),
            &mut obj,
            None,
        )
        .unwrap();
        assert_eq!(warnings, vec!["unknown field \"bogus\"".to_string()]);
        assert!(obj.get("bogus").is_none(), "{obj}");
        let strict: Query = [("fieldValidation".to_string(), "Strict".to_string())].into();
        let mut obj: Value = serde_json::from_slice(body).unwrap();
        let e = check(
            &strict,
            cm,
            Some(("application/json", body)),
            &mut obj,
            None,
        )
        .unwrap_err();
        assert!(
            e.message
                .ends_with("strict decoding error: unknown field \"bogus\""),
            "{}",
            e.message
        );
    }

    #[test]
    fn duplicate_keys_are_found_at_any_depth() {
        let kinds = Kinds::default();
        let cm = kinds.get(idx::CONFIGMAPS);
        let body = br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d"},"data":{"a":"1"},"data":{"b":"2"}}"#;
        let mut obj: Value = serde_json::from_slice(body).unwrap();
        let strict: Query = [("fieldValidation".to_string(), "Strict".to_string())].into();
        let e = check(
            &strict,
            cm,
            Some(("application/json", body)),
            &mut obj,
            None,
        )
        .unwrap_err();
        assert!(
            e.message.contains("duplicate field \"data\""),
            "{}",
            e.message
        );
        let mut pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "c", "image": "i", "imagePullPolcy": "Always"}]}});
        let w = check(&Query::new(), kinds.get(idx::PODS), None, &mut pod, None).unwrap();
        assert_eq!(
            w,
            vec!["unknown field \"spec.containers[0].imagePullPolcy\"".to_string()]
        );
        assert!(pod["spec"]["containers"][0].get("imagePullPolcy").is_none());
    }
}
