//! SelfSubjectReview (`kubectl auth whoami`), SelfSubjectAccessReview (`kubectl auth can-i`) and
//! SelfSubjectRulesReview (`kubectl auth can-i --list`), answered for the sim's two users: the admin may
//! do everything, the viewer may get, list and watch.
//!
//! Owns: the review documents. The sim's authorizer is the two-role check in `api`; Roles and bindings
//! stored in the sim are not consulted.

use http::{Request, Response, StatusCode};
use hyper::body::Incoming;
use serde_json::{Value, json};

use super::api::read_body;
use super::api_write::decode_object;
use super::auth::{Role, is_read_verb};
use super::resources::ResourceType;
use super::server::{Body, json_response};
use super::status::ApiError;

fn groups(role: Role) -> Value {
    match role {
        Role::Admin => json!(["system:masters", "system:authenticated"]),
        Role::Viewer => json!(["system:authenticated"]),
    }
}

fn allowed(role: Role, verb: &str) -> bool {
    role == Role::Admin || is_read_verb(verb)
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
            json!({"userInfo": {"username": role.user(), "groups": groups(role)}})
        }
        "SelfSubjectAccessReview" => {
            let attrs = &review["spec"]["resourceAttributes"];
            let verb = attrs["verb"]
                .as_str()
                .or_else(|| review["spec"]["nonResourceAttributes"]["verb"].as_str())
                .unwrap_or("");
            if allowed(role, verb) {
                json!({"allowed": true, "reason": format!("the sim's {} may {verb}", role.user())})
            } else {
                json!({"allowed": false, "reason": format!("the sim's {} may only get, list and watch", role.user())})
            }
        }
        _ => {
            let verbs = match role {
                Role::Admin => json!(["*"]),
                Role::Viewer => json!(["get", "list", "watch"]),
            };
            json!({
                "resourceRules": [{"verbs": verbs, "apiGroups": ["*"], "resources": ["*"]}],
                "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": ["*"]}],
                "incomplete": false,
            })
        }
    };
    Ok(json_response(StatusCode::CREATED, &review))
}
