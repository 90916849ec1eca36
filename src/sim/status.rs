//! API errors as the apiserver reports them: a `metav1.Status` body with code, reason and details, and
//! the `Success` Status a delete answers with.
//!
//! Owns: the error type every handler returns and its JSON form. kubectl and client-go print
//! `Error from server (Reason): message` from these bodies, so messages follow the apiserver's wording,
//! and `details` has the keys kube-apiserver sends (../shared/apiserver-1.28 README, quirk 13): the
//! plural resource for 403/404/409, the Kind with one cause per field for 422, `{}` for errors about the
//! request rather than an object, and none at all for decoding errors, 401 and 5xx.

use serde_json::{Map, Value, json};

use super::resources::ResourceType;

/// One `details.causes` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    pub reason: String,
    pub message: String,
    pub field: String,
}

/// `Status.details`; empty strings and lists are left out of the JSON, so a default `Details` is `{}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Details {
    pub name: String,
    pub group: String,
    /// The plural resource (403, 404, 409) or the Kind (422, some 409s).
    pub kind: String,
    pub uid: String,
    pub causes: Vec<Cause>,
}

/// An error that becomes a `Status` response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} {reason}: {message}")]
pub struct ApiError {
    pub code: u16,
    /// Empty for the errors kube-apiserver sends without a reason (5xx from proxies and storage).
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Box<Details>>,
    /// Seconds for `Retry-After` (429 and some 5xx), also `details.retryAfterSeconds`.
    pub retry_after: Option<u32>,
    /// `metadata.continue` of the Status: where a list whose continue token expired may go on.
    pub continue_token: Option<String>,
}

