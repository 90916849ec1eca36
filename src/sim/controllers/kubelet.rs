//! The scheduler and kubelets: binds unscheduled pods to nodes (honouring `nodeSelector`), starts containers after a short pull
//! (Pending → ContainerCreating → Running, Ready), and restarts containers at the scenario's churn rate so
//! restartCount grows with a real lastState; the crash-looping pod keeps backing off.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;

use super::Recorder;
use crate::sim::Sim;
use crate::sim::objects::{self, Placement};
use crate::sim::resources::idx;
use crate::sim::store::{EventType, meta_str, now_rfc3339};

pub async fn run(sim: Arc<Sim>, rec: Arc<Recorder>) {
    let Ok(sub) = sim.store.subscribe(None) else {
        return;
    };
    let mut rx = sub.rx;
    let mut shutdown = sim.shutdown.clone();
    let starting: Arc<Mutex<HashSet<String>>> = Arc::default();
    // Pods the API created before we subscribed, or that we missed while lagging.
    let mut resync = true;
    loop {
        if resync {
            resync = false;
            for p in sim
                .store
                .objects_containing(idx::PODS, None, &["\"phase\":\"Pending\""])
            {
                if p["status"]["phase"] == "Pending" {
                    handle_pending(&sim, &rec, &starting, &p);
                }
            }
        }
        tokio::select! {
            _ = shutdown.changed() => return,
            ev = rx.recv() => match ev {
                Ok(ev) if ev.res == idx::PODS && ev.kind != EventType::Deleted => {
                    let pod = ev.object();
                    if pod["status"]["phase"] == "Pending" {
                        handle_pending(&sim, &rec, &starting, &pod);
                    }
                }
                // A node uncordoned, added or relabelled may fit pods that waited for one.
                Ok(ev) if ev.res == idx::NODES && ev.kind != EventType::Deleted => resync = true,
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => resync = true,
                Err(RecvError::Closed) => return,
            },
        }
    }
}

fn handle_pending(
    sim: &Arc<Sim>,
    rec: &Arc<Recorder>,
    starting: &Arc<Mutex<HashSet<String>>>,
    pod: &Value,
) {
    let ns = meta_str(pod, "namespace").to_string();
    let name = meta_str(pod, "name").to_string();
    if pod["spec"]["nodeName"].as_str().is_none_or(str::is_empty) {
        schedule(sim, rec, &ns, &name);
        return;
    }
    let uid = meta_str(pod, "uid").to_string();
    let bad = bad_image(sim, pod);
    if bad.is_some() && pulling_failed(pod) {
        return;
    }
    {
        let mut s = starting.lock().unwrap_or_else(|p| p.into_inner());
        if !s.insert(uid.clone()) {
            return;
        }
    }
    let (sim, rec, starting) = (sim.clone(), rec.clone(), starting.clone());
    tokio::spawn(async move {
        let pull = Duration::from_millis(600 + u64::from(rand::random::<u16>() % 900));
        tokio::time::sleep(pull).await;
        match bad {
            Some(image) => fail_pull(&sim, &rec, &ns, &name, &uid, &image).await,
            None => start_containers(&sim, &rec, &ns, &name, &uid),
        }
        starting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&uid);
    });
}

/// A node for a pod with this spec: any schedulable one (not cordoned) whose labels match its
/// `nodeSelector`, or the scheduler's reason why none fits.
pub fn choose_node(sim: &Sim, spec: &Value) -> Result<Arc<Value>, String> {
    let n = sim.store.count(idx::NODES);
    let cordoned = |node: &Value| node["spec"]["unschedulable"] == true;
    let sel = spec["nodeSelector"].as_object().filter(|m| !m.is_empty());
    // The common case, a pod with no selector on an uncordoned node, needs no scan of every node.
    if sel.is_none()
        && let Some(node) = sim
            .store
            .nth(idx::NODES, rand::random::<u32>() as usize % n.max(1))
            .filter(|node| !cordoned(node))
    {
        return Ok(node);
    }
    let nodes = sim.store.objects(idx::NODES, None);
    let selected: Vec<&Arc<Value>> = nodes
        .iter()
        .filter(|node| {
            sel.is_none_or(|sel| sel.iter().all(|(k, v)| node["metadata"]["labels"][k] == *v))
        })
        .collect();
    let fits: Vec<&Arc<Value>> = selected.iter().copied().filter(|n| !cordoned(n)).collect();
    if let Some(node) = fits.get(rand::random::<u32>() as usize % fits.len().max(1)) {
        return Ok(Arc::clone(node));
    }
    let mut reasons = Vec::new();
    if !selected.is_empty() {
        reasons.push(format!("{} node(s) were unschedulable", selected.len()));
    }
    if n > selected.len() {
        reasons.push(format!(
            "{} node(s) didn't match Pod's node affinity/selector",
            n - selected.len()
        ));
    }
    Err(format!(
        "0/{n} nodes are available: {}.",
        reasons.join(", ")
    ))
}

