//! Type checks of a write body: built-in kinds decode as their typed object (k8s-openapi), custom
//! resources match the `type`s of their CRD's schema, and `fieldValidation` decides what becomes of
//! unknown and duplicate fields (kube-apiserver: dropped with a `Warning` by default, 400 with
//! `Strict`, dropped silently with `Ignore`).
//!
//! Owns: decoding-level validation. Defaults and field rules live in `validate`.

use std::collections::HashSet;

use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::resources::ResourceType;
use super::server::Query;
use super::status::ApiError;
use super::validate::qualified_kind;

/// A built-in object decoded as its typed form and encoded again: what the apiserver keeps of it.
/// None for kinds without a compiled-in type; a body that does not decode is a 400.
fn typed_round_trip(rt: &ResourceType, obj: &Value) -> Result<Option<Value>, ApiError> {
    use k8s_openapi::api::{
        admissionregistration::v1 as admission, apps::v1 as apps, autoscaling::v2 as autoscaling,
        batch::v1 as batch, certificates::v1 as certificates, coordination::v1 as coordination,
        core::v1 as core, discovery::v1 as discovery, flowcontrol::v1 as flowcontrol,
        networking::v1 as networking, node::v1 as node, policy::v1 as policy, rbac::v1 as rbac,
        scheduling::v1 as scheduling, storage::v1 as storage,
    };
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1 as apiextensions;
    use k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1 as apiregistration;
    macro_rules! typed {
        ($($kind:literal => $ty:ty),* $(,)?) => {
            match rt.kind.as_str() {
                $($kind => serde_json::from_value::<$ty>(obj.clone())
                    .map(|t| serde_json::to_value(t).ok()),)*
                _ => Ok(None),
            }
        };
    }
    let r = typed! {
        "Namespace" => core::Namespace,
        "Pod" => core::Pod,
        "Service" => core::Service,
        "Endpoints" => core::Endpoints,
        "ConfigMap" => core::ConfigMap,
        "Secret" => core::Secret,
        "Event" => core::Event,
        "Node" => core::Node,
        "LimitRange" => core::LimitRange,
        "PersistentVolumeClaim" => core::PersistentVolumeClaim,
        "PersistentVolume" => core::PersistentVolume,
        "PodTemplate" => core::PodTemplate,
        "ReplicationController" => core::ReplicationController,
        "ResourceQuota" => core::ResourceQuota,
        "ServiceAccount" => core::ServiceAccount,
        "Deployment" => apps::Deployment,
        "ReplicaSet" => apps::ReplicaSet,
        "StatefulSet" => apps::StatefulSet,
        "DaemonSet" => apps::DaemonSet,
        "ControllerRevision" => apps::ControllerRevision,
        "Role" => rbac::Role,
        "RoleBinding" => rbac::RoleBinding,
        "ClusterRole" => rbac::ClusterRole,
        "ClusterRoleBinding" => rbac::ClusterRoleBinding,
        "Job" => batch::Job,
        "CronJob" => batch::CronJob,
        "HorizontalPodAutoscaler" => autoscaling::HorizontalPodAutoscaler,
        "Ingress" => networking::Ingress,
        "IngressClass" => networking::IngressClass,
        "NetworkPolicy" => networking::NetworkPolicy,
        "EndpointSlice" => discovery::EndpointSlice,
        "PodDisruptionBudget" => policy::PodDisruptionBudget,
        "StorageClass" => storage::StorageClass,
        "CSIDriver" => storage::CSIDriver,
        "CSINode" => storage::CSINode,
        "CSIStorageCapacity" => storage::CSIStorageCapacity,
        "VolumeAttachment" => storage::VolumeAttachment,
        "MutatingWebhookConfiguration" => admission::MutatingWebhookConfiguration,
        "ValidatingWebhookConfiguration" => admission::ValidatingWebhookConfiguration,
        "CustomResourceDefinition" => apiextensions::CustomResourceDefinition,
        "APIService" => apiregistration::APIService,
        "CertificateSigningRequest" => certificates::CertificateSigningRequest,
        "PriorityClass" => scheduling::PriorityClass,
        "Lease" => coordination::Lease,
        "RuntimeClass" => node::RuntimeClass,
        "FlowSchema" => flowcontrol::FlowSchema,
        "PriorityLevelConfiguration" => flowcontrol::PriorityLevelConfiguration,
    };
    r.map_err(|e| ApiError::bad_request(format!("{} in body is invalid: {e}", qualified_kind(rt))))
}

