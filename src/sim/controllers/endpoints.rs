//! The endpoints and endpointslice controllers: each Service with a selector gets an Endpoints object
//! listing its ready pods (IP, node, targetRef) and the service's target ports, and beside it an
//! EndpointSlice (discovery.k8s.io/v1) listing every selected pod with an IP and its ready, serving and
//! terminating conditions. Both go with their Service (the slice through its ownerReference).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;

use crate::sim::Sim;
use crate::sim::objects;
use crate::sim::resources::idx;
use crate::sim::selectors::{LabelSelector, LabelSelectorExt};
use crate::sim::store::{EventType, meta_str, now_rfc3339, random_suffix};

fn selects(svc: &Value, pod: &Value) -> bool {
    let sel = &svc["spec"]["selector"];
    sel.as_object().is_some_and(|m| !m.is_empty())
        && LabelSelector::from_spec(&serde_json::json!({"matchLabels": sel})).matches_object(pod)
}

pub async fn run(sim: Arc<Sim>) {
    let Ok(sub) = sim.store.subscribe(None) else {
        return;
    };
    let mut rx = sub.rx;
    let mut shutdown = sim.shutdown.clone();
    // Services seeded before the controller started get their slices on the first tick.
    let mut dirty: HashSet<(String, String)> = sim
        .store
        .objects(idx::SERVICES, None)
        .iter()
        .map(|s| {
            (
                meta_str(s, "namespace").to_string(),
                meta_str(s, "name").to_string(),
            )
        })
        .collect();
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            ev = rx.recv() => match ev {
                Ok(ev) if matches!(ev.res, idx::SERVICES | idx::PODS) => {
                    let object = ev.object();
                    let ns = ev.namespace.clone();
                    match (ev.res, ev.kind) {
                        (idx::SERVICES, EventType::Deleted) => {
                            let _ = sim.store.delete(idx::ENDPOINTS, &ns, meta_str(&object, "name"));
                        }
                        (idx::SERVICES, _) => {
                            dirty.insert((ns, meta_str(&object, "name").to_string()));
                        }
                        (idx::PODS, _) => {
                            for svc in sim.store.objects(idx::SERVICES, Some(&ns)) {
                                if selects(&svc, &object) {
                                    dirty.insert((ns.clone(), meta_str(&svc, "name").to_string()));
                                }
                            }
                        }
                        _ => {}
                    }
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => {
                    for svc in sim.store.objects(idx::SERVICES, None) {
                        dirty.insert((meta_str(&svc, "namespace").to_string(), meta_str(&svc, "name").to_string()));
                    }
                }
                Err(RecvError::Closed) => return,
            },
            _ = tick.tick(), if !dirty.is_empty() => {
                for (ns, name) in dirty.drain() {
                    sync(&sim, &ns, &name);
                }
            }
        }
    }
}

fn sync(sim: &Sim, ns: &str, name: &str) {
    let Some(svc) = sim.store.get(idx::SERVICES, ns, name) else {
        return;
    };
    if svc["spec"]["selector"]
        .as_object()
        .is_none_or(|m| m.is_empty())
    {
        return;
    }
    // Only pods whose JSON carries every selector pair are parsed.
    let needles: Vec<String> = svc["spec"]["selector"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{}:{}", Value::from(k.as_str()), v))
        .collect();
    let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
    let pods = sim.store.objects_containing(idx::PODS, Some(ns), &needles);
    let selected: Vec<&Value> = pods
        .iter()
        .map(|p| p.as_ref())
        .filter(|p| selects(&svc, p) && p["status"]["podIP"].is_string())
        .collect();
    sync_slice(sim, &svc, &selected);
    let ready: Vec<&Value> = selected
        .iter()
        .copied()
        .filter(|p| objects::is_ready(p) && p["metadata"]["deletionTimestamp"].is_null())
        .collect();
    let subsets = objects::endpoints_subsets(&svc, &ready);
    match sim.store.get(idx::ENDPOINTS, ns, name) {
        None => {
            let mut ep = objects::endpoints(&svc, &now_rfc3339());
            if !subsets.is_null() {
                ep["subsets"] = subsets;
            }
            let _ = sim.store.create(idx::ENDPOINTS, ep);
        }
        Some(ep)
            if ep["subsets"] != subsets && !(subsets.is_null() && ep.get("subsets").is_none()) =>
        {
            sim.store.mutate(idx::ENDPOINTS, ns, name, |e| {
                if subsets.is_null() {
                    e.as_object_mut().map(|m| m.remove("subsets"));
                } else {
                    e["subsets"] = subsets;
                }
                true
            });
        }
        Some(_) => {}
    }
}

const SERVICE_NAME: &str = "kubernetes.io/service-name";

/// Keeps the Service's one EndpointSlice equal to its selected pods.
fn sync_slice(sim: &Sim, svc: &Value, pods: &[&Value]) {
    let Some(res) = sim
        .store
        .kinds()
        .lookup("discovery.k8s.io", "v1", "endpointslices")
    else {
        return;
    };
    let ns = meta_str(svc, "namespace");
    let name = meta_str(svc, "name");
    let endpoints: Vec<Value> = pods
        .iter()
        .map(|p| {
            let terminating = !p["metadata"]["deletionTimestamp"].is_null();
            let ready = objects::is_ready(p) && !terminating;
            json!({
                "addresses": [p["status"]["podIP"]],
                "conditions": {"ready": ready, "serving": objects::is_ready(p), "terminating": terminating},
                "nodeName": p["spec"]["nodeName"],
                "targetRef": {"kind": "Pod", "namespace": ns, "name": p["metadata"]["name"], "uid": p["metadata"]["uid"]},
            })
        })
        .collect();
    let ports: Vec<Value> = svc["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            json!({"name": p["name"].as_str().unwrap_or(""), "port": p["targetPort"].as_i64().or(p["port"].as_i64()),
                   "protocol": p["protocol"].as_str().unwrap_or("TCP")})
        })
        .collect();
    // The apiserver serves an empty slice's lists as null.
    let endpoints = if endpoints.is_empty() {
        Value::Null
    } else {
        json!(endpoints)
    };
    let existing = sim
        .store
        .objects(res, Some(ns))
        .into_iter()
        .find(|s| s["metadata"]["labels"][SERVICE_NAME] == name);
    match existing {
        None => {
            let mut labels = svc["metadata"]["labels"].clone();
            if !labels.is_object() {
                labels = json!({});
            }
            labels[SERVICE_NAME] = json!(name);
            labels["endpointslice.kubernetes.io/managed-by"] =
                json!("endpointslice-controller.k8s.io");
            let slice = json!({
                "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                "metadata": {"name": format!("{name}-{}", random_suffix(5)), "generateName": format!("{name}-"),
                             "namespace": ns, "labels": labels,
                             "ownerReferences": [objects::owner_ref(svc)]},
                "addressType": "IPv4",
                "endpoints": endpoints,
                "ports": ports,
            });
            let _ = sim.store.create(res, slice);
        }
        Some(s) if s["endpoints"] != endpoints || s["ports"] != json!(ports) => {
            sim.store.mutate(res, ns, meta_str(&s, "name"), |o| {
                o["endpoints"] = endpoints;
                o["ports"] = json!(ports);
                true
            });
        }
        Some(_) => {}
    }
}
