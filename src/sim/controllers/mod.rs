//! Controllers that make the simulated cluster look alive: what kube-controller-manager, the scheduler
//! and the kubelets would do.
//!
//! Owns: reacting to store changes. `workloads` reconciles deployments → replicasets → pods,
//! statefulsets and daemonsets; `kubelet` schedules pods, moves them Pending → ContainerCreating →
//! Running and restarts containers at the scenario's churn rate; `endpoints` keeps Endpoints in step with
//! ready pods (and EndpointSlices beside them); `hpa` scales HorizontalPodAutoscaler targets from the
//! simulated usage; `disruption` keeps PodDisruptionBudgets' status; `events` records core/v1 Events with the apiserver's aggregation (count, timestamps). All of
//! them write through the store like any client, so watchers see their work.

mod batch;
mod disruption;
mod endpoints;
mod events;
mod hpa;

mod kubelet;
pub(crate) mod namespaces;
mod revisions;
mod storage;
mod workloads;

use std::sync::Arc;

use serde_json::{Value, json};
use tokio::task::JoinHandle;

use super::Sim;

pub use events::Recorder;

/// Starts every controller; they stop when the sim shuts down.
pub fn spawn(sim: &Arc<Sim>) -> Vec<JoinHandle<()>> {
    let recorder = Arc::new(Recorder::new(2000));
    vec![
        tokio::spawn(workloads::run(sim.clone(), recorder.clone())),
        tokio::spawn(kubelet::run(sim.clone(), recorder.clone())),
        tokio::spawn(kubelet::churn(sim.clone(), recorder.clone())),
        tokio::spawn(endpoints::run(sim.clone())),
        tokio::spawn(batch::run(sim.clone(), recorder.clone())),
        tokio::spawn(storage::run(sim.clone(), recorder.clone())),
        tokio::spawn(hpa::run(sim.clone(), recorder.clone())),
        tokio::spawn(disruption::run(sim.clone())),
        tokio::spawn(namespaces::run(sim.clone())),
    ]
}

/// Keeps a condition's timestamps when its status did not change, so a resync writes nothing.
fn condition(
    old: &Value,
    type_: &str,
    status: &str,
    reason: &str,
    message: &str,
    now: &str,
    with_update: bool,
) -> Value {
    let prev = old["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == type_);
    let same = prev.is_some_and(|c| c["status"] == status && c["reason"] == reason);
    let transition = match prev {
        Some(c) if c["status"] == status => c["lastTransitionTime"].clone(),
        _ => json!(now),
    };
    let mut c = json!({"type": type_, "status": status, "lastTransitionTime": transition, "reason": reason, "message": message});
    if with_update {
        c["lastUpdateTime"] = if same {
            prev.map_or(json!(now), |p| p["lastUpdateTime"].clone())
        } else {
            json!(now)
        };
    }
    c
}

fn put_nonzero(v: &mut Value, key: &str, n: i64) {
    if n != 0 {
        v[key] = json!(n);
    }
}

/// The status a workload controller reports for `replicas` pods of which `ready` are ready.
pub fn workload_status(kind: &str, obj: &Value, replicas: i64, ready: i64, now: &str) -> Value {
    let old = &obj["status"];
    let generation = obj["metadata"]["generation"].as_i64().unwrap_or(1);
    let name = obj["metadata"]["name"].as_str().unwrap_or("");
    let mut s = json!({"observedGeneration": generation});
    match kind {
        "Deployment" => {
            let desired = obj["spec"]["replicas"].as_i64().unwrap_or(1);
            put_nonzero(&mut s, "replicas", replicas);
            put_nonzero(&mut s, "updatedReplicas", replicas);
            put_nonzero(&mut s, "readyReplicas", ready);
            put_nonzero(&mut s, "availableReplicas", ready);
            put_nonzero(&mut s, "unavailableReplicas", (desired - ready).max(0));
            let max_unavailable = desired / 4;
            let available = ready >= desired - max_unavailable;
            let (st, reason, msg) = if available {
                (
                    "True",
                    "MinimumReplicasAvailable",
                    "Deployment has minimum availability.",
                )
            } else {
                (
                    "False",
                    "MinimumReplicasUnavailable",
                    "Deployment does not have minimum availability.",
                )
            };
            let progress_msg = format!("ReplicaSet \"{name}\" has successfully progressed.");
            s["conditions"] = json!([
                condition(old, "Available", st, reason, msg, now, true),
                condition(
                    old,
                    "Progressing",
                    "True",
                    "NewReplicaSetAvailable",
                    &progress_msg,
                    now,
                    true
                ),
            ]);
        }
        "StatefulSet" => {
            s["replicas"] = json!(replicas);
            put_nonzero(&mut s, "readyReplicas", ready);
            put_nonzero(&mut s, "currentReplicas", replicas);
            put_nonzero(&mut s, "updatedReplicas", replicas);
            put_nonzero(&mut s, "availableReplicas", ready);
            let rev = format!(
                "{name}-{}",
                super::objects::template_hash(&obj["spec"]["template"])
            );
            s["currentRevision"] = json!(rev);
            s["updateRevision"] = json!(rev);
            s["collisionCount"] = json!(0);
        }
        "ReplicaSet" => {
            s["replicas"] = json!(replicas);
            put_nonzero(&mut s, "fullyLabeledReplicas", replicas);
            put_nonzero(&mut s, "readyReplicas", ready);
            put_nonzero(&mut s, "availableReplicas", ready);
        }
        _ => {
            s["currentNumberScheduled"] = json!(replicas);
            s["numberMisscheduled"] = json!(0);
            s["desiredNumberScheduled"] = json!(replicas);
            s["numberReady"] = json!(ready);
            s["updatedNumberScheduled"] = json!(replicas);
            s["numberAvailable"] = json!(ready);
            put_nonzero(&mut s, "numberUnavailable", replicas - ready);
        }
    }
    s
}
