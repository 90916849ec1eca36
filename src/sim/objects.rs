//! Builders for the objects the sim makes itself (seeding and controllers): nodes, workloads, their pods
//! in each lifecycle stage, services, endpoints, config and events.
//!
//! Owns: what a kubelet, scheduler or controller would write, so objects look like a real cluster's
//! (ownerReferences, pod-template-hash, conditions, containerStatuses, IPs). Builders are pure functions
//! of their inputs; they never touch the store.

use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::{Value, json};

use super::scenario::WorkloadSpec;
use super::store::{new_uid, random_suffix};
use super::validate;

/// Pod IPs from 10.244.0.0/14, handed out in order.
#[derive(Debug, Default)]
pub struct Ipam(AtomicU32);

impl Ipam {
    pub fn next(&self) -> String {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        let host = n % 254 + 1;
        let net = n / 254;
        format!("10.{}.{}.{host}", 244 + (net / 256) % 4, net % 256)
    }
}

pub fn node_name(prefix: &str, i: usize) -> String {
    format!("{prefix}-{i:03}")
}

pub fn node_ip(i: usize) -> String {
    format!("172.18.{}.{}", i / 250, i % 250 + 2)
}

fn hex(n: usize) -> String {
    (0..n)
        .map(|_| format!("{:x}", rand::random::<u8>() % 16))
        .collect()
}

pub fn namespace(name: &str, created: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": name, "uid": new_uid(), "creationTimestamp": created,
                     "labels": {"kubernetes.io/metadata.name": name}},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    })
}

pub fn node(prefix: &str, i: usize, minor: u32, created: &str) -> Value {
    let name = node_name(prefix, i);
    let mut labels = json!({
        "beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
    });
    if i == 0 {
        labels["node-role.kubernetes.io/control-plane"] = json!("");
    }
    let cond = |t: &str, s: &str, reason: &str, msg: &str| {
        json!({"type": t, "status": s, "reason": reason, "message": msg,
               "lastHeartbeatTime": created, "lastTransitionTime": created})
    };
    let resources = json!({"cpu": "8", "memory": "32863084Ki", "pods": "110", "ephemeral-storage": "101430960Ki"});
    json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "uid": new_uid(), "creationTimestamp": created, "labels": labels,
                     "annotations": {"node.alpha.kubernetes.io/ttl": "0"}},
        "spec": {"podCIDR": format!("10.244.{i}.0/24"), "podCIDRs": [format!("10.244.{i}.0/24")]},
        "status": {
            "capacity": resources,
            "allocatable": {"cpu": "7800m", "memory": "31814508Ki", "pods": "110", "ephemeral-storage": "93478772582"},
            "conditions": [
                cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "addresses": [{"type": "InternalIP", "address": node_ip(i)}, {"type": "Hostname", "address": name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": hex(32), "systemUUID": new_uid(), "bootID": new_uid(),
                "kernelVersion": "6.8.0-45-generic", "osImage": "Ubuntu 24.04.1 LTS",
                "containerRuntimeVersion": "containerd://1.7.22", "kubeletVersion": format!("v1.{minor}.0"),
                "kubeProxyVersion": format!("v1.{minor}.0"), "operatingSystem": "linux", "architecture": "amd64",
            },
        },
    })
}