impl ApiError {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            reason,
            message: message.into(),
            details: None,
            retry_after: None,
            continue_token: None,
        }
    }

    /// A 422 on the options of a request (not on an object): `PatchOptions.meta.k8s.io "" is invalid`.
    pub fn invalid_options(kind: &str, field: &str, reason: &str, problem: &str) -> Self {
        Self::new(
            422,
            "Invalid",
            format!("{kind}.meta.k8s.io \"\" is invalid: {field}: {problem}"),
        )
        .with_details("meta.k8s.io", kind, "")
        .with_cause(reason, problem, field)
    }

    fn with_details(mut self, group: &str, kind: &str, name: &str) -> Self {
        self.details = Some(Box::new(Details {
            name: name.to_string(),
            group: group.to_string(),
            kind: kind.to_string(),
            ..Details::default()
        }));
        self
    }

    /// `details: {}`: an error about the request itself (405, 406, 415, an unknown resource, a failed
    /// JSON patch test).
    pub fn with_empty_details(mut self) -> Self {
        self.details = Some(Box::default());
        self
    }

    /// Sets `details.group` and `details.kind` (creating the details).
    pub fn with_group_kind(mut self, group: &str, kind: &str) -> Self {
        let d = self.details.get_or_insert_with(Box::default);
        d.group = group.to_string();
        d.kind = kind.to_string();
        self
    }

    /// Sets `details.name` (creating the details).
    pub fn with_name(mut self, name: &str) -> Self {
        self.details.get_or_insert_with(Box::default).name = name.to_string();
        self
    }

    /// Adds a cause to `details` (creating them).
    pub fn with_cause(mut self, reason: &str, message: &str, field: &str) -> Self {
        self.details
            .get_or_insert_with(Box::default)
            .causes
            .push(Cause {
                reason: reason.to_string(),
                message: message.to_string(),
                field: field.to_string(),
            });
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

    /// `Kind.group "name" is invalid: field: problem, …`, with one cause per problem. `kind` is the
    /// qualified kind (`Deployment.apps`, `ConfigMap`); each problem reads `field: Reason text: …`.
    pub fn invalid(kind: &str, name: &str, problems: &[String]) -> Self {
        let (k, group) = kind.split_once('.').unwrap_or((kind, ""));
        // One problem reads `… is invalid: field: …`; several are listed in brackets.
        let list = match problems {
            [one] => one.clone(),
            _ => format!("[{}]", problems.join(", ")),
        };
        let mut e = Self::new(
            422,
            "Invalid",
            format!("{kind} \"{name}\" is invalid: {list}"),
        )
        .with_details(group, k, name);
        for p in problems {
            let (field, rest) = p.split_once(": ").unwrap_or(("", p.as_str()));
            e = e.with_cause(cause_reason(rest), rest, field);
        }
        e
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
        .with_details(group, plural, name.unwrap_or(""))
    }

    /// 403 for a path that is not a resource (`/api` without credentials).
    pub fn forbidden_path(user: &str, verb: &str, path: &str) -> Self {
        Self::new(
            403,
            "Forbidden",
            format!("forbidden: User \"{user}\" cannot {verb} path \"{path}\""),
        )
        .with_empty_details()
    }

    /// Creating in a namespace that is being deleted.
    pub fn namespace_terminating(group: &str, plural: &str, name: &str, ns: &str) -> Self {
        Self::new(
            403,
            "Forbidden",
            format!(
                "{} \"{name}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated",
                qualified(group, plural)
            ),
        )
        .with_details(group, plural, name)
        .with_cause(
            "NamespaceTerminating",
            &format!("namespace {ns} is being terminated"),
            "metadata.namespace",
        )
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
        .with_empty_details()
    }

    pub fn not_acceptable() -> Self {
        Self::new(
            406,
            "NotAcceptable",
            "406: Not Acceptable\n\nAvailable representations: application/json, application/yaml, application/vnd.kubernetes.protobuf",
        )
        .with_empty_details()
    }

    /// A PATCH whose content type is no patch type (`application/json`, `text/plain`).
    pub fn unsupported_media(_ct: &str) -> Self {
        Self::new(415, "UnsupportedMediaType", "415: Unsupported Media Type").with_empty_details()
    }

    /// A strategic merge patch of a custom resource, which has no patch strategies to merge by.
    pub fn unsupported_patch_of_custom_resource() -> Self {
        Self::new(
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: \
             application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
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

    /// An unknown resource in a known group version, or an unknown subresource.
    pub fn page_not_found() -> Self {
        Self::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
        .with_empty_details()
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "InternalError", message)
    }

    /// A 500 as the apiserver sends it for an error that is not an API status (a storage or proxy
    /// failure, an unparsable resourceVersion): no reason.
    pub fn server_error(message: impl Into<String>) -> Self {
        Self::new(500, "", message)
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
        if let Some(c) = &self.continue_token {
            s["metadata"]["continue"] = json!(c);
        }
        if self.reason.is_empty()
            && let Some(m) = s.as_object_mut()
        {
            m.remove("reason");
        }
        if self.details.is_some() || self.retry_after.is_some() {
            let d = self.details.as_deref().cloned().unwrap_or_default();
            let mut out = details_json(&d);
            // A 429 for too many requests has only the retry time; a 504 also has its causes.
            if let Some(secs) = self.retry_after {
                out.insert("retryAfterSeconds".into(), json!(secs));
            }
            s["details"] = Value::Object(out);
        }
        s
    }
}

fn details_json(d: &Details) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in [
        ("name", &d.name),
        ("group", &d.group),
        ("kind", &d.kind),
        ("uid", &d.uid),
    ] {
        if !v.is_empty() {
            out.insert(k.into(), json!(v));
        }
    }
    if !d.causes.is_empty() {
        let causes: Vec<Value> = d
            .causes
            .iter()
            .map(|c| {
                let mut o = json!({"reason": c.reason, "message": c.message});
                if !c.field.is_empty() {
                    o["field"] = json!(c.field);
                }
                o
            })
            .collect();
        out.insert("causes".into(), Value::Array(causes));
    }
    out
}

/// The `metav1.CauseType` of a field error from the start of its text (`Required value`, …).
fn cause_reason(text: &str) -> &'static str {
    if text.contains("in body must be of type") {
        return "FieldValueTypeInvalid";
    }
    const KINDS: &[(&str, &str)] = &[
        ("Required value", "FieldValueRequired"),
        ("Invalid value", "FieldValueInvalid"),
        ("Unsupported value", "FieldValueNotSupported"),
        ("Forbidden", "FieldValueForbidden"),
        ("Duplicate value", "FieldValueDuplicate"),
        ("Too long", "FieldValueTooLong"),
        ("Too many", "FieldValueTooMany"),
        ("Not found", "FieldValueNotFound"),
    ];
    KINDS
        .iter()
        .find(|(prefix, _)| text.starts_with(prefix))
        .map_or("FieldValueInvalid", |(_, r)| r)
}

