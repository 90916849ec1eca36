//! Mutating actions on resources: scale, rollout restart, delete, and secret reveal, on an
//! [`ObjectRef`] (the one way the crate names an object of the cluster).
//!
//! Each action is one API call done the way kubectl does it, so the server sees the same request either
//! tool would send. Whether an action is allowed at all is [`crate::safety`]'s decision, taken by the caller
//! before calling here. A refusal by the server (403 for a read-only token, 404, 409, ...) comes back as
//! [`ActionError::Request`] carrying the server's own Status ([`super::ApiStatus`]).

use std::collections::BTreeMap;

use base64::Engine;
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, PropagationPolicy};
use serde_json::{Value, json};

use super::error::RequestError;
use super::kinds::KindSpec;

/// kubectl's pod-template annotation for `rollout restart`.
pub const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";

/// The kinds with a scale subresource kdeck offers to scale.
pub const SCALABLE: &[&str] = &["Deployment", "StatefulSet", "ReplicaSet"];

/// The kinds `kubectl rollout restart` accepts.
pub const RESTARTABLE: &[&str] = &["Deployment", "StatefulSet", "DaemonSet"];

#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// The server refused (its Status, verbatim) or could not be asked.
    #[error("{action} {target}: {source}")]
    Request {
        action: &'static str,
        target: String,
        source: RequestError,
    },
    /// The server's answer could not be read as the object it should be.
    #[error("{action} {target}: {source}")]
    Decode {
        action: &'static str,
        target: String,
        source: serde_json::Error,
    },
    #[error("cannot {action} a {kind}: only {} support it", supported.join(", "))]
    Unsupported {
        action: &'static str,
        kind: String,
        supported: &'static [&'static str],
    },
    #[error("replicas must be 0 or more, got {0}")]
    NegativeReplicas(i32),
}

impl ActionError {
    pub(crate) fn from_kube(action: &'static str, target: String, e: kube::Error) -> Self {
        ActionError::Request {
            action,
            target,
            source: RequestError::from(e),
        }
    }

    /// The HTTP status code when the server answered with a Status.
    pub fn code(&self) -> Option<u16> {
        match self {
            ActionError::Request { source, .. } => source.code(),
            _ => None,
        }
    }
}

/// One object of the cluster: what an action, a fetch, a page or a dialog is about. The kind carries the
/// API coordinates (from discovery or the built-in table), so one value serves the TUI's titles and the
/// dynamic API call alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    pub kind: KindSpec,
    /// `None` for cluster-scoped kinds.
    pub namespace: Option<String>,
    pub name: String,
    /// The context it lives in, when that is not the connected one (a row of a view merged across
    /// clusters): every request about it goes there.
    pub context: Option<String>,
}

impl ObjectRef {
    pub fn new(kind: KindSpec, namespace: Option<&str>, name: &str) -> Self {
        ObjectRef {
            kind,
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
            context: None,
        }
    }

    /// The same object, in `context`.
    pub fn in_context(self, context: Option<String>) -> Self {
        ObjectRef { context, ..self }
    }

    /// `pod/shop/web-1`, `node/n1`, `pod/shop/web-1 @prod-eu` (in another context): how titles and
    /// messages name it.
    pub fn display(&self) -> String {
        let kind = self.kind.kind.to_lowercase();
        let mut s = match &self.namespace {
            Some(ns) => format!("{kind}/{ns}/{}", self.name),
            None => format!("{kind}/{}", self.name),
        };
        if let Some(c) = &self.context {
            s.push_str(" @");
            s.push_str(c);
        }
        s
    }

    /// A dynamic API for the object's kind, in its namespace when it has one.
    pub fn api(&self, client: &kube::Client) -> Api<DynamicObject> {
        let resource = self.kind.api_resource();
        match &self.namespace {
            Some(ns) => Api::namespaced_with(client.clone(), ns, &resource),
            None => Api::all_with(client.clone(), &resource),
        }
    }

    /// `deployments shop/web`: how an error names the object (kubectl's resource form).
    fn label(&self) -> String {
        let kind = self.kind.plural.as_str();
        match &self.namespace {
            Some(ns) => format!("{kind} {ns}/{}", self.name),
            None => format!("{kind} {}", self.name),
        }
    }
}

