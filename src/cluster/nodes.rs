//! Node maintenance as `kubectl cordon|uncordon|drain` does it: cordoning sets `spec.unschedulable`;
//! draining cordons, checks every pod on the node against the options (DaemonSet pods, pods no
//! controller would replace, pods with emptyDir data), and then evicts the rest through the eviction
//! API, so PodDisruptionBudgets are honoured: a 429 is retried every few seconds until the timeout.
//! Each pod's progress is reported as it happens.

use std::time::Duration;

use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{Api, EvictParams, ListParams, Patch, PatchParams, PostParams};
use serde_json::json;
use tokio::sync::mpsc::UnboundedSender;

use super::actions::ActionError;

/// How long a blocked eviction waits before it asks again (kubectl waits 5 s).
const RETRY: Duration = Duration::from_secs(5);

/// `kubectl drain`'s options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrainOptions {
    /// Seconds each pod gets to stop; None: the pod's own.
    pub grace_period: Option<u32>,
    /// How long the whole drain may take.
    pub timeout: Duration,
    pub ignore_daemonsets: bool,
    pub delete_emptydir_data: bool,
    /// Also evict pods no controller would replace.
    pub force: bool,
}

impl Default for DrainOptions {
    fn default() -> Self {
        DrainOptions {
            grace_period: None,
            timeout: Duration::from_secs(300),
            ignore_daemonsets: true,
            delete_emptydir_data: false,
            force: false,
        }
    }
}

/// Where one pod of a drain is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodStep {
    /// Left on the node (a DaemonSet or mirror pod).
    Skipped(String),
    Evicting,
    /// The eviction was refused for now (a disruption budget); it is asked again.
    Blocked(String),
    /// Evicted; waiting for it to go.
    Evicted,
    Gone,
    Failed(String),
}

/// One progress report: `namespace/name` and its step.
pub type DrainProgress = (String, PodStep);

/// Cordons (`true`) or uncordons a node.
pub async fn cordon(client: &kube::Client, node: &str, on: bool) -> Result<(), ActionError> {
    let patch = json!({"spec": {"unschedulable": if on { json!(true) } else { json!(null) }}});
    let action = if on { "cordon" } else { "uncordon" };
    Api::<Node>::all(client.clone())
        .patch(node, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .map_err(|e| ActionError::from_kube(action, format!("node/{node}"), e))?;
    Ok(())
}

fn pod_name(p: &Pod) -> String {
    format!(
        "{}/{}",
        p.metadata.namespace.as_deref().unwrap_or(""),
        p.metadata.name.as_deref().unwrap_or("")
    )
}

/// Why `kubectl drain` would refuse to evict `pod` with `opts`, or skip it (`Ok(false)`).
fn check(pod: &Pod, opts: &DrainOptions) -> Result<bool, String> {
    let meta = &pod.metadata;
    if meta
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key("kubernetes.io/config.mirror"))
    {
        return Ok(false);
    }
    let finished = pod
        .status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .is_some_and(|p| matches!(p, "Succeeded" | "Failed"));
    let controller = meta
        .owner_references
        .as_ref()
        .and_then(|o| o.iter().find(|r| r.controller == Some(true)));
    if controller.is_some_and(|c| c.kind == "DaemonSet") {
        return if opts.ignore_daemonsets {
            Ok(false)
        } else {
            Err("DaemonSet-managed (use ignore DaemonSets)".into())
        };
    }
    if controller.is_none() && !finished && !opts.force {
        return Err("not managed by a controller (use force)".into());
    }
    let empty_dir = pod
        .spec
        .as_ref()
        .and_then(|s| s.volumes.as_ref())
        .is_some_and(|v| v.iter().any(|v| v.empty_dir.is_some()));
    if empty_dir && !finished && !opts.delete_emptydir_data {
        return Err("has local emptyDir storage (use delete emptyDir data)".into());
    }
    Ok(true)
}

