//! Workload controllers: deployments own replicasets (one per pod-template-hash; old ones are scaled to
//! zero on a template change), replicasets and statefulsets (ordered, `name-N`) and daemonsets (one pod
//! per node) own pods. Each reconciles only objects whose own or dependents' changes marked them dirty.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;

use super::{Recorder, workload_status};
use crate::sim::Sim;
use crate::sim::objects::{self, Placement};
use crate::sim::resources::idx;
use crate::sim::store::{EventType, Obj, meta_str, now_rfc3339};

type Dirty = HashSet<(usize, String, String)>;

fn controller_of(obj: &Value) -> Option<(&str, &str)> {
    obj["metadata"]["ownerReferences"]
        .as_array()?
        .iter()
        .find(|r| r["controller"] == json!(true))
        .map(|r| {
            (
                r["kind"].as_str().unwrap_or(""),
                r["name"].as_str().unwrap_or(""),
            )
        })
}

fn kind_res(kind: &str) -> Option<usize> {
    match kind {
        "Deployment" => Some(idx::DEPLOYMENTS),
        "ReplicaSet" => Some(idx::REPLICASETS),
        "StatefulSet" => Some(idx::STATEFULSETS),
        "DaemonSet" => Some(idx::DAEMONSETS),
        _ => None,
    }
}

fn mark(sim: &Sim, res: usize, kind: EventType, obj: &Value, dirty: &mut Dirty) {
    let ns = meta_str(obj, "namespace").to_string();
    match res {
        idx::DEPLOYMENTS | idx::STATEFULSETS | idx::DAEMONSETS | idx::REPLICASETS => {
            if kind != EventType::Deleted {
                dirty.insert((res, ns.clone(), meta_str(obj, "name").to_string()));
            }
            if let Some((k, name)) = controller_of(obj)
                && let Some(r) = kind_res(k)
            {
                dirty.insert((r, ns, name.to_string()));
            }
        }
        idx::PODS => {
            if let Some((k, name)) = controller_of(obj)
                && let Some(r) = kind_res(k)
            {
                dirty.insert((r, ns, name.to_string()));
            }
        }
        idx::NODES => {
            for ds in sim.store.objects(idx::DAEMONSETS, None) {
                dirty.insert((
                    idx::DAEMONSETS,
                    meta_str(&ds, "namespace").to_string(),
                    meta_str(&ds, "name").to_string(),
                ));
            }
        }
        _ => {}
    }
}

fn mark_all(sim: &Sim, dirty: &mut Dirty) {
    for res in [
        idx::DEPLOYMENTS,
        idx::REPLICASETS,
        idx::STATEFULSETS,
        idx::DAEMONSETS,
    ] {
        for o in sim.store.objects(res, None) {
            dirty.insert((
                res,
                meta_str(&o, "namespace").to_string(),
                meta_str(&o, "name").to_string(),
            ));
        }
    }
}

pub async fn run(sim: Arc<Sim>, rec: Arc<Recorder>) {
    let Ok(sub) = sim.store.subscribe(None) else {
        return;
    };
    let mut rx = sub.rx;
    let mut shutdown = sim.shutdown.clone();
    let mut dirty = Dirty::new();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            ev = rx.recv() => match ev {
                Ok(ev) if matches!(ev.res, idx::DEPLOYMENTS | idx::REPLICASETS | idx::STATEFULSETS | idx::DAEMONSETS | idx::PODS | idx::NODES) => {
                    mark(&sim, ev.res, ev.kind, &ev.object(), &mut dirty)
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => mark_all(&sim, &mut dirty),
                Err(RecvError::Closed) => return,
            },
            _ = tick.tick(), if !dirty.is_empty() => {
                let mut work: Vec<_> = dirty.drain().collect();
                // Parents first, so a deployment's new replicaset exists before its pods are counted.
                work.sort();
                for (res, ns, name) in work {
                    match res {
                        idx::DEPLOYMENTS => deployment(&sim, &rec, &ns, &name),
                        idx::REPLICASETS => replicaset(&sim, &rec, &ns, &name),
                        idx::STATEFULSETS => statefulset(&sim, &rec, &ns, &name),
                        idx::DAEMONSETS => daemonset(&sim, &rec, &ns, &name),
                        _ => {}
                    }
                }
            }
        }
    }
}

