//! Pod rows, with STATUS, READY and RESTARTS computed as kubectl's `printPod` computes them
//! (k8s.io/kubernetes pkg/printers/internalversion). Ported rule by rule so a pod reads the same in
//! kdeck as in `kubectl get pods -o wide`.

use k8s_openapi::api::core::v1::{Container, ContainerStatus, Pod, PodCondition};

use super::{Budget, labels_of, secs};
use crate::cluster::rows::{Cell, Column, Row, RowKey, Tone};

pub fn columns() -> Vec<Column> {
    let mut c = vec![
        Column::new("NAME"),
        Column::new("READY"),
        Column::new("STATUS"),
        Column::new("RESTARTS"),
    ];
    c.extend(Budget::columns());
    c.extend([Column::new("AGE"), Column::wide("IP"), Column::wide("NODE")]);
    c
}

/// The pod's requests and limits: its containers' summed (init containers do not run alongside).
pub fn budget(pod: &Pod) -> Budget {
    let containers = pod.spec.as_ref().map(|s| s.containers.as_slice());
    containers
        .unwrap_or_default()
        .iter()
        .map(|c| {
            let r = c.resources.as_ref();
            Budget::read(|section, name| {
                let map = match section {
                    "requests" => r.and_then(|r| r.requests.as_ref()),
                    _ => r.and_then(|r| r.limits.as_ref()),
                };
                map.and_then(|m| m.get(name)).map(|q| q.0.as_str())
            })
        })
        .fold(Budget::default(), Budget::plus)
}

/// What `printPod` derives from a pod's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodSummary {
    pub ready: usize,
    pub total: usize,
    pub reason: String,
    pub restarts: i64,
    pub last_restart: Option<i64>,
}

fn is_restartable_init(c: Option<&Container>) -> bool {
    c.and_then(|c| c.restart_policy.as_deref()) == Some("Always")
}

fn condition_true(conditions: &[PodCondition], kind: &str) -> bool {
    conditions
        .iter()
        .any(|c| c.type_ == kind && c.status == "True")
}

fn last_terminated(cs: &ContainerStatus) -> Option<i64> {
    cs.last_state
        .as_ref()
        .and_then(|s| s.terminated.as_ref())
        .and_then(|t| t.finished_at.as_ref())
        .map(|t| t.0.as_second())
}