/// Drains `node`: cordons it, then evicts its pods as `opts` allow, reporting each pod's steps on
/// `progress`. Answers a summary, or why the drain stopped (pods it may not evict, a timeout, a
/// refusal).
pub async fn drain(
    client: &kube::Client,
    node: &str,
    opts: DrainOptions,
    progress: UnboundedSender<DrainProgress>,
) -> Result<String, String> {
    cordon(client, node, true)
        .await
        .map_err(|e| e.to_string())?;
    let pods = Api::<Pod>::all(client.clone())
        .list(&ListParams::default().fields(&format!("spec.nodeName={node}")))
        .await
        .map_err(|e| ActionError::from_kube("drain", format!("node/{node}"), e).to_string())?;
    let mut evict = Vec::new();
    let mut refused = Vec::new();
    for pod in pods.items {
        match check(&pod, &opts) {
            Ok(true) => evict.push(pod),
            Ok(false) => {
                let _ = progress.send((pod_name(&pod), PodStep::Skipped("DaemonSet".into())));
            }
            Err(why) => refused.push(format!("{}: {why}", pod_name(&pod))),
        }
    }
    if !refused.is_empty() {
        return Err(format!(
            "node/{node} cordoned; cannot evict: {}",
            refused.join("; ")
        ));
    }
    let deadline = tokio::time::Instant::now() + opts.timeout;
    let total = evict.len();
    let tasks: Vec<_> = evict
        .into_iter()
        .map(|pod| {
            let client = client.clone();
            let progress = progress.clone();
            tokio::spawn(async move { evict_one(client, pod, opts, deadline, progress).await })
        })
        .collect();
    let mut failed = Vec::new();
    for t in tasks {
        match t.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failed.push(e),
            Err(e) => failed.push(e.to_string()),
        }
    }
    if failed.is_empty() {
        Ok(format!("node/{node} drained ({total} pods evicted)"))
    } else {
        Err(format!(
            "node/{node} cordoned; {} of {total} pods not evicted: {}",
            failed.len(),
            failed.join("; ")
        ))
    }
}

/// Evicts one pod, asking again while a disruption budget refuses, then waits for it to go.
async fn evict_one(
    client: kube::Client,
    pod: Pod,
    opts: DrainOptions,
    deadline: tokio::time::Instant,
    progress: UnboundedSender<DrainProgress>,
) -> Result<(), String> {
    let name = pod_name(&pod);
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let pod_only = pod.metadata.name.clone().unwrap_or_default();
    let uid = pod.metadata.uid.clone();
    let api = Api::<Pod>::namespaced(client, &ns);
    let params = EvictParams {
        delete_options: opts.grace_period.map(|g| kube::api::DeleteParams {
            grace_period_seconds: Some(g),
            ..Default::default()
        }),
        post_options: PostParams::default(),
    };
    let report = |step: PodStep| {
        let _ = progress.send((name.clone(), step));
    };
    report(PodStep::Evicting);
    loop {
        match api.evict(&pod_only, &params).await {
            Ok(_) => break,
            Err(kube::Error::Api(s)) if s.code == 404 => {
                report(PodStep::Gone);
                return Ok(());
            }
            Err(kube::Error::Api(s)) if s.code == 429 => {
                report(PodStep::Blocked(s.message.clone()));
                if tokio::time::Instant::now() + RETRY > deadline {
                    let why = format!("{name}: {} (timed out)", s.message);
                    report(PodStep::Failed(why.clone()));
                    return Err(why);
                }
                tokio::time::sleep(RETRY).await;
            }
            Err(e) => {
                let why = format!("{name}: {}", super::error::RequestError::from(e));
                report(PodStep::Failed(why.clone()));
                return Err(why);
            }
        }
    }
    report(PodStep::Evicted);
    // Gone when a get answers 404, or a pod of the same name with another uid (a StatefulSet's).
    loop {
        match api.get_opt(&pod_only).await {
            Ok(None) => break,
            Ok(Some(p)) if p.metadata.uid != uid => break,
            Ok(Some(_)) | Err(_) if tokio::time::Instant::now() >= deadline => {
                let why = format!("{name}: evicted but still there when the drain timed out");
                report(PodStep::Failed(why.clone()));
                return Err(why);
            }
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
    report(PodStep::Gone);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(v: serde_json::Value) -> Pod {
        serde_json::from_value(v).unwrap_or_default()
    }

    #[test]
    fn drain_checks_follow_kubectl() {
        let opts = DrainOptions::default();
        let ds = pod(json!({"metadata": {"name": "a", "ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "d", "uid": "u", "controller": true}]}}));
        assert_eq!(check(&ds, &opts), Ok(false));
        assert!(
            check(
                &ds,
                &DrainOptions {
                    ignore_daemonsets: false,
                    ..opts
                }
            )
            .is_err()
        );
        let bare = pod(json!({"metadata": {"name": "b"}, "status": {"phase": "Running"}}));
        assert!(check(&bare, &opts).unwrap_err().contains("force"));
        assert_eq!(
            check(
                &bare,
                &DrainOptions {
                    force: true,
                    ..opts
                }
            ),
            Ok(true)
        );
        let scratch = pod(json!({"metadata": {"name": "c", "ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "r", "uid": "u", "controller": true}]},
            "spec": {"containers": [], "volumes": [{"name": "tmp", "emptyDir": {}}]}}));
        assert!(check(&scratch, &opts).unwrap_err().contains("emptyDir"));
        let mirror = pod(
            json!({"metadata": {"name": "m", "annotations": {"kubernetes.io/config.mirror": "x"}}}),
        );
        assert_eq!(check(&mirror, &opts), Ok(false));
    }
}