/// Sets `spec.replicas` through the scale subresource (as `kubectl scale` does) and returns the replica
/// count the server recorded.
pub async fn scale(
    client: &kube::Client,
    target: &ObjectRef,
    replicas: i32,
) -> Result<i32, ActionError> {
    if !SCALABLE.contains(&target.kind.kind.as_str()) {
        return Err(ActionError::Unsupported {
            action: "scale",
            kind: target.kind.kind.clone(),
            supported: SCALABLE,
        });
    }
    if replicas < 0 {
        return Err(ActionError::NegativeReplicas(replicas));
    }
    let patch = json!({ "spec": { "replicas": replicas } });
    let scale = target
        .api(client)
        .patch_scale(&target.name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .map_err(|e| ActionError::from_kube("scale", target.label(), e))?;
    Ok(scale.spec.and_then(|s| s.replicas).unwrap_or(replicas))
}

/// The strategic-merge patch `kubectl rollout restart` sends: the pod template gets a fresh
/// `restartedAt` annotation, so the controller rolls every pod.
pub fn restart_patch(now: jiff::Timestamp) -> Value {
    json!({
        "spec": { "template": { "metadata": { "annotations": {
            RESTARTED_AT: rfc3339_seconds(now)
        }}}}
    })
}

/// RFC3339 with second precision in UTC, the shape Go's `time.RFC3339` produces.
pub fn rfc3339_seconds(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `kubectl rollout restart`.
pub async fn restart(
    client: &kube::Client,
    target: &ObjectRef,
    now: jiff::Timestamp,
) -> Result<(), ActionError> {
    if !RESTARTABLE.contains(&target.kind.kind.as_str()) {
        return Err(ActionError::Unsupported {
            action: "restart",
            kind: target.kind.kind.clone(),
            supported: RESTARTABLE,
        });
    }
    target
        .api(client)
        .patch(
            &target.name,
            &PatchParams::default(),
            &Patch::Strategic(restart_patch(now)),
        )
        .await
        .map_err(|e| ActionError::from_kube("restart", target.label(), e))?;
    Ok(())
}

/// The strategic-merge patch `kubectl set image` sends: each named container's image, in the pod's
/// spec or in a workload's pod template.
pub fn image_patch(kind: &str, images: &[(String, String)]) -> Value {
    let containers: Vec<Value> = images
        .iter()
        .map(|(name, image)| json!({"name": name, "image": image}))
        .collect();
    if kind == "Pod" {
        json!({"spec": {"containers": containers}})
    } else {
        json!({"spec": {"template": {"spec": {"containers": containers}}}})
    }
}

/// Sets container images, as `kubectl set image` does.
pub async fn set_image(
    client: &kube::Client,
    target: &ObjectRef,
    images: &[(String, String)],
) -> Result<(), ActionError> {
    target
        .api(client)
        .patch(
            &target.name,
            &PatchParams::default(),
            &Patch::Strategic(image_patch(&target.kind.kind, images)),
        )
        .await
        .map_err(|e| ActionError::from_kube("set image", target.label(), e))?;
    Ok(())
}

/// How to delete.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeleteOptions {
    /// Seconds of grace; `None` uses the object's default.
    pub grace_period: Option<u32>,
    /// Immediate removal: grace 0, as `kubectl delete --force --grace-period=0`.
    pub force: bool,
}

/// The DeleteParams kubectl sends: background propagation (kubectl's default `--cascade=background`),
/// and for `force` a zero grace period.
pub fn delete_params(opts: DeleteOptions) -> DeleteParams {
    DeleteParams {
        grace_period_seconds: if opts.force {
            Some(0)
        } else {
            opts.grace_period
        },
        propagation_policy: Some(PropagationPolicy::Background),
        ..Default::default()
    }
}

/// What the server said about a delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteOutcome {
    /// The object is gone.
    Deleted,
    /// The object still exists with a deletionTimestamp (grace period or finalizers running).
    Terminating,
}

pub async fn delete(
    client: &kube::Client,
    target: &ObjectRef,
    opts: DeleteOptions,
) -> Result<DeleteOutcome, ActionError> {
    let result = target
        .api(client)
        .delete(&target.name, &delete_params(opts))
        .await
        .map_err(|e| ActionError::from_kube("delete", target.label(), e))?;
    Ok(match result.left() {
        Some(obj) if still_terminating(&obj) => DeleteOutcome::Terminating,
        _ => DeleteOutcome::Deleted,
    })
}

/// Whether the object a DELETE answered with is still there. The server answers with the object, not
/// a Status, for pods, services, namespaces and objects held by finalizers, always stamped with a
/// deletionTimestamp; a pod deleted with no grace period comes back stamped but is already gone.
fn still_terminating(obj: &DynamicObject) -> bool {
    let m = &obj.metadata;
    m.deletion_timestamp.is_some()
        && (m.deletion_grace_period_seconds.unwrap_or(0) > 0
            || m.finalizers.as_ref().is_some_and(|f| !f.is_empty())
            || obj.data["status"]["phase"] == "Terminating")
}

/// One decoded secret value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretValue {
    Text(String),
    /// Not valid UTF-8: only its size is shown.
    Binary(usize),
    /// The stored value was not valid base64 (the API guarantees it is; shown rather than hidden).
    Invalid(String),
}

/// Decodes `data` (base64) and merges `stringData` of a Secret object, keys in order.
pub fn decode_secret(secret: &Value) -> BTreeMap<String, SecretValue> {
    let mut out = BTreeMap::new();
    if let Some(data) = secret.get("data").and_then(Value::as_object) {
        for (k, v) in data {
            let raw = v.as_str().unwrap_or_default();
            let decoded = match base64::engine::general_purpose::STANDARD.decode(raw) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(s) => SecretValue::Text(s),
                    Err(e) => SecretValue::Binary(e.into_bytes().len()),
                },
                Err(e) => SecretValue::Invalid(e.to_string()),
            };
            out.insert(k.clone(), decoded);
        }
    }
    if let Some(data) = secret.get("stringData").and_then(Value::as_object) {
        for (k, v) in data {
            out.insert(
                k.clone(),
                SecretValue::Text(v.as_str().unwrap_or_default().to_string()),
            );
        }
    }
    out
}