/// A node for the pod, or None after marking the pod Unschedulable once, as the scheduler does.
fn pick_node(sim: &Sim, rec: &Recorder, ns: &str, name: &str) -> Option<Arc<Value>> {
    let pod = sim.store.get(idx::PODS, ns, name)?;
    let message = match choose_node(sim, &pod["spec"]) {
        Ok(node) => return Some(node),
        Err(message) => message,
    };
    let marked = sim.store.mutate(idx::PODS, ns, name, |p| {
        let cond = serde_json::json!([{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
            "message": message, "lastTransitionTime": now_rfc3339(), "lastProbeTime": null}]);
        if p["status"]["conditions"][0]["reason"] == "Unschedulable" {
            return false;
        }
        p["status"]["conditions"] = cond;
        true
    });
    if let Some(p) =
        marked.filter(|p| p["metadata"]["resourceVersion"] != pod["metadata"]["resourceVersion"])
    {
        rec.warning(sim, &p, "FailedScheduling", &message, "default-scheduler");
    }
    None
}

fn schedule(sim: &Sim, rec: &Recorder, ns: &str, name: &str) {
    let Some(node) = pick_node(sim, rec, ns, name) else {
        return;
    };
    let node_name = meta_str(&node, "name").to_string();
    let node_ip = node["status"]["addresses"][0]["address"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let ip = sim.ipam.next();
    let now = now_rfc3339();
    let bound = sim.store.mutate(idx::PODS, ns, name, |p| {
        if p["spec"]["nodeName"]
            .as_str()
            .is_some_and(|n| !n.is_empty())
        {
            return false;
        }
        objects::bind(
            p,
            &Placement {
                node: &node_name,
                node_ip: &node_ip,
                pod_ip: &ip,
            },
            &now,
        );
        true
    });
    if let Some(p) = bound {
        rec.normal(
            sim,
            &p,
            "Scheduled",
            &format!("Successfully assigned {ns}/{name} to {node_name}"),
            "default-scheduler",
        );
    }
}

fn start_containers(sim: &Sim, rec: &Recorder, ns: &str, name: &str, uid: &str) {
    let Some(pod) = sim.store.get(idx::PODS, ns, name) else {
        return;
    };
    if meta_str(&pod, "uid") != uid || pod["status"]["phase"] != "Pending" {
        return;
    }
    for c in pod["spec"]["containers"].as_array().into_iter().flatten() {
        let (cname, image) = (
            c["name"].as_str().unwrap_or(""),
            c["image"].as_str().unwrap_or(""),
        );
        rec.normal(
            sim,
            &pod,
            "Pulling",
            &format!("Pulling image \"{image}\""),
            "kubelet",
        );
        rec.normal(sim, &pod, "Pulled", &format!("Successfully pulled image \"{image}\" in 812ms (812ms including waiting). Image size: 72080558 bytes."), "kubelet");
        rec.normal(
            sim,
            &pod,
            "Created",
            &format!("Created container: {cname}"),
            "kubelet",
        );
        rec.normal(
            sim,
            &pod,
            "Started",
            &format!("Started container {cname}"),
            "kubelet",
        );
    }
    let now = now_rfc3339();
    sim.store.mutate(idx::PODS, ns, name, |p| {
        if meta_str(p, "uid") != uid || p["status"]["phase"] != "Pending" {
            return false;
        }
        objects::mark_running(p, &now);
        true
    });
}

/// The first image of a pod that cannot be pulled: names starting with `does-not-exist`, or listed under
/// the scenario's `badImages`.
fn bad_image(sim: &Sim, pod: &Value) -> Option<String> {
    pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["image"].as_str())
        .find(|image| {
            let repo = image.rsplit('/').next().unwrap_or(image);
            repo.starts_with("does-not-exist") || sim.scenario.bad_images.iter().any(|b| b == image)
        })
        .map(str::to_string)
}

fn pulling_failed(pod: &Value) -> bool {
    pod["status"]["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| {
            matches!(
                c["state"]["waiting"]["reason"].as_str(),
                Some("ErrImagePull" | "ImagePullBackOff")
            )
        })
}

