//! metrics.k8s.io/v1beta1, as metrics-server serves it: PodMetrics and NodeMetrics computed on each
//! request from the pods' simulated load, never stored.
//!
//! Owns: the load model and the metrics documents. A running container's CPU and memory vary slowly
//! over time around a per-container baseline that stays within its requests (or a modest default when
//! it has none); a container that is crash looping or restarted in the last minute spikes towards its
//! limits. Nodes report the sum of their pods plus system overhead. Pods that are not running have no
//! metrics, as metrics-server has none for them.

use std::sync::Arc;

use http::{Response, StatusCode};
use serde_json::{Value, json};

use super::Sim;
use super::api::selectors;
use super::resources::{ResourceType, idx};
use super::selectors::LabelSelectorExt;
use super::server::{Body, Query, ResourceRoute, json_response};
use super::status::ApiError;
use super::store::meta_str;
use super::table::{self, IncludeObject};

const WINDOW: &str = "10.036s";

pub use crate::quantity::parse as parse_quantity;

/// A stable number in [0, 1) from a string, so each container keeps its own baseline.
fn unit_hash(s: &str) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h % 10_000) as f64 / 10_000.0
}

fn resource(c: &Value, section: &str, name: &str) -> Option<f64> {
    c["resources"][section][name]
        .as_str()
        .and_then(parse_quantity)
}

/// (cpu cores, memory bytes) a container uses at unix time `now`.
pub(super) fn container_usage(pod: &Value, i: usize, now: f64) -> (f64, f64) {
    let c = &pod["spec"]["containers"][i];
    let key = format!(
        "{}/{}",
        meta_str(pod, "uid"),
        c["name"].as_str().unwrap_or("")
    );
    let h = unit_hash(&key);
    let cpu_req = resource(c, "requests", "cpu").unwrap_or(0.005 + 0.145 * h);
    let mem_req = resource(c, "requests", "memory").unwrap_or((32.0 + 224.0 * h) * 1024.0 * 1024.0);
    let cpu_lim = resource(c, "limits", "cpu").unwrap_or(cpu_req * 4.0);
    let mem_lim = resource(c, "limits", "memory").unwrap_or(mem_req * 2.0);
    // A slow wave per container (periods of one to three minutes), always inside the requests.
    let wave =
        |period: f64, phase: f64| 0.5 + 0.5 * (now / period + phase * std::f64::consts::TAU).sin();
    let mut cpu = cpu_req * (0.25 + 0.65 * wave(60.0 + 120.0 * h, h));
    let mut mem = mem_req * (0.45 + 0.45 * wave(180.0, h * 0.7));
    let cs = &pod["status"]["containerStatuses"][i];
    let crashing = cs["state"]["waiting"]["reason"] == "CrashLoopBackOff";
    let restarted_recently = cs["lastState"]["terminated"]["finishedAt"]
        .as_str()
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .is_some_and(|t| now - (t.as_second() as f64) < 60.0);
    if crashing || restarted_recently {
        cpu = cpu_lim * (0.8 + 0.2 * wave(7.0, h));
        mem = mem_lim * 0.9;
    }
    (cpu.min(cpu_lim), mem.min(mem_lim))
}

fn cpu_text(cores: f64) -> String {
    format!("{}n", (cores * 1e9).round() as u64)
}

fn mem_text(bytes: f64) -> String {
    format!("{}Ki", (bytes / 1024.0).round() as u64)
}

fn running(pod: &Value) -> bool {
    pod["status"]["phase"] == "Running"
}

fn stamp(now: f64) -> String {
    jiff::Timestamp::from_second(now as i64).map_or_else(|_| String::new(), |t| t.to_string())
}

fn pod_metrics(pod: &Value, now: f64) -> Value {
    let containers: Vec<Value> = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, c)| {
            let (cpu, mem) = container_usage(pod, i, now);
            json!({"name": c["name"], "usage": {"cpu": cpu_text(cpu), "memory": mem_text(mem)}})
        })
        .collect();
    json!({
        "kind": "PodMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
        "metadata": {"name": pod["metadata"]["name"], "namespace": pod["metadata"]["namespace"],
                     "creationTimestamp": stamp(now), "labels": pod["metadata"]["labels"]},
        "timestamp": stamp(now - 5.0), "window": WINDOW,
        "containers": containers,
    })
}