/// What a DELETE answers when the object is gone at once: the object itself for the kinds whose
/// registry returns it (pods, services, namespaces, …), otherwise a `Success` Status naming it (no
/// `code`; `group` only outside the core group). A pod comes back stamped as deleted with no grace
/// period, as the graceful-delete path leaves it, and a namespace as Terminating.
pub fn deleted(rt: &ResourceType, obj: &Value) -> Value {
    if rt.returns_deleted {
        let mut o = obj.clone();
        if matches!(rt.kind.as_str(), "Pod" | "Namespace")
            && o["metadata"]["deletionTimestamp"].is_null()
        {
            o["metadata"]["deletionTimestamp"] = json!(super::meta::now_rfc3339());
        }
        if rt.kind == "Pod" && o["metadata"]["deletionGracePeriodSeconds"].is_null() {
            o["metadata"]["deletionGracePeriodSeconds"] = json!(0);
        }
        if rt.kind == "Namespace" {
            o["status"]["phase"] = json!("Terminating");
        }
        return o;
    }
    let d = Details {
        name: obj["metadata"]["name"].as_str().unwrap_or("").to_string(),
        group: rt.group.clone(),
        kind: rt.plural.clone(),
        uid: obj["metadata"]["uid"].as_str().unwrap_or("").to_string(),
        causes: Vec::new(),
    };
    json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": details_json(&d),
    })
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
        let core = ApiError::not_found("", "pods", "p").to_status();
        assert!(core["details"].get("group").is_none(), "{core}");
    }

    #[test]
    fn forbidden_names_user_and_scope() {
        let e = ApiError::forbidden("viewer", "create", "", "pods", None, Some("default"));
        assert!(e.message.contains(
            "cannot create resource \"pods\" in API group \"\" in the namespace \"default\""
        ));
        assert_eq!(e.to_status()["details"], json!({"kind": "pods"}));
    }

    #[test]
    fn invalid_lists_one_cause_per_field() {
        let e = ApiError::invalid(
            "Deployment.apps",
            "bad",
            &[
                "spec.replicas: Invalid value: -1: must be greater than or equal to 0".into(),
                "spec.selector: Required value".into(),
            ],
        );
        let d = &e.to_status()["details"];
        assert_eq!(d["kind"], "Deployment");
        assert_eq!(d["group"], "apps");
        assert_eq!(d["causes"][0]["reason"], "FieldValueInvalid");
        assert_eq!(d["causes"][0]["field"], "spec.replicas");
        assert_eq!(d["causes"][1]["reason"], "FieldValueRequired");
    }

    #[test]
    fn a_delete_answers_with_a_status_or_the_stamped_pod() {
        use crate::sim::resources::{Kinds, idx};
        let kinds = Kinds::default();
        let obj = json!({"metadata": {"name": "x", "uid": "u"}});
        let s = deleted(kinds.get(idx::CONFIGMAPS), &obj);
        assert_eq!(s["status"], "Success");
        assert!(s.get("code").is_none(), "{s}");
        assert_eq!(
            s["details"],
            json!({"name": "x", "kind": "configmaps", "uid": "u"})
        );
        let d = deleted(kinds.get(idx::DEPLOYMENTS), &obj);
        assert_eq!(d["details"]["group"], "apps");
        let p = deleted(kinds.get(idx::PODS), &obj);
        assert_eq!(p["metadata"]["deletionGracePeriodSeconds"], 0);
        assert!(p["metadata"]["deletionTimestamp"].is_string());
        let ns = deleted(kinds.get(idx::NAMESPACES), &obj);
        assert_eq!(ns["status"]["phase"], "Terminating");
        assert!(ns["metadata"].get("deletionGracePeriodSeconds").is_none());
        let svc = deleted(kinds.get(idx::SERVICES), &obj);
        assert_eq!(svc, obj);
    }

    #[test]
    fn request_errors_have_empty_details_and_5xx_no_reason() {
        assert_eq!(
            ApiError::method_not_allowed().to_status()["details"],
            json!({})
        );
        let s = ApiError::server_error("boom").to_status();
        assert!(
            s.get("reason").is_none() && s.get("details").is_none(),
            "{s}"
        );
        assert!(
            ApiError::bad_request("x")
                .to_status()
                .get("details")
                .is_none()
        );
    }
}
