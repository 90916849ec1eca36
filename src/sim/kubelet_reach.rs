//! The `kubeletUnreachable` fault at the API: a pod's kubelet-bound subresources (logs, exec, attach,
//! port-forward) fail before their handler runs, when the pod's node is named by the fault.

use super::Sim;
use super::server::{Query, ResourceRoute};
use super::status::ApiError;

/// Fails a kubelet-bound subresource of a pod whose node's kubelet is unreachable (a scenario fault).
pub fn check(sim: &Sim, r: &ResourceRoute, q: &Query, sub: &str) -> Result<(), ApiError> {
    let pod = super::api::get_obj(sim, r)?;
    let Some(node) = pod["spec"]["nodeName"].as_str() else {
        return Ok(());
    };
    let node_obj = sim.store.get(super::resources::idx::NODES, "", node);
    let ip = node_obj
        .as_ref()
        .and_then(|n| n["status"]["addresses"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .find(|a| a["type"] == "InternalIP")
        .and_then(|a| a["address"].as_str().map(str::to_string))
        .unwrap_or_else(|| node.to_string());
    let container = q
        .get("container")
        .cloned()
        .or_else(|| {
            pod["spec"]["containers"][0]["name"]
                .as_str()
                .map(str::to_string)
        })
        .unwrap_or_default();
    let path = format!(
        "{}/{}/{container}",
        r.ns.as_deref().unwrap_or_default(),
        r.name.as_deref().unwrap_or_default()
    );
    match sim.faults.kubelet_refusal(node, &ip, sub, &path) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
