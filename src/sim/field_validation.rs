//! Unknown fields in a request body, handled as the `fieldValidation` query parameter asks: `Strict`
//! refuses the request with the apiserver's strict decoding error (400), `Warn` (the default) lets
//! it through with a `Warning` header per field, `Ignore` says nothing.
//!
//! A field is unknown when the kind's compiled-in type drops it on decoding. Custom resources are
//! checked against their CRD's structural schema, where one is given.

use http::{HeaderValue, Response};
use serde_json::Value;

use super::Sim;
use super::resources::{ResourceType, idx};
use super::server::{Body, Query};
use super::status::ApiError;
use super::validate;

/// The unknown fields of `obj`, as dotted paths (`spec.template.spec.foo`).
pub fn unknown_fields(sim: &Sim, rt: &ResourceType, obj: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(crd) = &rt.crd {
        let Some(def) = sim.store.get(idx::CRDS, "", crd) else {
            return out;
        };
        let schema = def["spec"]["versions"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|v| v["name"] == rt.version.as_str())
            .map(|v| v["schema"]["openAPIV3Schema"].clone())
            .unwrap_or(Value::Null);
        if schema.is_object() {
            against_schema(obj, &schema, "", &mut out);
        }
    } else if let Some(known) = validate::typed_round_trip(rt, obj) {
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

/// Applies the request's `fieldValidation` to the unknown fields of `obj`: the warnings to send, or
/// the 400 of `Strict`.
pub fn check(
    sim: &Sim,
    q: &Query,
    rt: &ResourceType,
    obj: &Value,
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
    if mode == "Ignore" {
        return Ok(Vec::new());
    }
    let unknown: Vec<String> = unknown_fields(sim, rt, obj)
        .into_iter()
        .map(|f| format!("unknown field \"{f}\""))
        .collect();
    if mode == "Strict" && !unknown.is_empty() {
        let kind = &rt.kind;
        return Err(ApiError::bad_request(format!(
            "{kind} in version \"{}\" cannot be handled as a {kind}: strict decoding error: {}",
            rt.version,
            unknown.join(", ")
        )));
    }
    Ok(unknown)
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
