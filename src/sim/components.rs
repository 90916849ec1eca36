//! `componentstatuses` (`kubectl get cs`), deprecated since 1.19 but still served: the scheduler, the
//! controller manager and etcd, which in the sim are always healthy (they run in the sim's own process).
//!
//! Owns: the ComponentStatus documents, computed on each read. The list has no resourceVersion, as the
//! apiserver sends it.

use http::{Response, StatusCode};
use serde_json::{Value, json};

use super::api::{As, partial_metadata, selectors};
use super::resources::ResourceType;
use super::selectors::LabelSelectorExt;
use super::server::{Body, Query, ResourceRoute, json_response};
use super::status::ApiError;
use super::table::{self, IncludeObject};

fn component(name: &str) -> Value {
    json!({
        "metadata": {"name": name, "creationTimestamp": null},
        "conditions": [{"type": "Healthy", "status": "True", "message": "ok"}],
    })
}

pub fn serve(
    rt: &ResourceType,
    r: &ResourceRoute,
    q: &Query,
    verb: &str,
    as_: As,
) -> Result<Response<Body>, ApiError> {
    if !matches!(verb, "get" | "list") {
        return Err(ApiError::method_not_allowed());
    }
    let (labels, fields) = selectors(q)?;
    let items: Vec<Value> = ["controller-manager", "scheduler", "etcd-0"]
        .into_iter()
        .map(component)
        .filter(|c| labels.matches_object(c) && fields.matches(c))
        .filter(|c| r.name.as_deref().is_none_or(|n| c["metadata"]["name"] == n))
        .collect();
    let with_kind = |mut c: Value| {
        c["kind"] = json!(rt.kind);
        c["apiVersion"] = json!(rt.api_version());
        c
    };
    let include = IncludeObject::parse(q.get("includeObject").map(String::as_str));
    let body = match (&r.name, as_) {
        (Some(name), _) if items.is_empty() => {
            return Err(ApiError::not_found(&rt.group, &rt.plural, name));
        }
        (_, As::Table(api_version)) => {
            let mut t = table::table(rt, items.iter(), include, "", None);
            t["metadata"] = json!({});
            t["apiVersion"] = json!(api_version);
            t
        }
        (Some(_), As::Metadata) => partial_metadata(&items[0]),
        (Some(_), As::Object) => with_kind(items[0].clone()),
        (None, As::Metadata) => json!({
            "kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": {},
            "items": items.iter().map(partial_metadata).collect::<Vec<_>>(),
        }),
        (None, As::Object) => json!({
            "kind": rt.list_kind(), "apiVersion": rt.api_version(), "metadata": {}, "items": items,
        }),
    };
    Ok(json_response(StatusCode::OK, &body))
}