fn set_status(sim: &Sim, res: usize, obj: &Value, status: Value) {
    if obj["status"] == status {
        return;
    }
    sim.store.mutate(
        res,
        meta_str(obj, "namespace"),
        meta_str(obj, "name"),
        |o| {
            if o["status"] == status {
                return false;
            }
            o["status"] = status;
            true
        },
    );
}

fn replicas_of(obj: &Value) -> i64 {
    obj["spec"]["replicas"].as_i64().unwrap_or(1)
}

fn deployment(sim: &Sim, rec: &Recorder, ns: &str, name: &str) {
    let Some(d) = sim.store.get(idx::DEPLOYMENTS, ns, name) else {
        return;
    };
    let hash = objects::template_hash(&d["spec"]["template"]);
    let owned = sim.store.owned(idx::REPLICASETS, ns, meta_str(&d, "uid"));
    let desired = replicas_of(&d);
    let now = now_rfc3339();
    let is_new = |rs: &Obj| rs["metadata"]["labels"]["pod-template-hash"] == hash.as_str();
    match owned.iter().find(|rs| is_new(rs)) {
        None => {
            let revision = owned
                .iter()
                .filter_map(|rs| {
                    rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                        .as_str()?
                        .parse::<i64>()
                        .ok()
                })
                .max()
                .unwrap_or(0)
                + 1;
            let mut rs = objects::replicaset(&d, &hash, desired, &now);
            rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] =
                json!(revision.to_string());
            let rs_name = meta_str(&rs, "name").to_string();
            if sim.store.create(idx::REPLICASETS, rs).is_ok() {
                rec.normal(
                    sim,
                    &d,
                    "ScalingReplicaSet",
                    &format!("Scaled up replica set {rs_name} from 0 to {desired}"),
                    "deployment-controller",
                );
            }
        }
        Some(rs) if replicas_of(rs) != desired => {
            let from = replicas_of(rs);
            sim.store
                .mutate(idx::REPLICASETS, ns, meta_str(rs, "name"), |o| {
                    o["spec"]["replicas"] = json!(desired);
                    o["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] =
                        json!(desired.to_string());
                    true
                });
            let dir = if desired > from { "up" } else { "down" };
            rec.normal(
                sim,
                &d,
                "ScalingReplicaSet",
                &format!(
                    "Scaled {dir} replica set {} from {from} to {desired}",
                    meta_str(rs, "name")
                ),
                "deployment-controller",
            );
        }
        Some(_) => {}
    }
    for old in owned.iter().filter(|rs| !is_new(rs) && replicas_of(rs) > 0) {
        let from = replicas_of(old);
        sim.store
            .mutate(idx::REPLICASETS, ns, meta_str(old, "name"), |o| {
                o["spec"]["replicas"] = json!(0);
                true
            });
        rec.normal(
            sim,
            &d,
            "ScalingReplicaSet",
            &format!(
                "Scaled down replica set {} from {from} to 0",
                meta_str(old, "name")
            ),
            "deployment-controller",
        );
    }
    let total: i64 = owned
        .iter()
        .map(|rs| rs["status"]["replicas"].as_i64().unwrap_or(0))
        .sum();
    let ready: i64 = owned
        .iter()
        .map(|rs| rs["status"]["readyReplicas"].as_i64().unwrap_or(0))
        .sum();
    set_status(
        sim,
        idx::DEPLOYMENTS,
        &d,
        workload_status("Deployment", &d, total, ready, &now),
    );
}

