//! The horizontal pod autoscaler (autoscaling/v2): on each sync it reads the target's pods' usage from
//! the same source as metrics.k8s.io, computes the utilization of their requests (or the average
//! value), recommends a replica count with the controller's 10 % tolerance and its five-minute
//! scale-down stabilization, scales the target through its replicas, and writes the status and
//! conditions `kubectl describe hpa` reads.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;

use super::{Recorder, condition};
use crate::sim::Sim;
use crate::sim::metrics::{container_usage, parse_quantity};
use crate::sim::selectors::{LabelSelector, LabelSelectorExt};
use crate::sim::store::{EventType, meta_str, now_rfc3339};

/// How often HPAs are synced (kube-controller-manager's default is 15 s).
const SYNC: Duration = Duration::from_secs(15);
const TOLERANCE: f64 = 0.1;
const STABILIZATION: Duration = Duration::from_secs(300);

pub async fn run(sim: Arc<Sim>, rec: Arc<Recorder>) {
    let Some(res) = sim
        .store
        .kinds()
        .lookup("autoscaling", "v2", "horizontalpodautoscalers")
    else {
        return;
    };
    let Ok(sub) = sim.store.subscribe(None) else {
        return;
    };
    let mut rx = sub.rx;
    let mut shutdown = sim.shutdown.clone();
    // Recent recommendations per HPA: a scale-down takes the highest of the last five minutes.
    let mut history: HashMap<(String, String), Vec<(Instant, i64)>> = HashMap::new();
    // The first sync comes soon after start, so a new cluster's HPAs have a status at once.
    let mut tick =
        tokio::time::interval_at(tokio::time::Instant::now() + Duration::from_secs(2), SYNC);
    let now = || jiff::Timestamp::now().as_millisecond() as f64 / 1000.0;
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = tick.tick() => {
                let t = now();
                for hpa in sim.store.objects(res, None) {
                    sync(&sim, &rec, res, &hpa, t, &mut history);
                }
            }
            ev = rx.recv() => match ev {
                // A new HPA gets its first status now, not at the next period.
                Ok(ev) if ev.res == res && ev.kind == EventType::Added => {
                    let hpa = ev.object();
                    sync(&sim, &rec, res, &hpa, now(), &mut history);
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            },
        }
    }
}

/// What the metrics say: (utilization % or None, average value text, recommended replicas) per metric.
struct Reading {
    name: String,
    utilization: Option<i64>,
    average: f64,
    ratio: f64,
}

fn read_metric(metric: &Value, pods: &[Arc<Value>], now: f64) -> Result<Reading, String> {
    if metric["type"] != "Resource" {
        return Err(format!(
            "the sim's HPA reads Resource metrics only, not {}",
            metric["type"].as_str().unwrap_or("?")
        ));
    }
    let name = metric["resource"]["name"]
        .as_str()
        .unwrap_or("cpu")
        .to_string();
    let target = &metric["resource"]["target"];
    let (mut used, mut requested) = (0.0, 0.0);
    for pod in pods {
        for (i, c) in pod["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let (cpu, mem) = container_usage(pod, i, now);
            used += if name == "memory" { mem } else { cpu };
            match c["resources"]["requests"][name.as_str()]
                .as_str()
                .and_then(parse_quantity)
            {
                Some(r) => requested += r,
                None if target["type"] == "Utilization" => {
                    return Err(format!(
                        "failed to get {name} utilization: missing request for {name} in container {} of Pod {}",
                        c["name"].as_str().unwrap_or(""),
                        meta_str(pod, "name")
                    ));
                }
                None => {}
            }
        }
    }
    if pods.is_empty() {
        return Err(format!(
            "failed to get {name} utilization: did not receive metrics for targeted pods (pods might be unready)"
        ));
    }
    let average = used / pods.len() as f64;
    let (utilization, ratio) = match target["type"].as_str() {
        Some("Utilization") => {
            let want = target["averageUtilization"]
                .as_f64()
                .unwrap_or(80.0)
                .max(1.0);
            let u = if requested > 0.0 {
                used / requested * 100.0
            } else {
                0.0
            };
            (Some(u.round() as i64), u / want)
        }
        _ => {
            let want = target["averageValue"]
                .as_str()
                .and_then(parse_quantity)
                .filter(|w| *w > 0.0)
                .ok_or_else(|| format!("the target of {name} has no averageValue"))?;
            (None, average / want)
        }
    };
    Ok(Reading {
        name,
        utilization,
        average,
        ratio,
    })
}

fn quantity(name: &str, v: f64) -> String {
    if name == "memory" {
        format!("{}Ki", (v / 1024.0).round() as i64)
    } else {
        format!("{}m", (v * 1000.0).round() as i64)
    }
}