/// The pod template of a scenario workload.
pub fn template(w: &WorkloadSpec) -> Value {
    let image = w.image.clone().unwrap_or_else(|| "nginx:1.27".to_string());
    let ports: Vec<Value> = w
        .ports
        .iter()
        .map(|p| json!({"containerPort": p, "protocol": "TCP"}))
        .collect();
    // Requests and limits as most real workloads declare them, so that %CPU/R, `kubectl top` and HPAs
    // have something to measure against.
    let mut main = json!({"name": w.name, "image": image,
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}}});
    if !ports.is_empty() {
        main["ports"] = json!(ports);
    }
    let mut containers = vec![main];
    if w.sidecar {
        containers.push(json!({"name": "log-shipper", "image": "fluent/fluent-bit:3.1",
            "resources": {"requests": {"cpu": "20m", "memory": "32Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}}}));
    }
    let mut spec = json!({"containers": containers});
    validate::default_pod_spec(&mut spec);
    json!({"metadata": {"labels": {"app": w.name}}, "spec": spec})
}

/// The apiserver-style hash of a pod template, as deployments name their replicasets.
pub fn template_hash(template: &Value) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in template.to_string().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    (0..10)
        .map(|i| ALPHABET[((h >> (i * 6)) % ALPHABET.len() as u64) as usize] as char)
        .collect()
}

pub fn owner_ref(owner: &Value) -> Value {
    json!({
        "apiVersion": owner["apiVersion"], "kind": owner["kind"],
        "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"],
        "controller": true, "blockOwnerDeletion": true,
    })
}

pub fn workload(kind: &str, ns: &str, w: &WorkloadSpec, created: &str) -> Value {
    let mut spec = json!({
        "selector": {"matchLabels": {"app": w.name}},
        "template": template(w),
        "revisionHistoryLimit": 10,
    });
    match kind {
        "Deployment" => {
            spec["replicas"] = json!(w.replicas);
            spec["strategy"] = json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}});
            spec["progressDeadlineSeconds"] = json!(600);
        }
        "StatefulSet" => {
            spec["replicas"] = json!(w.replicas);
            spec["serviceName"] = json!(w.name);
            spec["podManagementPolicy"] = json!("OrderedReady");
            spec["updateStrategy"] =
                json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}});
        }
        _ => {
            spec["updateStrategy"] = json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}});
        }
    }
    json!({
        "apiVersion": "apps/v1", "kind": kind,
        "metadata": {"name": w.name, "namespace": ns, "uid": new_uid(), "creationTimestamp": created,
                     "generation": 1, "labels": {"app": w.name}},
        "spec": spec,
        "status": {},
    })
}

pub fn replicaset(deploy: &Value, hash: &str, replicas: i64, created: &str) -> Value {
    let mut template = deploy["spec"]["template"].clone();
    template["metadata"]["labels"]["pod-template-hash"] = json!(hash);
    let mut selector = deploy["spec"]["selector"].clone();
    selector["matchLabels"]["pod-template-hash"] = json!(hash);
    let mut labels = template["metadata"]["labels"].clone();
    labels["pod-template-hash"] = json!(hash);
    let name = format!(
        "{}-{hash}",
        deploy["metadata"]["name"].as_str().unwrap_or("")
    );
    json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": name, "namespace": deploy["metadata"]["namespace"], "uid": new_uid(),
                     "creationTimestamp": created, "generation": 1, "labels": labels,
                     "annotations": {"deployment.kubernetes.io/revision": "1",
                                     "deployment.kubernetes.io/desired-replicas": replicas.to_string()},
                     "ownerReferences": [owner_ref(deploy)]},
        "spec": {"replicas": replicas, "selector": selector, "template": template},
        "status": {"replicas": 0},
    })
}

/// Where a new pod goes.
pub struct Placement<'a> {
    pub node: &'a str,
    pub node_ip: &'a str,
    pub pod_ip: &'a str,
}

/// A pod from a template, as the scheduler has just bound it (Pending, ContainerCreating), or, with no
/// placement, waiting for the scheduler (Pending).
pub fn pod(
    owner: &Value,
    name: &str,
    template: &Value,
    extra_labels: &[(&str, String)],
    at: Option<&Placement<'_>>,
    created: &str,
) -> Value {
    let mut labels = template["metadata"]["labels"].clone();
    if !labels.is_object() {
        labels = json!({});
    }
    for (k, v) in extra_labels {
        labels[*k] = json!(v);
    }
    let mut p = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": owner["metadata"]["namespace"], "uid": new_uid(),
                     "creationTimestamp": created, "labels": labels, "ownerReferences": [owner_ref(owner)]},
        "spec": template["spec"].clone(),
    });
    if let Some(a) = template["metadata"]["annotations"].as_object() {
        p["metadata"]["annotations"] = json!(a);
    }
    p["spec"]["serviceAccountName"] = json!("default");
    p["spec"]["tolerations"] = json!([
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
    ]);
    match at {
        Some(at) => bind(&mut p, at, created),
        None => p["status"] = json!({"phase": "Pending", "qosClass": "BestEffort"}),
    }
    p
}

/// The scheduler binds a pod to a node and the kubelet starts creating its containers.
pub fn bind(p: &mut Value, at: &Placement<'_>, now: &str) {
    p["spec"]["nodeName"] = json!(at.node);
    let statuses: Vec<Value> = p["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| json!({"name": c["name"], "image": c["image"], "imageID": "", "ready": false, "restartCount": 0,
                        "started": false, "state": {"waiting": {"reason": "ContainerCreating"}}, "lastState": {}}))
        .collect();
    let cond = |t: &str, s: &str| json!({"type": t, "status": s, "lastProbeTime": null, "lastTransitionTime": now});
    p["status"] = json!({
        "phase": "Pending",
        "conditions": [cond("PodReadyToStartContainers", "False"), cond("Initialized", "True"),
                       cond("Ready", "False"), cond("ContainersReady", "False"), cond("PodScheduled", "True")],
        "hostIP": at.node_ip, "hostIPs": [{"ip": at.node_ip}],
        "podIP": at.pod_ip, "podIPs": [{"ip": at.pod_ip}],
        "startTime": now, "qosClass": "BestEffort",
        "containerStatuses": statuses,
    });
}

