//! Type checks of a write body: built-in kinds decode as their typed object (k8s-openapi), custom
//! resources match the `type`s of their CRD's schema.
//!
//! Owns: decoding-level validation. Unknown and duplicate fields are `field_validation`'s; defaults and
//! field rules live in `validate`.

use serde_json::Value;

use super::resources::ResourceType;
use super::status::ApiError;
use super::validate::qualified_kind;

/// A built-in object decoded as its typed form and encoded again: what the apiserver keeps of it.
/// None for kinds without a compiled-in type; a body that does not decode is a 400.
pub fn typed_round_trip(rt: &ResourceType, obj: &Value) -> Result<Option<Value>, ApiError> {
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
