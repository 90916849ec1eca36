//! The endpoints controller: each Service with a selector gets an Endpoints object listing its ready pods
//! (IP, node, targetRef) and the service's target ports; it is removed with its Service.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;

use crate::sim::Sim;
use crate::sim::objects;
use crate::sim::resources::idx;
use crate::sim::selectors::{LabelSelector, LabelSelectorExt};
use crate::sim::store::{EventType, meta_str, now_rfc3339};

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
    let mut dirty: HashSet<(String, String)> = HashSet::new();
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
    let ready: Vec<&Value> = pods
        .iter()
        .map(|p| p.as_ref())
        .filter(|p| selects(&svc, p) && objects::is_ready(p) && p["status"]["podIP"].is_string())
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