fn set_condition(pod: &mut Value, t: &str, status: &str, at: &str) {
    for c in pod["status"]["conditions"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        if c["type"] == t && c["status"] != status {
            c["status"] = json!(status);
            c["lastTransitionTime"] = json!(at);
        }
    }
}

/// The kubelet has started every container: Running and Ready.
pub fn mark_running(pod: &mut Value, at: &str) {
    pod["status"]["phase"] = json!("Running");
    for cs in pod["status"]["containerStatuses"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        let image = cs["image"].as_str().unwrap_or("").to_string();
        let repo = image.split(':').next().unwrap_or("").to_string();
        cs["state"] = json!({"running": {"startedAt": at}});
        cs["ready"] = json!(true);
        cs["started"] = json!(true);
        cs["imageID"] = json!(format!("{repo}@sha256:{}", hex(64)));
        cs["containerID"] = json!(format!("containerd://{}", hex(64)));
    }
    for t in ["PodReadyToStartContainers", "Ready", "ContainersReady"] {
        set_condition(pod, t, "True", at);
    }
}

/// One container exited and came back: restartCount grows and lastState records the exit.
pub fn record_restart(pod: &mut Value, container: usize, finished: &str, exit_code: i64) {
    let Some(cs) = pod["status"]["containerStatuses"].get_mut(container) else {
        return;
    };
    let started = cs["state"]["running"]["startedAt"].clone();
    cs["lastState"] = json!({"terminated": {"exitCode": exit_code, "reason": if exit_code == 0 { "Completed" } else { "Error" },
                                            "startedAt": started, "finishedAt": finished,
                                            "containerID": cs["containerID"].clone()}});
    cs["restartCount"] = json!(cs["restartCount"].as_i64().unwrap_or(0) + 1);
    cs["state"] = json!({"running": {"startedAt": finished}});
    cs["containerID"] = json!(format!("containerd://{}", hex(64)));
}

/// The first container keeps crashing: CrashLoopBackOff, not ready.
pub fn mark_crash_loop(pod: &mut Value, restarts: i64, finished: &str) {
    let name = pod["spec"]["containers"][0]["name"]
        .as_str()
        .unwrap_or("app")
        .to_string();
    let pod_name = pod["metadata"]["name"].as_str().unwrap_or("").to_string();
    let ns = pod["metadata"]["namespace"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let uid = pod["metadata"]["uid"].as_str().unwrap_or("").to_string();
    if let Some(cs) = pod["status"]["containerStatuses"].get_mut(0) {
        cs["state"] = json!({"waiting": {"reason": "CrashLoopBackOff",
            "message": format!("back-off 5m0s restarting failed container={name} pod={pod_name}_{ns}({uid})")}});
        cs["lastState"] = json!({"terminated": {"exitCode": 1, "reason": "Error", "startedAt": finished, "finishedAt": finished,
                                                "containerID": format!("containerd://{}", hex(64))}});
        cs["restartCount"] = json!(restarts);
        cs["ready"] = json!(false);
        cs["started"] = json!(false);
    }
    set_condition(pod, "Ready", "False", finished);
    set_condition(pod, "ContainersReady", "False", finished);
}

pub fn is_ready(pod: &Value) -> bool {
    pod["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

pub fn service(ns: &str, w: &WorkloadSpec, cluster_ip: &str, created: &str) -> Value {
    let ports: Vec<Value> = w
        .ports
        .iter()
        .map(|p| json!({"name": format!("tcp-{p}"), "port": p, "targetPort": p, "protocol": "TCP"}))
        .collect();
    json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": w.name, "namespace": ns, "uid": new_uid(), "creationTimestamp": created,
                     "labels": {"app": w.name}},
        "spec": {"type": "ClusterIP", "clusterIP": cluster_ip, "clusterIPs": [cluster_ip], "selector": {"app": w.name},
                 "ports": ports, "sessionAffinity": "None", "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                 "internalTrafficPolicy": "Cluster"},
        "status": {"loadBalancer": {}},
    })
}

/// Endpoints of a service for the given ready pods.
pub fn endpoints_subsets(svc: &Value, pods: &[&Value]) -> Value {
    if pods.is_empty() {
        return Value::Null;
    }
    let addresses: Vec<Value> = pods
        .iter()
        .map(|p| {
            json!({"ip": p["status"]["podIP"], "nodeName": p["spec"]["nodeName"],
                         "targetRef": {"kind": "Pod", "namespace": p["metadata"]["namespace"],
                                       "name": p["metadata"]["name"], "uid": p["metadata"]["uid"]}})
        })
        .collect();
    let ports: Vec<Value> = svc["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let mut e = json!({"port": p["targetPort"].as_i64().or(p["port"].as_i64()), "protocol": p["protocol"]});
            if let Some(n) = p["name"].as_str() {
                e["name"] = json!(n);
            }
            e
        })
        .collect();
    json!([{"addresses": addresses, "ports": ports}])
}

