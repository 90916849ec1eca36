//! SelfSubjectReview (`kubectl auth whoami`), SelfSubjectAccessReview (`kubectl auth can-i`) and
//! SelfSubjectRulesReview (`kubectl auth can-i --list`), answered by the RBAC authorizer (`rbac`) from
//! the Roles and bindings the cluster holds now.
//!
//! Owns: the review documents.

use http::{Request, Response, StatusCode};
use hyper::body::Incoming;
use serde_json::{Value, json};

use super::Sim;
use super::api::read_body;
use super::api_write::decode_object;
use super::auth::Role;
use super::rbac::{self, Attributes};
use super::resources::ResourceType;
use super::server::{Body, json_response};
use super::status::ApiError;

fn text(v: &Value) -> Option<&str> {
    v.as_str().filter(|s| !s.is_empty())
}

/// The validation the authorization API applies before answering.
fn check(kind: &str, review: &Value) -> Result<(), ApiError> {
    let spec = &review["spec"];
    match kind {
        "SelfSubjectAccessReview" => {
            let resource = spec["resourceAttributes"].is_object();
            let non_resource = spec["nonResourceAttributes"].is_object();
            if resource == non_resource {
                let which = if resource { "{…}" } else { "null" };
                return Err(ApiError::invalid(
                    ".authorization.k8s.io",
                    "",
                    &[format!(
                        "spec.resourceAttributes: Invalid value: \"{which}\": exactly one of nonResourceAttributes or resourceAttributes must be specified"
                    )],
                ));
            }
        }
        "SelfSubjectRulesReview" if spec["namespace"].as_str().is_none_or(str::is_empty) => {
            return Err(ApiError::bad_request("no namespace on request"));
        }
        _ => {}
    }
    Ok(())
}

pub async fn serve(
    sim: &Sim,
    role: Role,
    rt: &ResourceType,
    verb: &str,
    req: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    if verb != "create" {
        return Err(ApiError::method_not_allowed());
    }
    let (ct, body) = read_body(req).await?;
    let mut review = decode_object(&ct, &body)?;
    if !review["metadata"].is_object() {
        review["metadata"] = json!({});
    }
    check(&rt.kind, &review)?;
    review["metadata"]["creationTimestamp"] = Value::Null;
    review["apiVersion"] = json!(rt.api_version());
    review["kind"] = json!(rt.kind);
    review["status"] = match rt.kind.as_str() {
        "SelfSubjectReview" => {
            json!({"userInfo": {"username": role.user(), "groups": rbac::groups(role)}})
        }
        "SelfSubjectAccessReview" => {
            let attrs = &review["spec"]["resourceAttributes"];
            let verb = text(&attrs["verb"])
                .or_else(|| text(&review["spec"]["nonResourceAttributes"]["verb"]))
                .unwrap_or("");
            if attrs.is_object() {
                let a = Attributes {
                    verb,
                    group: text(&attrs["group"]).unwrap_or(""),
                    resource: text(&attrs["resource"]).unwrap_or(""),
                    subresource: text(&attrs["subresource"]),
                    name: text(&attrs["name"]),
                    namespace: text(&attrs["namespace"]),
                };
                match rbac::authorize(&sim.store, role, &a) {
                    Some(reason) if reason.is_empty() => json!({"allowed": true}),
                    Some(reason) => json!({"allowed": true, "reason": reason}),
                    None => json!({"allowed": false}),
                }
            } else {
                // Non-resource URLs (/healthz, /version, discovery) are open to every user.
                json!({"allowed": verb == "get" || role == Role::Admin})
            }
        }
        _ => {
            let Some(ns) = text(&review["spec"]["namespace"]) else {
                return Err(ApiError::bad_request("no namespace on request"));
            };
            json!({
                "resourceRules": rbac::rules_for(&sim.store, role, ns),
                "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": ["*"]}],
                "incomplete": false,
            })
        }
    };
    Ok(json_response(StatusCode::CREATED, &review))
}
