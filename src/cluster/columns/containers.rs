//! The containers of one pod, as the TUI's containers view and its log container picker show them
//! (k9s-like: name, image, ready, state, init, restarts, ports, age). Read from the pod as JSON, so the
//! typed watch and a raw GET share one reading.

use serde_json::Value;

use super::Budget;
use crate::cluster::rows::{Cell, Column, Row, RowKey, Tone};

/// One container of a pod, with what its status says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerInfo {
    pub name: String,
    pub image: String,
    /// An init container (regular or sidecar); listed first, as the kubelet runs them first.
    pub init: bool,
    pub ready: bool,
    /// `Running`, the waiting reason (`CrashLoopBackOff`), the terminated reason (`Completed`), or
    /// `Waiting` when the kubelet has not reported it yet.
    pub state: String,
    pub restarts: i64,
    /// When the current instance started (Unix seconds).
    pub started: Option<i64>,
    pub ports: String,
    pub tone: Tone,
    /// Its CPU and memory requests and limits.
    pub budget: Budget,
}

fn secs(v: Option<&Value>) -> Option<i64> {
    v.and_then(Value::as_str)
        .and_then(|s| s.parse::<jiff::Timestamp>().ok())
        .map(|t| t.as_second())
}

fn info(spec: &Value, status: Option<&Value>, init: bool) -> ContainerInfo {
    let name = spec["name"].as_str().unwrap_or_default().to_string();
    let image = spec["image"].as_str().unwrap_or_default().to_string();
    let ports = spec["ports"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .filter_map(|p| p["containerPort"].as_i64())
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    let st = status.map(|s| &s["state"]);
    let ready = status.and_then(|s| s["ready"].as_bool()).unwrap_or(false);
    let restarts = status.and_then(|s| s["restartCount"].as_i64()).unwrap_or(0);
    let (state, started, tone) = match st {
        Some(s) if s.get("running").is_some() => (
            "Running".to_string(),
            secs(s.pointer("/running/startedAt")),
            if ready { Tone::Ok } else { Tone::Warning },
        ),
        Some(s) if s.get("terminated").is_some() => {
            let reason = s
                .pointer("/terminated/reason")
                .and_then(Value::as_str)
                .unwrap_or("Terminated")
                .to_string();
            let ok = s.pointer("/terminated/exitCode").and_then(Value::as_i64) == Some(0);
            (
                reason,
                secs(s.pointer("/terminated/startedAt")),
                if ok { Tone::Done } else { Tone::Error },
            )
        }
        Some(s) if s.get("waiting").is_some() => {
            let reason = s
                .pointer("/waiting/reason")
                .and_then(Value::as_str)
                .unwrap_or("Waiting")
                .to_string();
            let tone = match reason.as_str() {
                "ContainerCreating" | "PodInitializing" | "Waiting" => Tone::Pending,
                _ => Tone::Error,
            };
            (reason, None, tone)
        }
        _ => ("Waiting".to_string(), None, Tone::Pending),
    };
    ContainerInfo {
        name,
        image,
        init,
        ready,
        state,
        restarts,
        started,
        ports,
        tone,
        budget: Budget::of_json(&spec["resources"]),
    }
}

/// Every container of `pod`: init containers first, then the regular ones, each in spec order.
pub fn containers_of(pod: &Value) -> Vec<ContainerInfo> {
    let mut out = Vec::new();
    for (specs, statuses, init) in [
        ("initContainers", "initContainerStatuses", true),
        ("containers", "containerStatuses", false),
    ] {
        let statuses = pod["status"][statuses].as_array();
        for spec in pod["spec"][specs].as_array().into_iter().flatten() {
            let status = statuses.and_then(|ss| ss.iter().find(|s| s["name"] == spec["name"]));
            out.push(info(spec, status, init));
        }
    }
    out
}

pub fn columns() -> Vec<Column> {
    let mut c = vec![
        Column::new("NAME"),
        Column::new("IMAGE"),
        Column::new("READY"),
        Column::new("STATE"),
        Column::new("INIT"),
        Column::new("RESTARTS"),
    ];
    c.extend(Budget::columns());
    c.extend([Column::wide("PORTS"), Column::new("AGE")]);
    c
}

/// One container as a row; the key is (pod namespace, container name).
pub fn row(namespace: &str, c: &ContainerInfo) -> Row {
    let mut cells = vec![
        Cell::text(c.name.clone()),
        Cell::text(c.image.clone()),
        Cell::text(if c.ready { "true" } else { "false" }),
        Cell::text(c.state.clone()),
        Cell::text(if c.init { "true" } else { "false" }),
        Cell::Restarts {
            count: c.restarts,
            last: None,
        },
    ];
    cells.extend(c.budget.cells());
    cells.extend([
        Cell::text(if c.ports.is_empty() {
            "<none>".to_string()
        } else {
            c.ports.clone()
        }),
        Cell::Age(c.started),
    ]);
    Row {
        key: RowKey::new(namespace, &c.name),
        cells,
        tone: c.tone,
        labels: Default::default(),
        selector: None,
        object: None,
    }
}

/// The rows of a pod's containers.
pub fn rows(pod: &Value) -> Vec<Row> {
    let ns = pod["metadata"]["namespace"].as_str().unwrap_or_default();
    containers_of(pod).iter().map(|c| row(ns, c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn init_first_with_states_and_tones() {
        let pod = json!({
            "metadata": {"name": "web-1", "namespace": "shop"},
            "spec": {"initContainers": [{"name": "migrate", "image": "m:1"}],
                     "containers": [{"name": "app", "image": "nginx:1.27", "ports": [{"containerPort": 80}, {"containerPort": 7}]},
                                    {"name": "log-shipper", "image": "fluent:2"}]},
            "status": {
                "initContainerStatuses": [{"name": "migrate", "ready": false, "restartCount": 0,
                    "state": {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": "2026-01-01T11:00:00Z"}}}],
                "containerStatuses": [
                    {"name": "log-shipper", "ready": false, "restartCount": 4, "state": {"waiting": {"reason": "CrashLoopBackOff"}}},
                    {"name": "app", "ready": true, "restartCount": 1, "state": {"running": {"startedAt": "2026-01-01T11:30:00Z"}}}]}
        });
        let cs = containers_of(&pod);
        let names: Vec<&str> = cs.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["migrate", "app", "log-shipper"]);
        assert!(cs[0].init && !cs[1].init);
        assert_eq!(
            (cs[0].state.as_str(), cs[0].tone),
            ("Completed", Tone::Done)
        );
        assert_eq!((cs[1].state.as_str(), cs[1].tone), ("Running", Tone::Ok));
        assert_eq!(cs[1].ports, "80,7");
        assert_eq!(cs[1].started, Some(1_767_267_000));
        assert_eq!(
            (cs[2].state.as_str(), cs[2].tone, cs[2].restarts),
            ("CrashLoopBackOff", Tone::Error, 4)
        );
        let r = rows(&pod);
        assert_eq!(&*r[1].key.namespace, "shop");
        assert_eq!(r[1].cells[12], Cell::text("80,7"));
        assert_eq!(r[2].cells[12], Cell::text("<none>"));
    }

    #[test]
    fn no_status_yet_is_waiting() {
        let pod = json!({"metadata": {"namespace": "a"}, "spec": {"containers": [{"name": "c"}]}});
        let cs = containers_of(&pod);
        assert_eq!((cs[0].state.as_str(), cs[0].ready), ("Waiting", false));
    }
}