/// The usage of every running pod on each node, summed, plus the node's own overhead.
fn node_metrics(sim: &Sim, nodes: &[Arc<Value>], now: f64) -> Vec<Value> {
    let mut sums: std::collections::HashMap<String, (f64, f64)> = nodes
        .iter()
        .map(|n| {
            let h = unit_hash(meta_str(n, "name"));
            (
                meta_str(n, "name").to_string(),
                (0.08 + 0.1 * h, (600.0 + 400.0 * h) * 1024.0 * 1024.0),
            )
        })
        .collect();
    for p in sim
        .store
        .objects_containing(idx::PODS, None, &["\"Running\""])
    {
        if !running(&p) {
            continue;
        }
        let Some(sum) = p["spec"]["nodeName"].as_str().and_then(|n| sums.get_mut(n)) else {
            continue;
        };
        for i in 0..p["spec"]["containers"].as_array().map_or(0, Vec::len) {
            let (cpu, mem) = container_usage(&p, i, now);
            sum.0 += cpu;
            sum.1 += mem;
        }
    }
    nodes
        .iter()
        .map(|n| {
            let (cpu, mem) = sums.get(meta_str(n, "name")).copied().unwrap_or_default();
            json!({
                "kind": "NodeMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
                "metadata": {"name": n["metadata"]["name"], "creationTimestamp": stamp(now),
                             "labels": n["metadata"]["labels"]},
                "timestamp": stamp(now - 5.0), "window": WINDOW,
                "usage": {"cpu": cpu_text(cpu), "memory": mem_text(mem)},
            })
        })
        .collect()
}

/// GET and LIST of pods and nodes metrics; everything else is 405, as metrics-server answers.
pub fn serve(
    sim: &Sim,
    rt: &ResourceType,
    r: &ResourceRoute,
    q: &Query,
    verb: &str,
    table: bool,
) -> Result<Response<Body>, ApiError> {
    if !matches!(verb, "get" | "list") {
        return Err(ApiError::method_not_allowed());
    }
    let now = jiff::Timestamp::now().as_millisecond() as f64 / 1000.0;
    let (labels, fields) = selectors(q)?;
    let pods = rt.kind == "PodMetrics";
    let items: Vec<Value> = if pods {
        let source = match &r.name {
            Some(name) => sim
                .store
                .get(idx::PODS, r.ns.as_deref().unwrap_or(""), name)
                .into_iter()
                .collect(),
            None => sim.store.objects(idx::PODS, r.ns.as_deref()),
        };
        source
            .iter()
            .filter(|p| running(p) && labels.matches_object(p) && fields.matches(p))
            .map(|p| pod_metrics(p, now))
            .collect()
    } else {
        let nodes: Vec<Arc<Value>> = match &r.name {
            Some(name) => sim.store.get(idx::NODES, "", name).into_iter().collect(),
            None => sim.store.objects(idx::NODES, None),
        };
        let nodes: Vec<Arc<Value>> = nodes
            .into_iter()
            .filter(|n| labels.matches_object(n) && fields.matches(n))
            .collect();
        node_metrics(sim, &nodes, now)
    };
    if let Some(name) = &r.name {
        return match items.into_iter().next() {
            Some(item) => Ok(json_response(StatusCode::OK, &item)),
            None => Err(ApiError::not_found(&rt.group, &rt.plural, name)),
        };
    }
    let body = if table {
        let include = IncludeObject::parse(q.get("includeObject").map(String::as_str));
        table::table(rt, items.iter(), include, "", None)
    } else {
        json!({
            "kind": rt.list_kind(), "apiVersion": rt.api_version(),
            "metadata": {}, "items": items,
        })
    };
    Ok(json_response(StatusCode::OK, &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_parse_in_base_units() {
        assert_eq!(parse_quantity("250m"), Some(0.25));
        assert_eq!(parse_quantity("2"), Some(2.0));
        assert_eq!(parse_quantity("128Mi"), Some(128.0 * 1024.0 * 1024.0));
        assert_eq!(parse_quantity("1G"), Some(1e9));
        assert_eq!(parse_quantity("1500000n"), Some(0.0015));
        assert_eq!(parse_quantity("x"), None);
    }

    #[test]
    fn usage_stays_within_requests_and_spikes_when_crash_looping() {
        let mut pod = json!({"metadata": {"uid": "u1"}, "spec": {"containers": [{"name": "app",
            "resources": {"requests": {"cpu": "200m", "memory": "256Mi"},
                          "limits": {"cpu": "1", "memory": "512Mi"}}}]},
            "status": {"containerStatuses": [{"state": {"running": {}}}]}});
        for t in (0..600).step_by(7) {
            let (cpu, mem) = container_usage(&pod, 0, 1_700_000_000.0 + f64::from(t));
            assert!(cpu > 0.0 && cpu <= 0.2, "{cpu}");
            assert!(mem > 0.0 && mem <= 256.0 * 1024.0 * 1024.0, "{mem}");
        }
        let (a, _) = container_usage(&pod, 0, 1_700_000_000.0);
        let (b, _) = container_usage(&pod, 0, 1_700_000_045.0);
        assert!((a - b).abs() > 1e-6, "usage varies over time");
        pod["status"]["containerStatuses"][0]["state"] =
            json!({"waiting": {"reason": "CrashLoopBackOff"}});
        let (cpu, _) = container_usage(&pod, 0, 1_700_000_000.0);
        assert!(
            cpu > 0.2 && cpu <= 1.0,
            "a crash loop spikes towards the limit: {cpu}"
        );
    }
}
