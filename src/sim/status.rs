//! API errors as the apiserver reports them: a `metav1.Status` body with code, reason and details.
//!
//! Owns: the error type every handler returns and its JSON form. kubectl and client-go print
//! `Error from server (Reason): message` from these bodies, so messages follow the apiserver's wording.

use serde_json::{Value, json};

/// An error that becomes a `Status` response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} {reason}: {message}")]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    /// (group, kind, name) for `details`.
    pub details: Option<Box<(String, String, String)>>,
    /// Seconds for `Retry-After` (429 and some 5xx).
    pub retry_after: Option<u32>,
    /// `details.causes`: which field went wrong and why.
    pub causes: Vec<Value>,
}

impl ApiError {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            reason,
            message: message.into(),
            details: None,
            retry_after: None,
            causes: Vec::new(),
        }
    }

    pub fn with_causes(mut self, causes: Vec<Value>) -> Self {
        self.causes = causes;
        self
    }

    /// A 422 on the options of a request (not on an object): `PatchOptions.meta.k8s.io "" is invalid`.
    pub fn invalid_options(kind: &str, field: &str, reason: &str, problem: &str) -> Self {
        let mut e = Self::new(
            422,
            "Invalid",
            format!("{kind}.meta.k8s.io \"\" is invalid: {field}: {problem}"),
        )
        .with_causes(vec![
            json!({"reason": reason, "message": problem, "field": field}),
        ]);
        e.details = Some(Box::new(("meta.k8s.io".into(), kind.into(), String::new())));
        e
    }

    fn with_details(mut self, group: &str, plural: &str, name: &str) -> Self {
        self.details = Some(Box::new((
            group.to_string(),
            plural.to_string(),
            name.to_string(),
        )));
        self
    }

    /// `pods "x" not found`: the resource is named by its plural (with group when not core).
    pub fn not_found(group: &str, plural: &str, name: &str) -> Self {
        let what = qualified(group, plural);
        Self::new(404, "NotFound", format!("{what} \"{name}\" not found"))
            .with_details(group, plural, name)
    }

    pub fn already_exists(group: &str, plural: &str, name: &str) -> Self {
        let what = qualified(group, plural);
        Self::new(
            409,
            "AlreadyExists",
            format!("{what} \"{name}\" already exists"),
        )
        .with_details(group, plural, name)
    }

    pub fn conflict(group: &str, plural: &str, name: &str) -> Self {
        let what = qualified(group, plural);
        Self::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {what} \"{name}\": the object has been modified; \
                 please apply your changes to the latest version and try again"
            ),
        )
        .with_details(group, plural, name)
    }

    pub fn invalid(kind: &str, name: &str, problems: &[String]) -> Self {
        Self::new(
            422,
            "Invalid",
            format!("{kind} \"{name}\" is invalid: {}", problems.join(", ")),
        )
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized")
    }

    pub fn forbidden(
        user: &str,
        verb: &str,
        group: &str,
        plural: &str,
        name: Option<&str>,
        ns: Option<&str>,
    ) -> Self {
        let what = match name {
            Some(n) => format!("{} \"{n}\"", qualified(group, plural)),
            None => qualified(group, plural),
        };
        let scope = match ns {
            Some(ns) => format!("in the namespace \"{ns}\""),
            None => "at the cluster scope".to_string(),
        };
        Self::new(
            403,
            "Forbidden",
            format!(
                "{what} is forbidden: User \"{user}\" cannot {verb} resource \"{plural}\" in API group \"{group}\" {scope}"
            ),
        )
    }

    /// Creating in a namespace that is being deleted.
    pub fn namespace_terminating(plural: &str, name: &str, ns: &str) -> Self {
        Self::new(
            403,
            "Forbidden",
            format!(
                "{plural} \"{name}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated"
            ),
        )
        .with_details("", plural, name)
        .with_causes(vec![json!({
            "reason": "NamespaceTerminating",
            "message": format!("namespace {ns} is being terminated"),
            "field": "metadata.namespace",
        })])
    }

    pub fn gone(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message)
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        )
    }

    pub fn unsupported_media(ct: &str) -> Self {
        Self::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got {ct})"
            ),
        )
    }

    /// A body in a media type the sim does not decode (protobuf): clients fall back to JSON on 415.
    pub fn unsupported_media_body(ct: &str) -> Self {
        Self::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (got {ct})"
            ),
        )
    }

    pub fn page_not_found() -> Self {
        Self::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "InternalError", message)
    }

    /// The `Status` object.
    pub fn to_status(&self) -> Value {
        let mut s = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if self.reason.is_empty() {
            // The apiserver's proxy errors (an unreachable kubelet) carry no reason at all.
            if let Some(m) = s.as_object_mut() {
                m.remove("reason");
            }
        }
        if let Some(d) = &self.details {
            let (group, kind, name) = d.as_ref();
            let mut d = json!({ "kind": kind });
            if !name.is_empty() {
                d["name"] = json!(name);
            }
            if !group.is_empty() {
                d["group"] = json!(group);
            }
            s["details"] = d;
        } else if let Some(secs) = self.retry_after {
            s["details"] = json!({ "retryAfterSeconds": secs });
        }
        if !self.causes.is_empty() {
            if !s["details"].is_object() {
                s["details"] = json!({});
            }
            s["details"]["causes"] = json!(self.causes);
        }
        s
    }
}

fn qualified(group: &str, plural: &str) -> String {
    if group.is_empty() {
        plural.to_string()
    } else {
        format!("{plural}.{group}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_reads_like_the_apiserver() {
        let e = ApiError::not_found("apps", "deployments", "web");
        let s = e.to_status();
        assert_eq!(s["message"], "deployments.apps \"web\" not found");
        assert_eq!(s["code"], 404);
        assert_eq!(s["details"]["group"], "apps");
    }

    #[test]
    fn forbidden_names_user_and_scope() {
        let e = ApiError::forbidden("viewer", "create", "", "pods", None, Some("default"));
        assert!(e.message.contains(
            "cannot create resource \"pods\" in API group \"\" in the namespace \"default\""
        ));
    }
}
