//! The only network I/O of `describe/`: the events and related objects a describer shows, fetched as
//! kubectl's describers fetch them (which objects a describer needs is the describer's knowledge, so it
//! lives here rather than with each caller). Used by `kdeck describe` ([`super::cli`]) and the TUI's
//! describe page (through its effect runner). A failed fetch leaves its section empty, as in kubectl.

use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::{Event, LimitRange, Pod, ResourceQuota};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::{Api, ListParams};
use serde_json::Value;

use super::Related;
use crate::cluster::ApiStatus;

fn to_values<T: serde::Serialize>(items: Vec<T>) -> Vec<Value> {
    items
        .iter()
        .filter_map(|i| serde_json::to_value(i).ok())
        .collect()
}

/// kubectl's `searchEvents`: events whose involvedObject is this object (name, namespace, kind, uid).
/// Errors leave the table empty, as kubectl ignores them too.
pub async fn fetch_events(
    client: &kube::Client,
    kind: &str,
    obj: &Value,
    ns: Option<&str>,
) -> Vec<Value> {
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut fields = vec![
        format!("involvedObject.name={name}"),
        format!("involvedObject.kind={kind}"),
    ];
    if let Some(ns) = ns {
        fields.push(format!("involvedObject.namespace={ns}"));
    }
    if let Some(uid) = obj.pointer("/metadata/uid").and_then(Value::as_str) {
        fields.push(format!("involvedObject.uid={uid}"));
    }
    let api: Api<Event> = match ns {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    api.list(&ListParams::default().fields(&fields.join(",")))
        .await
        .map(|l| to_values(l.items))
        .unwrap_or_default()
}

pub async fn fetch_related(
    client: &kube::Client,
    kind: &str,
    obj: &Value,
    ns: Option<&str>,
) -> Related {
    let mut related = Related::default();
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let ns_str = ns.unwrap_or("default");
    match kind {
        "Deployment" => {
            let api: Api<ReplicaSet> = Api::namespaced(client.clone(), ns_str);
            let selector = crate::cluster::selector::selector_query(kind, obj).unwrap_or_default();
            if let Ok(list) = api.list(&ListParams::default().labels(&selector)).await {
                related.replicasets = to_values(list.items);
            }
        }
        "ReplicaSet" | "StatefulSet" | "DaemonSet" => {
            let api: Api<Pod> = Api::namespaced(client.clone(), ns_str);
            let selector = crate::cluster::selector::selector_query(kind, obj).unwrap_or_default();
            if let Ok(list) = api.list(&ListParams::default().labels(&selector)).await {
                related.pods = to_values(list.items);
            }
        }
        "Service" => {
            let api: Api<EndpointSlice> = Api::namespaced(client.clone(), ns_str);
            let lp = ListParams::default().labels(&format!("kubernetes.io/service-name={name}"));
            if let Ok(list) = api.list(&lp).await {
                related.endpoint_slices = to_values(list.items);
            }
        }
        "Node" => {
            let api: Api<Pod> = Api::all(client.clone());
            let fields =
                format!("spec.nodeName={name},status.phase!=Succeeded,status.phase!=Failed");
            match api.list(&ListParams::default().fields(&fields)).await {
                Ok(list) => related.pods = to_values(list.items),
                Err(_) => related.pods_forbidden = true,
            }
            let leases: Api<k8s_openapi::api::coordination::v1::Lease> =
                Api::namespaced(client.clone(), "kube-node-lease");
            // kubectl prints the server's message alone ("Failed to get lease: <message>").
            related.lease = Some(match leases.get(name).await {
                Ok(lease) => serde_json::to_value(lease).map_err(|e| e.to_string()),
                Err(kube::Error::Api(status)) => Err(ApiStatus::from(status.as_ref()).message),
                Err(other) => Err(crate::error::chain(&other)),
            });
        }
        "Namespace" => {
            let quotas: Api<ResourceQuota> = Api::namespaced(client.clone(), name);
            related.resource_quotas = quotas
                .list(&ListParams::default())
                .await
                .ok()
                .map(|l| to_values(l.items));
            let limits: Api<LimitRange> = Api::namespaced(client.clone(), name);
            related.limit_ranges = limits
                .list(&ListParams::default())
                .await
                .ok()
                .map(|l| to_values(l.items));
        }
        _ => {}
    }
    related
}