fn create_pod(
    sim: &Sim,
    rec: &Recorder,
    owner: &Value,
    name: &str,
    extra: &[(&str, String)],
    node: Option<(String, String)>,
) -> bool {
    let template = &owner["spec"]["template"];
    // Bound at once where a node fits (a DaemonSet names its own); otherwise the pod waits, unbound,
    // for the scheduler, which says why.
    let node = node.or_else(|| {
        super::kubelet::choose_node(sim, &template["spec"])
            .ok()
            .map(|n| {
                let ip = n["status"]["addresses"][0]["address"]
                    .as_str()
                    .unwrap_or("");
                (meta_str(&n, "name").to_string(), ip.to_string())
            })
    });
    let now = now_rfc3339();
    let ip = sim.ipam.next();
    let at = node.as_ref().map(|(node, node_ip)| Placement {
        node,
        node_ip,
        pod_ip: &ip,
    });
    let p = objects::pod(owner, name, template, extra, at.as_ref(), &now);
    let ns = meta_str(owner, "namespace").to_string();
    match sim.store.create(idx::PODS, p) {
        Ok(p) => {
            let (reason, msg) = match owner["kind"].as_str() {
                Some("StatefulSet") => (
                    "SuccessfulCreate",
                    format!(
                        "create Pod {name} in StatefulSet {} successful",
                        meta_str(owner, "name")
                    ),
                ),
                _ => ("SuccessfulCreate", format!("Created pod: {name}")),
            };
            let component = match owner["kind"].as_str() {
                Some("StatefulSet") => "statefulset-controller",
                Some("DaemonSet") => "daemonset-controller",
                _ => "replicaset-controller",
            };
            rec.normal(sim, owner, reason, &msg, component);
            if let Some((node, _)) = &node {
                rec.normal(
                    sim,
                    &p,
                    "Scheduled",
                    &format!("Successfully assigned {ns}/{name} to {node}"),
                    "default-scheduler",
                );
            }
            true
        }
        Err(_) => false,
    }
}

fn delete_pod(sim: &Sim, rec: &Recorder, owner: &Value, pod: &Value) {
    let name = meta_str(pod, "name");
    if sim
        .store
        .delete(idx::PODS, meta_str(pod, "namespace"), name)
        .is_ok()
    {
        let msg = match owner["kind"].as_str() {
            Some("StatefulSet") => format!(
                "delete Pod {name} in StatefulSet {} successful",
                meta_str(owner, "name")
            ),
            _ => format!("Deleted pod: {name}"),
        };
        rec.normal(
            sim,
            owner,
            "SuccessfulDelete",
            &msg,
            "replicaset-controller",
        );
    }
}

fn replicaset(sim: &Sim, rec: &Recorder, ns: &str, name: &str) {
    let Some(rs) = sim.store.get(idx::REPLICASETS, ns, name) else {
        return;
    };
    let mut pods = sim.store.owned(idx::PODS, ns, meta_str(&rs, "uid"));
    let desired = replicas_of(&rs);
    let have = pods.len() as i64;
    if have < desired {
        for _ in have..desired {
            create_pod(sim, rec, &rs, &objects::generated_pod_name(name), &[], None);
        }
    } else if have > desired {
        // Not-ready pods go first, then the youngest, as the ReplicaSet controller ranks them.
        pods.sort_by(|a, b| {
            objects::is_ready(a)
                .cmp(&objects::is_ready(b))
                .then_with(|| {
                    meta_str(b, "creationTimestamp").cmp(meta_str(a, "creationTimestamp"))
                })
        });
        for p in pods.iter().take((have - desired) as usize) {
            delete_pod(sim, rec, &rs, p);
        }
    }
    let pods = sim.store.owned(idx::PODS, ns, meta_str(&rs, "uid"));
    let ready = pods.iter().filter(|p| objects::is_ready(p)).count() as i64;
    set_status(
        sim,
        idx::REPLICASETS,
        &rs,
        workload_status("ReplicaSet", &rs, pods.len() as i64, ready, &now_rfc3339()),
    );
}

