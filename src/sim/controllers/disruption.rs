//! The disruption controller: every PodDisruptionBudget gets the status `kubectl get pdb` and the
//! eviction subresource read — how many selected pods are expected, how many must stay healthy, how
//! many are healthy now and so how many disruptions are allowed, with the DisruptionAllowed condition.
//! Pods an eviction has just taken (`disruptedPods`) count as gone until they are, or for two minutes.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;

use super::condition;
use crate::sim::Sim;
use crate::sim::objects;
use crate::sim::resources::idx;
use crate::sim::selectors::{LabelSelector, LabelSelectorExt};
use crate::sim::store::{meta_str, now_rfc3339};

/// How long an evicted pod is counted as disrupted while it has not gone yet.
const DISRUPTION_TIMEOUT: jiff::SignedDuration = jiff::SignedDuration::from_secs(120);

pub async fn run(sim: Arc<Sim>) {
    let Some(res) = sim
        .store
        .kinds()
        .lookup("policy", "v1", "poddisruptionbudgets")
    else {
        return;
    };
    let Ok(sub) = sim.store.subscribe(None) else {
        return;
    };
    let mut rx = sub.rx;
    let mut shutdown = sim.shutdown.clone();
    // Namespaces whose budgets need a sync; every namespace at start.
    let mut dirty: HashSet<String> = sim
        .store
        .objects(res, None)
        .iter()
        .map(|p| meta_str(p, "namespace").to_string())
        .collect();
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            ev = rx.recv() => match ev {
                Ok(ev) if ev.res == res || matches!(ev.res, idx::PODS | idx::REPLICASETS | idx::STATEFULSETS) => {
                    dirty.insert(ev.namespace.clone());
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => {
                    dirty.extend(sim.store.objects(res, None).iter().map(|p| meta_str(p, "namespace").to_string()));
                }
                Err(RecvError::Closed) => return,
            },
            _ = tick.tick(), if !dirty.is_empty() => {
                for ns in dirty.drain() {
                    for pdb in sim.store.objects(res, Some(&ns)) {
                        sync(&sim, res, &pdb);
                    }
                }
            }
        }
    }
}

/// An `intstr` as a count of `total`: an int as it is, a percentage rounded up.
fn scaled(v: &Value, total: i64) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => {
            let pct: i64 = s.strip_suffix('%')?.trim().parse().ok()?;
            Some((pct * total + 99) / 100)
        }
        _ => None,
    }
}

/// The replicas the pods' controllers want, each controller once; a pod without one counts itself.
fn expected_by_controllers(sim: &Sim, ns: &str, pods: &[Arc<Value>]) -> i64 {
    let mut seen = HashMap::new();
    let mut bare = 0;
    for pod in pods {
        let owner = pod["metadata"]["ownerReferences"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|o| o["controller"] == true);
        let Some(owner) = owner else {
            bare += 1;
            continue;
        };
        let res = match owner["kind"].as_str() {
            Some("ReplicaSet") => idx::REPLICASETS,
            Some("StatefulSet") => idx::STATEFULSETS,
            _ => {
                bare += 1;
                continue;
            }
        };
        let name = owner["name"].as_str().unwrap_or("");
        if let Some(o) = sim.store.get(res, ns, name) {
            seen.insert(
                (res, name.to_string()),
                o["spec"]["replicas"].as_i64().unwrap_or(1),
            );
        }
    }
    seen.values().sum::<i64>() + bare
}

fn sync(sim: &Sim, res: usize, pdb: &Value) {
    let ns = meta_str(pdb, "namespace");
    let spec = &pdb["spec"];
    let selector = &spec["selector"];
    let pods: Vec<Arc<Value>> = if selector.is_object() {
        let sel = LabelSelector::from_spec(selector);
        sim.store
            .objects(idx::PODS, Some(ns))
            .into_iter()
            .filter(|p| sel.matches_object(p))
            .collect()
    } else {
        Vec::new()
    };
    let (expected, desired) = if let Some(max) = spec.get("maxUnavailable").filter(|v| !v.is_null())
    {
        let expected = expected_by_controllers(sim, ns, &pods);
        let max = scaled(max, expected).unwrap_or(0);
        (expected, (expected - max).max(0))
    } else {
        match &spec["minAvailable"] {
            Value::Number(n) => (pods.len() as i64, n.as_i64().unwrap_or(0)),
            v @ Value::String(_) => {
                let expected = expected_by_controllers(sim, ns, &pods);
                (expected, scaled(v, expected).unwrap_or(0))
            }
            _ => (pods.len() as i64, pods.len() as i64),
        }
    };
    let now = jiff::Timestamp::now();
    let names: HashSet<&str> = pods.iter().map(|p| meta_str(p, "name")).collect();
    // Evicted pods still present, and not for too long, stay counted as disrupted.
    let disrupted: serde_json::Map<String, Value> = pdb["status"]["disruptedPods"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(name, at)| {
            names.contains(name.as_str())
                && at
                    .as_str()
                    .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                    .is_some_and(|t| now.duration_since(t) < DISRUPTION_TIMEOUT)
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let healthy = pods
        .iter()
        .filter(|p| {
            objects::is_ready(p)
                && p["metadata"]["deletionTimestamp"].is_null()
                && !disrupted.contains_key(meta_str(p, "name"))
        })
        .count() as i64;
    let allowed = (healthy - desired).max(0);
    let old = &pdb["status"];
    let stamp = now_rfc3339();
    let cond = if allowed > 0 {
        condition(
            old,
            "DisruptionAllowed",
            "True",
            "SufficientPods",
            "",
            &stamp,
            false,
        )
    } else {
        condition(
            old,
            "DisruptionAllowed",
            "False",
            "InsufficientPods",
            "",
            &stamp,
            false,
        )
    };
    let mut status = json!({
        "observedGeneration": pdb["metadata"]["generation"].as_i64().unwrap_or(1),
        "disruptionsAllowed": allowed,
        "currentHealthy": healthy,
        "desiredHealthy": desired,
        "expectedPods": expected,
        "conditions": [cond],
    });
    if !disrupted.is_empty() {
        status["disruptedPods"] = Value::Object(disrupted);
    }
    let name = meta_str(pdb, "name");
    sim.store.mutate(res, ns, name, |o| {
        if o["status"] == status {
            return false;
        }
        o["status"] = status;
        true
    });
}