/// Checks that the body decodes as the typed object (wrong field types are a 400, as in the apiserver),
/// or, for a custom resource, that it has the types its schema declares (422).
pub fn check(rt: &ResourceType, obj: &Value) -> Result<(), ApiError> {
    if rt.crd.is_none() {
        return typed_round_trip(rt, obj).map(drop);
    }
    let mut problems = Vec::new();
    if let Some(schema) = &rt.schema {
        for (k, v) in obj.as_object().into_iter().flatten() {
            if !matches!(k.as_str(), "apiVersion" | "kind" | "metadata") {
                schema_types(&schema["properties"][k], v, k, &mut problems);
            }
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    let name = obj["metadata"]["name"].as_str().unwrap_or("");
    Err(ApiError::invalid(&qualified_kind(rt), name, &problems))
}

/// The JSON type names of an OpenAPI schema, as the CRD validator reports a mismatch.
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Checks `v` against the `type`s of a structural schema (properties, additionalProperties, items),
/// as the apiextensions validator does before anything else.
fn schema_types(schema: &Value, v: &Value, path: &str, problems: &mut Vec<String>) {
    let Some(want) = schema["type"].as_str() else {
        return;
    };
    let have = json_type(v);
    let fits = have == want || (want == "number" && have == "integer") || v.is_null();
    if !fits {
        problems.push(format!(
            "{path}: Invalid value: \"{have}\": {path} in body must be of type {want}: \"{have}\""
        ));
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let sub = match &schema["properties"][k] {
                    Value::Null => &schema["additionalProperties"],
                    s => s,
                };
                schema_types(sub, child, &format!("{path}.{k}"), problems);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                schema_types(&schema["items"], child, &format!("{path}[{i}]"), problems);
            }
        }
        _ => {}
    }
}

/// Paths in `orig` that the typed form does not have (null values aside).
fn unknown_fields(orig: &Value, known: &Value, path: &str, out: &mut Vec<String>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match (orig, known) {
        (Value::Object(o), Value::Object(k)) => {
            for (key, v) in o {
                match k.get(key) {
                    Some(kv) => unknown_fields(v, kv, &join(key), out),
                    None if !v.is_null() => out.push(join(key)),
                    None => {}
                }
            }
        }
        (Value::Array(o), Value::Array(k)) => {
            for (i, (v, kv)) in o.iter().zip(k).enumerate() {
                unknown_fields(v, kv, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
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

/// Applies `fieldValidation` to a write: unknown fields of a built-in kind and duplicate keys of a
/// JSON `body` are a 400 with `Strict`; otherwise unknown fields are dropped from `obj` and, unless
/// `Ignore`, returned as warnings for `Warning` headers.
/// Unknown fields the stored object `old` already has are left alone (an update sends back what a read
/// returned).
pub fn fields(
    rt: &ResourceType,
    q: &Query,
    ct: &str,
    body: &[u8],
    obj: &mut Value,
    old: Option<&Value>,
) -> Result<Vec<String>, ApiError> {
    let mode = q.get("fieldValidation").map_or("Warn", String::as_str);
    let mut problems: Vec<String> = Vec::new();
    if ct.starts_with("application/json") && !body.is_empty() {
        let mut dups = Vec::new();
        let mut de = serde_json::Deserializer::from_slice(body);
        if Duplicates(&mut dups, String::new())
            .deserialize(&mut de)
            .is_ok()
        {
            problems.extend(dups.iter().map(|d| format!("duplicate field \"{d}\"")));
        }
    }
    let mut unknown = Vec::new();
    if let Some(known) = typed_round_trip(rt, obj)? {
        unknown_fields(obj, &known, "", &mut unknown);
    }
    if let Some(old) = old {
        let mut had = Vec::new();
        if let Some(known) = typed_round_trip(rt, old).ok().flatten() {
            unknown_fields(old, &known, "", &mut had);
        }
        unknown.retain(|u| !had.contains(u));
    }
    problems.extend(unknown.iter().map(|u| format!("unknown field \"{u}\"")));
    if problems.is_empty() {
        return Ok(Vec::new());
    }
    if mode == "Strict" {
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

/// Adds a `Warning: 299 - "…"` header per warning, as the apiserver reports dropped fields.
pub fn with_warnings(
    mut resp: http::Response<super::server::Body>,
    warnings: &[String],
) -> http::Response<super::server::Body> {
    for w in warnings {
        let text = format!("299 - \"{}\"", w.replace('\\', "\\\\").replace('"', "\\\""));
        if let Ok(v) = http::HeaderValue::from_str(&text) {
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
        let warnings = fields(cm, &Query::new(), "application/json", body, &mut obj, None).unwrap();
        assert_eq!(warnings, vec!["unknown field \"bogus\"".to_string()]);
        assert!(obj.get("bogus").is_none(), "{obj}");
        let strict: Query = [("fieldValidation".to_string(), "Strict".to_string())].into();
        let mut obj: Value = serde_json::from_slice(body).unwrap();
        let e = fields(cm, &strict, "application/json", body, &mut obj, None).unwrap_err();
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
        let e = fields(cm, &strict, "application/json", body, &mut obj, None).unwrap_err();
        assert!(
            e.message.contains("duplicate field \"data\""),
            "{}",
            e.message
        );
        let mut pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "c", "image": "i", "imagePullPolcy": "Always"}]}});
        let w = fields(
            kinds.get(idx::PODS),
            &Query::new(),
            "application/json",
            b"",
            &mut pod,
            None,
        )
        .unwrap();
        assert_eq!(
            w,
            vec!["unknown field \"spec.containers[0].imagePullPolcy\"".to_string()]
        );
        assert!(pod["spec"]["containers"][0].get("imagePullPolcy").is_none());
    }
}
