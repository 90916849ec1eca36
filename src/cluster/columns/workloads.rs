//! Rows for deployments, statefulsets, daemonsets and replicasets, with kubectl's default columns.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::{key_of, labels_of, name_of, secs};
use crate::cluster::rows::{Cell, Column, Row, Tone};

/// A label selector as `k=v,k2=v2` (matchLabels only; that is what drill-down filters pods by).
pub fn selector_string(sel: Option<&LabelSelector>) -> Option<String> {
    let labels = sel?.match_labels.as_ref()?;
    if labels.is_empty() {
        return None;
    }
    Some(
        labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(","),
    )
}

fn tone(ready: i32, desired: i32) -> Tone {
    if desired == 0 {
        Tone::Done
    } else if ready >= desired {
        Tone::Ok
    } else if ready == 0 {
        Tone::Error
    } else {
        Tone::Pending
    }
}

pub fn deployment_columns() -> Vec<Column> {
    ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
        .into_iter()
        .map(Column::new)
        .collect()
}

pub fn deployment_row(d: &Deployment) -> Row {
    let desired = d.spec.replicas.unwrap_or(1);
    let st = d.status.clone().unwrap_or_default();
    let ready = st.ready_replicas.unwrap_or(0);
    Row {
        key: key_of(&d.metadata),
        cells: vec![
            Cell::text(name_of(&d.metadata)),
            Cell::Text(format!("{ready}/{desired}")),
            Cell::Text(st.updated_replicas.unwrap_or(0).to_string()),
            Cell::Text(st.available_replicas.unwrap_or(0).to_string()),
            Cell::Age(secs(d.metadata.creation_timestamp.as_ref())),
        ],
        tone: tone(ready, desired),
        labels: labels_of(&d.metadata),
        selector: selector_string(Some(&d.spec.selector)),
        object: None,
    }
}

pub fn statefulset_columns() -> Vec<Column> {
    ["NAME", "READY", "AGE"]
        .into_iter()
        .map(Column::new)
        .collect()
}

pub fn statefulset_row(s: &StatefulSet) -> Row {
    let desired = s.spec.replicas.unwrap_or(1);
    let ready = s
        .status
        .as_ref()
        .and_then(|st| st.ready_replicas)
        .unwrap_or(0);
    Row {
        key: key_of(&s.metadata),
        cells: vec![
            Cell::text(name_of(&s.metadata)),
            Cell::Text(format!("{ready}/{desired}")),
            Cell::Age(secs(s.metadata.creation_timestamp.as_ref())),
        ],
        tone: tone(ready, desired),
        labels: labels_of(&s.metadata),
        selector: selector_string(Some(&s.spec.selector)),
        object: None,
    }
}

pub fn daemonset_columns() -> Vec<Column> {
    [
        "NAME",
        "DESIRED",
        "CURRENT",
        "READY",
        "UP-TO-DATE",
        "AVAILABLE",
        "NODE SELECTOR",
        "AGE",
    ]
    .into_iter()
    .map(Column::new)
    .collect()
}

pub fn daemonset_row(d: &DaemonSet) -> Row {
    let st = d.status.clone().unwrap_or_default();
    let node_selector = d
        .spec
        .template
        .spec
        .as_ref()
        .and_then(|s| s.node_selector.as_ref())
        .filter(|m| !m.is_empty())
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_else(|| "<none>".to_string());
    Row {
        key: key_of(&d.metadata),
        cells: vec![
            Cell::text(name_of(&d.metadata)),
            Cell::Text(st.desired_number_scheduled.to_string()),
            Cell::Text(st.current_number_scheduled.to_string()),
            Cell::Text(st.number_ready.to_string()),
            Cell::Text(st.updated_number_scheduled.unwrap_or(0).to_string()),
            Cell::Text(st.number_available.unwrap_or(0).to_string()),
            Cell::Text(node_selector),
            Cell::Age(secs(d.metadata.creation_timestamp.as_ref())),
        ],
        tone: tone(st.number_ready, st.desired_number_scheduled),
        labels: labels_of(&d.metadata),
        selector: selector_string(Some(&d.spec.selector)),
        object: None,
    }
}

pub fn replicaset_columns() -> Vec<Column> {
    ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]
        .into_iter()
        .map(Column::new)
        .collect()
}

pub fn replicaset_row(r: &ReplicaSet) -> Row {
    let desired = r.spec.replicas.unwrap_or(1);
    let st = r.status.clone().unwrap_or_default();
    let ready = st.ready_replicas.unwrap_or(0);
    Row {
        key: key_of(&r.metadata),
        cells: vec![
            Cell::text(name_of(&r.metadata)),
            Cell::Text(desired.to_string()),
            Cell::Text(st.replicas.to_string()),
            Cell::Text(ready.to_string()),
            Cell::Age(secs(r.metadata.creation_timestamp.as_ref())),
        ],
        tone: tone(ready, desired),
        labels: labels_of(&r.metadata),
        selector: selector_string(Some(&r.spec.selector)),
        object: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deployment_ready_and_selector() {
        let d: Deployment = serde_json::from_value(json!({
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web", "tier": "fe"}},
                     "template": {}},
            "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}
        }))
        .unwrap();
        let r = deployment_row(&d);
        assert_eq!(r.cells[1], Cell::text("2/3"));
        assert_eq!(r.cells[2], Cell::text("3"));
        assert_eq!(r.tone, Tone::Pending);
        assert_eq!(r.selector.as_deref(), Some("app=web,tier=fe"));
    }
}