pub fn endpoints(svc: &Value, created: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Endpoints",
        "metadata": {"name": svc["metadata"]["name"], "namespace": svc["metadata"]["namespace"], "uid": new_uid(),
                     "creationTimestamp": created, "labels": svc["metadata"]["labels"]},
    })
}

pub fn configmap(ns: &str, name: &str, data: Value, created: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": name, "namespace": ns, "uid": new_uid(), "creationTimestamp": created},
           "data": data})
}

pub fn secret(ns: &str, name: &str, data: Value, created: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Secret",
           "metadata": {"name": name, "namespace": ns, "uid": new_uid(), "creationTimestamp": created},
           "type": "Opaque", "data": data})
}

/// A core/v1 Event about `obj`.
pub fn event(
    obj: &Value,
    type_: &str,
    reason: &str,
    message: &str,
    component: &str,
    now: &str,
) -> Value {
    let name = obj["metadata"]["name"].as_str().unwrap_or("");
    let ns = obj["metadata"]["namespace"].as_str().unwrap_or("default");
    json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": format!("{name}.{}", hex(16)), "namespace": ns},
        "involvedObject": {"kind": obj["kind"], "namespace": obj["metadata"]["namespace"], "name": name,
                           "uid": obj["metadata"]["uid"], "apiVersion": obj["apiVersion"],
                           "resourceVersion": obj["metadata"]["resourceVersion"]},
        "reason": reason, "message": message,
        "source": {"component": component},
        "firstTimestamp": now, "lastTimestamp": now, "count": 1, "type": type_,
        "eventTime": null, "reportingComponent": component, "reportingInstance": "",
    })
}

/// A name for a pod owned by `owner_name`, as ReplicaSets and DaemonSets generate them.
pub fn generated_pod_name(owner_name: &str) -> String {
    format!("{owner_name}-{}", random_suffix(5))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pods_go_from_creating_to_running() {
        let w = WorkloadSpec::new("web", 1, "nginx:1.27", &[80]);
        let d = workload("Deployment", "ns", &w, "2024-01-01T00:00:00Z");
        let at = Placement {
            node: "n",
            node_ip: "1.1.1.1",
            pod_ip: "10.244.0.1",
        };
        let mut p = pod(
            &d,
            "web-x",
            &d["spec"]["template"],
            &[],
            Some(&at),
            "2024-01-01T00:00:00Z",
        );
        assert_eq!(crate::sim::table::pod_status(&p), "ContainerCreating");
        assert!(!is_ready(&p));
        mark_running(&mut p, "2024-01-01T00:00:05Z");
        assert_eq!(crate::sim::table::pod_status(&p), "Running");
        assert!(is_ready(&p));
        record_restart(&mut p, 0, "2024-01-01T00:01:00Z", 137);
        assert_eq!(p["status"]["containerStatuses"][0]["restartCount"], 1);
        assert_eq!(
            p["status"]["containerStatuses"][0]["lastState"]["terminated"]["exitCode"],
            137
        );
    }

    #[test]
    fn template_hash_is_stable_and_short() {
        let t = template(&WorkloadSpec::new("a", 1, "x:1", &[]));
        assert_eq!(template_hash(&t), template_hash(&t.clone()));
        assert_eq!(template_hash(&t).len(), 10);
    }

    #[test]
    fn ipam_hands_out_distinct_addresses() {
        let ipam = Ipam::default();
        let ips: std::collections::HashSet<String> = (0..1000).map(|_| ipam.next()).collect();
        assert_eq!(ips.len(), 1000);
    }
}