fn sync(
    sim: &Sim,
    rec: &Recorder,
    res: usize,
    hpa: &Value,
    now: f64,
    history: &mut HashMap<(String, String), Vec<(Instant, i64)>>,
) {
    let ns = meta_str(hpa, "namespace").to_string();
    let name = meta_str(hpa, "name").to_string();
    let target_ref = &hpa["spec"]["scaleTargetRef"];
    let stamp = now_rfc3339();
    let kinds = sim.store.kinds();
    let target_res = kinds.served().find(|k| {
        target_ref["kind"] == k.kind.as_str()
            && target_ref["apiVersion"] == k.api_version().as_str()
            && k.scale.is_some()
    });
    let target = target_res.and_then(|k| {
        sim.store
            .get(k.index, &ns, target_ref["name"].as_str().unwrap_or(""))
            .map(|o| (k.index, o))
    });
    let min = hpa["spec"]["minReplicas"].as_i64().unwrap_or(1);
    let max = hpa["spec"]["maxReplicas"].as_i64().unwrap_or(min).max(min);
    let old_status = hpa["status"].clone();
    let Some((tres, target)) = target else {
        let msg = format!(
            "the HPA controller was unable to get the target's current scale: {} \"{}\" not found",
            target_ref["kind"].as_str().unwrap_or("?").to_lowercase(),
            target_ref["name"].as_str().unwrap_or("")
        );
        write_status(
            sim,
            res,
            &ns,
            &name,
            json!({
                "currentReplicas": 0, "desiredReplicas": 0,
                "conditions": [condition(&old_status, "AbleToScale", "False", "FailedGetScale", &msg, &stamp, false)],
            }),
        );
        return;
    };
    let current = target["spec"]["replicas"].as_i64().unwrap_or(1);
    let selector = LabelSelector::from_spec(&target["spec"]["selector"]);
    let pods: Vec<Arc<Value>> = sim
        .store
        .objects(crate::sim::resources::idx::PODS, Some(&ns))
        .into_iter()
        .filter(|p| selector.matches_object(p) && p["status"]["phase"] == "Running")
        .collect();
    let metrics = hpa["spec"]["metrics"].as_array().cloned().unwrap_or_else(|| {
        vec![json!({"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}})]
    });
    let readings: Result<Vec<Reading>, String> =
        metrics.iter().map(|m| read_metric(m, &pods, now)).collect();
    let readings = match readings {
        Ok(r) => r,
        Err(msg) => {
            write_status(
                sim,
                res,
                &ns,
                &name,
                json!({
                    "currentReplicas": current, "desiredReplicas": current,
                    "currentMetrics": null,
                    "conditions": [
                        condition(&old_status, "AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale", &stamp, false),
                        condition(&old_status, "ScalingActive", "False", "FailedGetResourceMetric", &msg, &stamp, false),
                    ],
                }),
            );
            return;
        }
    };
    // Each metric's recommendation; the highest wins, as in the controller.
    let ready = pods.len().max(1) as f64;
    let raw = readings
        .iter()
        .map(|r| {
            if (r.ratio - 1.0).abs() <= TOLERANCE {
                current
            } else {
                (r.ratio * ready).ceil() as i64
            }
        })
        .max()
        .unwrap_or(current);
    let clamped = raw.clamp(min, max);
    let key = (ns.clone(), name.clone());
    let instant = Instant::now();
    // A target the controller has not seen before counts as having been at its size all along, so
    // that it is not scaled down the moment the controller starts.
    let recent = history
        .entry(key)
        .or_insert_with(|| vec![(instant, current)]);
    recent.retain(|(t, _)| instant.duration_since(*t) < STABILIZATION);
    recent.push((instant, clamped));
    let stabilized = if clamped < current {
        recent
            .iter()
            .map(|(_, r)| *r)
            .max()
            .unwrap_or(clamped)
            .min(current)
    } else {
        clamped
    };
    let mut last_scale = old_status["lastScaleTime"].clone();
    if stabilized != current {
        let tname = meta_str(&target, "name").to_string();
        sim.store.mutate(tres, &ns, &tname, |o| {
            o["spec"]["replicas"] = json!(stabilized);
            true
        });
        let why = readings
            .iter()
            .map(|r| {
                format!(
                    "{} resource utilization (percentage of request) {} target",
                    r.name,
                    if stabilized > current {
                        "above"
                    } else {
                        "below"
                    }
                )
            })
            .next()
            .unwrap_or_default();
        rec.normal(
            sim,
            hpa,
            "SuccessfulRescale",
            &format!("New size: {stabilized}; reason: {why}"),
            "horizontal-pod-autoscaler",
        );
        last_scale = json!(stamp);
    }
    let current_metrics: Vec<Value> = readings
        .iter()
        .map(|r| {
            let mut cur = json!({"averageValue": quantity(&r.name, r.average)});
            if let Some(u) = r.utilization {
                cur["averageUtilization"] = json!(u);
            }
            json!({"type": "Resource", "resource": {"name": r.name, "current": cur}})
        })
        .collect();
    let (limited, limit_reason, limit_msg) = if raw > max {
        (
            "True",
            "TooManyReplicas",
            "the desired replica count is more than the maximum replica count",
        )
    } else if raw < min {
        (
            "True",
            "TooFewReplicas",
            "the desired replica count is less than the minimum replica count",
        )
    } else {
        (
            "False",
            "DesiredWithinRange",
            "the desired count is within the acceptable range",
        )
    };
    let (able_reason, able_msg) = if stabilized != clamped {
        (
            "ScaleDownStabilized",
            "recent recommendations were higher than current one, applying the highest recent recommendation",
        )
    } else {
        ("ReadyForNewScale", "recommended size matches current size")
    };
    let mut status = json!({
        "currentReplicas": current,
        "desiredReplicas": stabilized,
        "currentMetrics": current_metrics,
        "conditions": [
            condition(&old_status, "AbleToScale", "True", able_reason, able_msg, &stamp, false),
            condition(&old_status, "ScalingActive", "True", "ValidMetricFound", "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)", &stamp, false),
            condition(&old_status, "ScalingLimited", limited, limit_reason, limit_msg, &stamp, false),
        ],
    });
    if !last_scale.is_null() {
        status["lastScaleTime"] = last_scale;
    }
    write_status(sim, res, &ns, &name, status);
}

fn write_status(sim: &Sim, res: usize, ns: &str, name: &str, status: Value) {
    sim.store.mutate(res, ns, name, |o| {
        if o["status"] == status {
            return false;
        }
        o["status"] = status;
        true
    });
}