fn statefulset(sim: &Sim, rec: &Recorder, ns: &str, name: &str) {
    let Some(sts) = sim.store.get(idx::STATEFULSETS, ns, name) else {
        return;
    };
    let pods = sim.store.owned(idx::PODS, ns, meta_str(&sts, "uid"));
    let desired = replicas_of(&sts);
    let parallel = sts["spec"]["podManagementPolicy"] == "Parallel";
    let ordinal = |p: &Value| {
        meta_str(p, "name")
            .strip_prefix(&format!("{name}-"))
            .and_then(|s| s.parse::<i64>().ok())
    };
    let hash = objects::template_hash(&sts["spec"]["template"]);
    super::revisions::ensure(sim, &sts, &hash);
    let revision = format!("{name}-{hash}");
    let updated =
        |p: &Value| p["metadata"]["labels"]["controller-revision-hash"] == revision.as_str();
    for i in 0..desired {
        match pods.iter().find(|p| ordinal(p) == Some(i)) {
            Some(p) if objects::is_ready(p) => continue,
            Some(_) if parallel => continue,
            Some(_) => break,
            None => {
                let extra = [
                    ("controller-revision-hash", format!("{name}-{hash}")),
                    ("statefulset.kubernetes.io/pod-name", format!("{name}-{i}")),
                    ("apps.kubernetes.io/pod-index", i.to_string()),
                ];
                create_pod(sim, rec, &sts, &format!("{name}-{i}"), &extra, None);
                if !parallel {
                    break;
                }
            }
        }
    }
    let mut extra: Vec<&Obj> = pods
        .iter()
        .filter(|p| ordinal(p).is_none_or(|o| o >= desired))
        .collect();
    extra.sort_by_key(|p| std::cmp::Reverse(ordinal(p)));
    for p in extra {
        delete_pod(sim, rec, &sts, p);
    }
    // A rolling update replaces one pod at a time, highest ordinal first, once all are ready.
    let rolling = sts["spec"]["updateStrategy"]["type"] != "OnDelete";
    let all_ready = pods.len() as i64 == desired && pods.iter().all(|p| objects::is_ready(p));
    if rolling && all_ready {
        let stale = pods
            .iter()
            .filter(|p| !updated(p) && ordinal(p).is_some_and(|o| o < desired))
            .max_by_key(|p| ordinal(p));
        if let Some(p) = stale {
            delete_pod(sim, rec, &sts, p);
        }
    }
    let pods = sim.store.owned(idx::PODS, ns, meta_str(&sts, "uid"));
    let ready = pods.iter().filter(|p| objects::is_ready(p)).count() as i64;
    let mut status = workload_status(
        "StatefulSet",
        &sts,
        pods.len() as i64,
        ready,
        &now_rfc3339(),
    );
    let n_updated = pods.iter().filter(|p| updated(p)).count() as i64;
    status["updatedReplicas"] = json!(n_updated);
    status["currentReplicas"] = json!(pods.len() as i64 - n_updated);
    if n_updated < pods.len() as i64 {
        // Mid-rollout the current revision is still the one most pods run.
        if let Some(cur) = sts["status"]["currentRevision"]
            .as_str()
            .filter(|c| *c != revision)
        {
            status["currentRevision"] = json!(cur);
        }
    } else {
        status["currentReplicas"] = json!(n_updated);
    }
    set_status(sim, idx::STATEFULSETS, &sts, status);
}

fn daemonset(sim: &Sim, rec: &Recorder, ns: &str, name: &str) {
    let Some(ds) = sim.store.get(idx::DAEMONSETS, ns, name) else {
        return;
    };
    let pods = sim.store.owned(idx::PODS, ns, meta_str(&ds, "uid"));
    let nodes = sim.store.objects(idx::NODES, None);
    let hash = objects::template_hash(&ds["spec"]["template"]);
    super::revisions::ensure(sim, &ds, &hash);
    let updated = |p: &Value| p["metadata"]["labels"]["controller-revision-hash"] == hash.as_str();
    for node in &nodes {
        let node_name = meta_str(node, "name");
        if !pods.iter().any(|p| p["spec"]["nodeName"] == node_name) {
            let ip = node["status"]["addresses"][0]["address"]
                .as_str()
                .unwrap_or("")
                .to_string();
            let extra = [
                ("controller-revision-hash", hash.clone()),
                ("pod-template-generation", "1".to_string()),
            ];
            create_pod(
                sim,
                rec,
                &ds,
                &objects::generated_pod_name(name),
                &extra,
                Some((node_name.to_string(), ip)),
            );
        }
    }
    for p in &pods {
        if !nodes
            .iter()
            .any(|n| p["spec"]["nodeName"] == meta_str(n, "name"))
        {
            delete_pod(sim, rec, &ds, p);
        }
    }
    // A rolling update (maxUnavailable 1) replaces one node's pod at a time, once all are ready.
    let rolling = ds["spec"]["updateStrategy"]["type"] != "OnDelete";
    if rolling
        && pods.iter().all(|p| objects::is_ready(p))
        && let Some(p) = pods.iter().find(|p| !updated(p))
    {
        delete_pod(sim, rec, &ds, p);
    }
    let pods = sim.store.owned(idx::PODS, ns, meta_str(&ds, "uid"));
    let ready = pods.iter().filter(|p| objects::is_ready(p)).count() as i64;
    let mut status = workload_status("DaemonSet", &ds, pods.len() as i64, ready, &now_rfc3339());
    status["updatedNumberScheduled"] = json!(pods.iter().filter(|p| updated(p)).count());
    set_status(sim, idx::DAEMONSETS, &ds, status);
}
