//! SelfSubjectReview (`kubectl auth whoami`), SelfSubjectAccessReview (`kubectl auth can-i`),
//! SelfSubjectRulesReview (`kubectl auth can-i --list`) and, for another user, SubjectAccessReview and
//! LocalSubjectAccessReview (`kubectl auth can-i --as`, admission webhooks), answered by the RBAC
//! authorizer (`rbac`) from the Roles and bindings the cluster holds now.
//!
//! Owns: the review documents.

use http::{Request, Response, StatusCode};
use hyper::body::Incoming;
use serde_json::{Value, json};

use super::Sim;
use super::api::read_body;
use super::api_write::decode_object;
use super::auth::UserInfo;
use super::rbac::{self, Attributes};
use super::resources::ResourceType;
use super::server::{Body, ResourceRoute, json_response};
use super::status::ApiError;

fn text(v: &Value) -> Option<&str> {
    v.as_str().filter(|s| !s.is_empty())
}

/// The validation the authorization API applies before answering.
fn check(kind: &str, review: &Value, ns: Option<&str>) -> Result<(), ApiError> {
    let spec = &review["spec"];
    // The authorization API reports its review kinds' errors with no kind, only the group.
    let invalid = |problem: String| ApiError::invalid(".authorization.k8s.io", "", &[problem]);
    if kind.ends_with("AccessReview") {
        let resource = spec["resourceAttributes"].is_object();
        let non_resource = spec["nonResourceAttributes"].is_object();
        if resource == non_resource {
            let which = if resource { "{…}" } else { "null" };
            return Err(invalid(format!(
                "spec.resourceAttributes: Invalid value: \"{which}\": exactly one of nonResourceAttributes or resourceAttributes must be specified"
            )));
        }
    }
    if matches!(kind, "SubjectAccessReview" | "LocalSubjectAccessReview")
        && text(&spec["user"]).is_none()
        && spec["groups"].as_array().is_none_or(Vec::is_empty)
    {
        return Err(invalid(
            "spec.user: Invalid value: \"\": at least one of user or group must be specified"
                .to_string(),
        ));
    }
    if kind == "LocalSubjectAccessReview" {
        let asked = text(&spec["resourceAttributes"]["namespace"]);
        if spec["nonResourceAttributes"].is_object() || asked.is_some_and(|a| Some(a) != ns) {
            return Err(invalid(format!(
                "spec.resourceAttributes.namespace: Invalid value: \"{}\": must match metadata.namespace",
                asked.unwrap_or("")
            )));
        }
    }
    if kind == "SelfSubjectRulesReview" && text(&spec["namespace"]).is_none() {
        return Err(ApiError::bad_request("no namespace on request"));
    }
    Ok(())
}

/// Whether `user` may do what an access review's spec asks, as its `status`.
fn access(sim: &Sim, user: &UserInfo, spec: &Value, ns: Option<&str>) -> Value {
    let attrs = &spec["resourceAttributes"];
    if !attrs.is_object() {
        // Non-resource URLs (/healthz, /version, discovery) are open to every user.
        let verb = text(&spec["nonResourceAttributes"]["verb"]).unwrap_or("");
        return json!({"allowed": verb == "get" || user.in_group("system:masters")});
    }
    let a = Attributes {
        verb: text(&attrs["verb"]).unwrap_or(""),
        group: text(&attrs["group"]).unwrap_or(""),
        resource: text(&attrs["resource"]).unwrap_or(""),
        subresource: text(&attrs["subresource"]),
        name: text(&attrs["name"]),
        namespace: text(&attrs["namespace"]).or(ns),
    };
    match rbac::authorize(&sim.store, user, &a) {
        Some(reason) if reason.is_empty() => json!({"allowed": true}),
        Some(reason) => json!({"allowed": true, "reason": reason}),
        None => json!({"allowed": false}),
    }
}

pub async fn serve(
    sim: &Sim,
    user: &UserInfo,
    rt: &ResourceType,
    r: &ResourceRoute,
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
    let ns = r.ns.as_deref();
    check(&rt.kind, &review, ns)?;
    review["metadata"]["creationTimestamp"] = Value::Null;
    if let Some(ns) = ns {
        review["metadata"]["namespace"] = json!(ns);
    }
    review["apiVersion"] = json!(rt.api_version());
    review["kind"] = json!(rt.kind);
    let spec = &review["spec"];
    review["status"] = match rt.kind.as_str() {
        "SelfSubjectReview" => {
            json!({"userInfo": {"username": user.name, "groups": user.groups}})
        }
        "SelfSubjectAccessReview" => access(sim, user, spec, None),
        "SubjectAccessReview" | "LocalSubjectAccessReview" => {
            // The subject is the spec's user and groups exactly: nothing is added to them.
            let subject = UserInfo {
                name: text(&spec["user"]).unwrap_or("").to_string(),
                groups: spec["groups"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
            };
            access(sim, &subject, spec, ns)
        }
        _ => {
            let Some(ns) = text(&spec["namespace"]) else {
                return Err(ApiError::bad_request("no namespace on request"));
            };
            json!({
                "resourceRules": rbac::rules_for(&sim.store, user, ns),
                "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": ["*"]}],
                "incomplete": false,
            })
        }
    };
    Ok(json_response(StatusCode::CREATED, &review))
}