/// What a kubelet does with an image that is not there: ErrImagePull, then ImagePullBackOff, with the
/// events it records for each.
async fn fail_pull(sim: &Sim, rec: &Recorder, ns: &str, name: &str, uid: &str, image: &str) {
    let full = if image.contains('/') {
        format!("docker.io/{image}")
    } else {
        format!("docker.io/library/{image}")
    };
    let full = if full.rsplit('/').next().is_some_and(|r| r.contains(':')) {
        full
    } else {
        format!("{full}:latest")
    };
    let pull_err = format!(
        "rpc error: code = NotFound desc = failed to pull and unpack image \"{full}\": failed to resolve reference \"{full}\": {full}: not found"
    );
    let set = |reason: &str, message: &str| {
        sim.store.mutate(idx::PODS, ns, name, |p| {
            if meta_str(p, "uid") != uid || p["status"]["phase"] != "Pending" {
                return false;
            }
            for cs in p["status"]["containerStatuses"]
                .as_array_mut()
                .into_iter()
                .flatten()
                .filter(|cs| cs["image"] == image)
            {
                cs["state"] =
                    serde_json::json!({"waiting": {"reason": reason, "message": message}});
            }
            true
        })
    };
    let Some(pod) = set("ErrImagePull", &pull_err) else {
        return;
    };
    rec.normal(
        sim,
        &pod,
        "Pulling",
        &format!("Pulling image \"{image}\""),
        "kubelet",
    );
    rec.warning(
        sim,
        &pod,
        "Failed",
        &format!("Failed to pull image \"{image}\": {pull_err}"),
        "kubelet",
    );
    rec.warning(sim, &pod, "Failed", "Error: ErrImagePull", "kubelet");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let backoff = format!("Back-off pulling image \"{image}\"");
    if let Some(pod) = set("ImagePullBackOff", &backoff) {
        rec.normal(sim, &pod, "BackOff", &backoff, "kubelet");
        rec.warning(sim, &pod, "Failed", "Error: ImagePullBackOff", "kubelet");
    }
}

fn is_crash_looping(p: &Value) -> bool {
    p["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == "CrashLoopBackOff"
}

/// Restarts random running containers at `churn` per second, and keeps crash-looping pods backing off.
pub async fn churn(sim: Arc<Sim>, rec: Arc<Recorder>) {
    let rate = sim.scenario.churn;
    let mut shutdown = sim.shutdown.clone();
    let period = if rate > 0.0 {
        Duration::from_secs_f64(1.0 / rate)
    } else {
        Duration::from_secs(3600)
    };
    let mut tick = tokio::time::interval(period);
    let mut backoff = tokio::time::interval(Duration::from_secs(30));
    tick.tick().await;
    backoff.tick().await;
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = tick.tick(), if rate > 0.0 => restart_one(&sim, &rec),
            _ = backoff.tick() => {
                for p in sim.store.objects_containing(idx::PODS, None, &["CrashLoopBackOff"]).iter().filter(|p| is_crash_looping(p)) {
                    let now = now_rfc3339();
                    let restarts = p["status"]["containerStatuses"][0]["restartCount"].as_i64().unwrap_or(0) + 1;
                    if let Some(p) = sim.store.mutate(idx::PODS, meta_str(p, "namespace"), meta_str(p, "name"), |o| {
                        objects::mark_crash_loop(o, restarts, &now);
                        true
                    }) {
                        let c = p["spec"]["containers"][0]["name"].as_str().unwrap_or("");
                        rec.warning(&sim, &p, "BackOff", &format!("Back-off restarting failed container {c} in pod {}_{}({})",
                            meta_str(&p, "name"), meta_str(&p, "namespace"), meta_str(&p, "uid")), "kubelet");
                    }
                }
            }
        }
    }
}

fn restart_one(sim: &Sim, rec: &Recorder) {
    for _ in 0..8 {
        let Some(p) = sim.store.nth(idx::PODS, rand::random::<u32>() as usize) else {
            return;
        };
        if p["status"]["phase"] != "Running" || !objects::is_ready(&p) {
            continue;
        }
        let containers = p["spec"]["containers"]
            .as_array()
            .map_or(0, Vec::len)
            .max(1);
        let c = rand::random::<u32>() as usize % containers;
        let exit = [137, 1, 0, 2][rand::random::<u32>() as usize % 4];
        let now = now_rfc3339();
        let Some(p) = sim.store.mutate(
            idx::PODS,
            meta_str(&p, "namespace"),
            meta_str(&p, "name"),
            |o| {
                objects::record_restart(o, c, &now, exit);
                true
            },
        ) else {
            return;
        };
        let cname = p["spec"]["containers"][c]["name"].as_str().unwrap_or("");
        let image = p["spec"]["containers"][c]["image"].as_str().unwrap_or("");
        if exit == 137 {
            rec.warning(
                sim,
                &p,
                "Unhealthy",
                "Liveness probe failed: HTTP probe failed with statuscode: 503",
                "kubelet",
            );
            rec.normal(
                sim,
                &p,
                "Killing",
                &format!("Container {cname} failed liveness probe, will be restarted"),
                "kubelet",
            );
        }
        rec.normal(
            sim,
            &p,
            "Pulled",
            &format!("Container image \"{image}\" already present on machine"),
            "kubelet",
        );
        rec.normal(
            sim,
            &p,
            "Created",
            &format!("Created container: {cname}"),
            "kubelet",
        );
        rec.normal(
            sim,
            &p,
            "Started",
            &format!("Started container {cname}"),
            "kubelet",
        );
        return;
    }
}