/// Fetches a Secret and decodes its values. The caller must have passed
/// [`crate::safety::Action::SecretReveal`] first.
pub async fn reveal_secret(
    client: &kube::Client,
    namespace: &str,
    name: &str,
) -> Result<BTreeMap<String, SecretValue>, ActionError> {
    let api: Api<k8s_openapi::api::core::v1::Secret> = Api::namespaced(client.clone(), namespace);
    let secret = api
        .get(name)
        .await
        .map_err(|e| ActionError::from_kube("get", format!("secrets {namespace}/{name}"), e))?;
    let value = serde_json::to_value(&secret).map_err(|source| ActionError::Decode {
        action: "decode",
        target: format!("secrets {namespace}/{name}"),
        source,
    })?;
    Ok(decode_secret(&value))
}

#[cfg(test)]
mod tests {

    #[test]
    fn set_image_patches_the_pod_or_the_template() {
        let images = vec![("web".to_string(), "nginx:1.27".to_string())];
        assert_eq!(
            image_patch("Pod", &images),
            json!({"spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}})
        );
        assert_eq!(
            image_patch("Deployment", &images)["spec"]["template"]["spec"]["containers"][0]["image"],
            "nginx:1.27"
        );
    }

    use super::*;

    #[test]
    fn restart_patch_matches_kubectl_shape() {
        let t: jiff::Timestamp = "2024-03-05T10:11:12.987Z".parse().unwrap();
        assert_eq!(
            restart_patch(t),
            json!({"spec":{"template":{"metadata":{"annotations":{
                "kubectl.kubernetes.io/restartedAt":"2024-03-05T10:11:12Z"}}}}})
        );
    }

    #[test]
    fn a_deleted_object_is_terminating_only_while_grace_finalizers_or_a_namespace_hold_it() {
        // The shapes kube-apiserver 1.28 answers a DELETE with (../shared/apiserver-1.28, cases 466,
        // 470, 473, 494).
        let obj = |meta: Value, status: Value| -> DynamicObject {
            serde_json::from_value(
                json!({"apiVersion": "v1", "kind": "X", "metadata": meta, "status": status}),
            )
            .unwrap()
        };
        let at = "2026-12-03T08:03:01Z";
        let graceful = obj(
            json!({"name": "p", "deletionTimestamp": at, "deletionGracePeriodSeconds": 30}),
            json!({}),
        );
        let forced = obj(
            json!({"name": "p", "deletionTimestamp": at, "deletionGracePeriodSeconds": 0}),
            json!({}),
        );
        let foreground = obj(
            json!({"name": "d", "deletionTimestamp": at, "deletionGracePeriodSeconds": 0,
            "finalizers": ["foregroundDeletion"]}),
            json!({}),
        );
        let namespace = obj(
            json!({"name": "n", "deletionTimestamp": at}),
            json!({"phase": "Terminating"}),
        );
        assert!(still_terminating(&graceful));
        assert!(!still_terminating(&forced));
        assert!(still_terminating(&foreground));
        assert!(still_terminating(&namespace));
    }

    #[test]
    fn delete_params_force_and_grace() {
        let p = delete_params(DeleteOptions {
            grace_period: Some(30),
            force: true,
        });
        assert_eq!(p.grace_period_seconds, Some(0));
        assert!(matches!(
            p.propagation_policy,
            Some(PropagationPolicy::Background)
        ));
        let p = delete_params(DeleteOptions {
            grace_period: Some(5),
            force: false,
        });
        assert_eq!(p.grace_period_seconds, Some(5));
        assert_eq!(
            delete_params(DeleteOptions::default()).grace_period_seconds,
            None
        );
    }

    #[test]
    fn secret_values_decode() {
        let s = json!({
            "data": {"user": "YWRtaW4=", "bin": "/w==", "bad": "!!"},
            "stringData": {"extra": "plain"}
        });
        let d = decode_secret(&s);
        assert_eq!(d["user"], SecretValue::Text("admin".into()));
        assert_eq!(d["bin"], SecretValue::Binary(1));
        assert!(matches!(d["bad"], SecretValue::Invalid(_)));
        assert_eq!(d["extra"], SecretValue::Text("plain".into()));
        assert_eq!(
            d.keys().collect::<Vec<_>>(),
            ["bad", "bin", "extra", "user"]
        );
    }

    #[test]
    fn api_error_keeps_server_message() {
        let status = kube::core::Status::failure(
            "deployments.apps \"web\" is forbidden: User \"viewer\" cannot patch",
            "Forbidden",
        )
        .with_code(403);
        let e = ActionError::from_kube(
            "scale",
            "deployments default/web".into(),
            kube::Error::Api(Box::new(status)),
        );
        assert_eq!(e.code(), Some(403));
        assert_eq!(
            e.to_string(),
            "scale deployments default/web: deployments.apps \"web\" is forbidden: User \"viewer\" cannot patch (403 Forbidden)"
        );
    }
}