fn later(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// kubectl's `printPod` status logic.
pub fn summarize(pod: &Pod) -> PodSummary {
    let spec = pod.spec.as_ref();
    let status = pod.status.clone().unwrap_or_default();
    let containers = spec.map(|s| s.containers.as_slice()).unwrap_or_default();
    let init_specs = spec
        .and_then(|s| s.init_containers.as_deref())
        .unwrap_or_default();
    let conditions = status.conditions.as_deref().unwrap_or_default();
    let phase = status.phase.clone().unwrap_or_default();

    let mut total = containers.len();
    let mut ready = 0usize;
    let mut restarts = 0i64;
    let mut restartable_restarts = 0i64;
    let mut last_restart: Option<i64> = None;
    let mut last_restartable: Option<i64> = None;

    let mut reason = match status.reason.as_deref() {
        Some(r) if !r.is_empty() => r.to_string(),
        _ => phase.clone(),
    };
    if conditions
        .iter()
        .any(|c| c.type_ == "PodScheduled" && c.reason.as_deref() == Some("SchedulingGated"))
    {
        reason = "SchedulingGated".to_string();
    }
    let init_spec = |name: &str| init_specs.iter().find(|c| c.name == name);
    total += init_specs
        .iter()
        .filter(|c| is_restartable_init(Some(c)))
        .count();

    let mut initializing = false;
    for (i, cs) in status
        .init_container_statuses
        .as_deref()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        restarts += i64::from(cs.restart_count);
        last_restart = later(last_restart, last_terminated(cs));
        let restartable = is_restartable_init(init_spec(&cs.name));
        if restartable {
            restartable_restarts += i64::from(cs.restart_count);
            last_restartable = later(last_restartable, last_terminated(cs));
        }
        let state = cs.state.clone().unwrap_or_default();
        if let Some(t) = state.terminated.as_ref().filter(|t| t.exit_code == 0) {
            let _ = t;
            continue;
        }
        if restartable && cs.started == Some(true) {
            if cs.ready {
                ready += 1;
            }
            continue;
        }
        if let Some(t) = &state.terminated {
            reason = match t.reason.as_deref() {
                Some(r) if !r.is_empty() => format!("Init:{r}"),
                _ => match t.signal {
                    Some(sig) if sig != 0 => format!("Init:Signal:{sig}"),
                    _ => format!("Init:ExitCode:{}", t.exit_code),
                },
            };
        } else if let Some(r) = state
            .waiting
            .as_ref()
            .and_then(|w| w.reason.as_deref())
            .filter(|r| !r.is_empty() && *r != "PodInitializing")
        {
            reason = format!("Init:{r}");
        } else {
            reason = format!("Init:{i}/{}", init_specs.len());
        }
        initializing = true;
        break;
    }

    if !initializing || condition_true(conditions, "Initialized") {
        restarts = restartable_restarts;
        last_restart = last_restartable;
        let mut has_running = false;
        for cs in status
            .container_statuses
            .as_deref()
            .unwrap_or_default()
            .iter()
            .rev()
        {
            restarts += i64::from(cs.restart_count);
            last_restart = later(last_restart, last_terminated(cs));
            let state = cs.state.clone().unwrap_or_default();
            let waiting = state
                .waiting
                .as_ref()
                .and_then(|w| w.reason.as_deref())
                .filter(|r| !r.is_empty());
            let terminated = state.terminated.as_ref();
            if let Some(r) = waiting {
                reason = r.to_string();
            } else if let Some(t) = terminated {
                reason = match t.reason.as_deref() {
                    Some(r) if !r.is_empty() => r.to_string(),
                    _ => match t.signal {
                        Some(sig) if sig != 0 => format!("Signal:{sig}"),
                        _ => format!("ExitCode:{}", t.exit_code),
                    },
                };
            } else if cs.ready && state.running.is_some() {
                has_running = true;
                ready += 1;
            }
        }
        // A pod whose last container completed but another still runs is shown as running again.
        if reason == "Completed" && has_running {
            reason = if condition_true(conditions, "Ready") {
                "Running".to_string()
            } else {
                "NotReady".to_string()
            };
        }
    }

    let deleting = pod.metadata.deletion_timestamp.is_some();
    if deleting && status.reason.as_deref() == Some("NodeLost") {
        reason = "Unknown".to_string();
    } else if deleting && phase != "Succeeded" && phase != "Failed" {
        reason = "Terminating".to_string();
    }

    PodSummary {
        ready,
        total,
        reason,
        restarts,
        last_restart,
    }
}

/// The colour class of a pod status, as k9s groups them.
pub fn tone_of(summary: &PodSummary) -> Tone {
    let r = summary.reason.as_str();
    match r {
        "Running" if summary.ready == summary.total => Tone::Ok,
        "Running" | "NotReady" => Tone::Warning,
        "Completed" | "Succeeded" => Tone::Done,
        "Pending" | "ContainerCreating" | "PodInitializing" | "Terminating" | "SchedulingGated" => {
            Tone::Pending
        }
        _ if r.starts_with("Init:") && r[5..].contains('/') => Tone::Pending,
        _ => Tone::Error,
    }
}

pub fn row(pod: &Pod) -> Row {
    let s = summarize(pod);
    let meta = &pod.metadata;
    let ip = pod
        .status
        .as_ref()
        .and_then(|st| st.pod_ips.as_ref())
        .and_then(|ips| ips.first())
        .map(|ip| ip.ip.clone())
        .filter(|ip| !ip.is_empty())
        .unwrap_or_else(|| "<none>".to_string());
    let node = pod
        .spec
        .as_ref()
        .and_then(|sp| sp.node_name.clone())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "<none>".to_string());
    let tone = tone_of(&s);
    let mut cells = vec![
        Cell::text(meta.name.clone().unwrap_or_default()),
        Cell::Text(format!("{}/{}", s.ready, s.total)),
        Cell::Text(s.reason),
        Cell::Restarts {
            count: s.restarts,
            last: s.last_restart,
        },
    ];
    cells.extend(budget(pod).cells());
    cells.extend([
        Cell::Age(secs(meta.creation_timestamp.as_ref())),
        Cell::Text(ip),
        Cell::Text(node.clone()),
    ]);
    Row {
        key: RowKey::new(
            meta.namespace.as_deref().unwrap_or_default(),
            meta.name.as_deref().unwrap_or_default(),
        ),
        cells,
        tone,
        labels: labels_of(meta),
        selector: Some(node),
        object: None,
    }
}

#[cfg(test)]
#[path = "pods_tests.rs"]
mod tests;
