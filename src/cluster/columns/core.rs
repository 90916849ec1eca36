//! Rows for services, configmaps, secrets, events, nodes and namespaces, with kubectl's default columns.
//! Secret values never reach a row: only the number of keys does.

use k8s_openapi::api::core::v1::{ConfigMap, Event, Namespace, Node, Secret, Service};

use super::{key_of, labels_of, name_of, secs};
use crate::cluster::metrics;
use crate::cluster::rows::{Cell, Column, Resource, Row, RowKey, Share, Tone};

fn cols(names: &[&str]) -> Vec<Column> {
    names.iter().copied().map(Column::new).collect()
}

pub fn service_columns() -> Vec<Column> {
    cols(&[
        "NAME",
        "TYPE",
        "CLUSTER-IP",
        "EXTERNAL-IP",
        "PORT(S)",
        "AGE",
    ])
}

pub fn service_row(s: &Service) -> Row {
    let spec = s.spec.clone().unwrap_or_default();
    let kind = spec
        .type_
        .clone()
        .unwrap_or_else(|| "ClusterIP".to_string());
    let cluster_ip = spec
        .cluster_ip
        .clone()
        .filter(|ip| !ip.is_empty())
        .unwrap_or_else(|| "<none>".to_string());
    let mut external: Vec<String> = spec.external_ips.clone().unwrap_or_default();
    if let Some(ing) = s
        .status
        .as_ref()
        .and_then(|st| st.load_balancer.as_ref())
        .and_then(|lb| lb.ingress.as_ref())
    {
        external.extend(
            ing.iter()
                .filter_map(|i| i.ip.clone().or(i.hostname.clone())),
        );
    }
    let external = if !external.is_empty() {
        external.join(",")
    } else if kind == "LoadBalancer" {
        "<pending>".to_string()
    } else if kind == "ExternalName" {
        spec.external_name.clone().unwrap_or_default()
    } else {
        "<none>".to_string()
    };
    let ports = spec
        .ports
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|p| {
            let proto = p.protocol.clone().unwrap_or_else(|| "TCP".to_string());
            match p.node_port {
                Some(np) => format!("{}:{np}/{proto}", p.port),
                None => format!("{}/{proto}", p.port),
            }
        })
        .collect::<Vec<_>>();
    let ports = if ports.is_empty() {
        "<none>".to_string()
    } else {
        ports.join(",")
    };
    let selector = spec.selector.as_ref().filter(|m| !m.is_empty()).map(|m| {
        m.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    });
    Row {
        key: key_of(&s.metadata),
        cells: vec![
            Cell::text(name_of(&s.metadata)),
            Cell::Text(kind),
            Cell::Text(cluster_ip),
            Cell::Text(external),
            Cell::Text(ports),
            Cell::Age(secs(s.metadata.creation_timestamp.as_ref())),
        ],
        tone: Tone::Normal,
        labels: labels_of(&s.metadata),
        selector,
        object: None,
    }
}

pub fn configmap_columns() -> Vec<Column> {
    cols(&["NAME", "DATA", "AGE"])
}

pub fn configmap_row(c: &ConfigMap) -> Row {
    let n = c.data.as_ref().map_or(0, |d| d.len()) + c.binary_data.as_ref().map_or(0, |d| d.len());
    Row {
        key: key_of(&c.metadata),
        cells: vec![
            Cell::text(name_of(&c.metadata)),
            Cell::Text(n.to_string()),
            Cell::Age(secs(c.metadata.creation_timestamp.as_ref())),
        ],
        tone: Tone::Normal,
        labels: labels_of(&c.metadata),
        selector: None,
        object: None,
    }
}

pub fn secret_columns() -> Vec<Column> {
    cols(&["NAME", "TYPE", "DATA", "AGE"])
}

pub fn secret_row(s: &Secret) -> Row {
    let n = s.data.as_ref().map_or(0, |d| d.len());
    Row {
        key: key_of(&s.metadata),
        cells: vec![
            Cell::text(name_of(&s.metadata)),
            Cell::Text(s.type_.clone().unwrap_or_else(|| "Opaque".to_string())),
            Cell::Text(n.to_string()),
            Cell::Age(secs(s.metadata.creation_timestamp.as_ref())),
        ],
        tone: Tone::Normal,
        labels: labels_of(&s.metadata),
        selector: None,
        object: None,
    }
}

/// Drops secret values as soon as they are decoded, keeping the keys so DATA can still be counted.
pub fn strip_secret_values(s: &mut Secret) {
    if let Some(d) = s.data.as_mut() {
        for v in d.values_mut() {
            v.0.clear();
        }
    }
    s.string_data = None;
}

pub fn event_columns() -> Vec<Column> {
    cols(&["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"])
}

pub fn event_row(e: &Event) -> Row {
    let last = e
        .last_timestamp
        .as_ref()
        .map(|t| t.0.as_second())
        .or_else(|| e.event_time.as_ref().map(|t| t.0.as_second()))
        .or_else(|| secs(e.metadata.creation_timestamp.as_ref()));
    let kind = e.type_.clone().unwrap_or_default();
    let obj = &e.involved_object;
    let object = format!(
        "{}/{}",
        obj.kind.clone().unwrap_or_default().to_lowercase(),
        obj.name.clone().unwrap_or_default()
    );
    Row {
        key: key_of(&e.metadata),
        cells: vec![
            Cell::Age(last),
            Cell::Text(kind.clone()),
            Cell::Text(e.reason.clone().unwrap_or_default()),
            Cell::Text(object),
            Cell::Text(e.message.clone().unwrap_or_default().replace('\n', " ")),
        ],
        tone: if kind == "Warning" {
            Tone::Warning
        } else {
            Tone::Normal
        },
        labels: labels_of(&e.metadata),
        selector: None,
        object: None,
    }
}

/// Newest first: an event row ranks by minus its LAST SEEN time (its first cell).
pub fn event_rank(row: &Row) -> i64 {
    match row.cells.first() {
        Some(Cell::Age(Some(t))) => -t,
        _ => 0,
    }
}

pub fn node_columns() -> Vec<Column> {
    vec![
        Column::new("NAME"),
        Column::new("STATUS"),
        Column::new("ROLES"),
        Column::new("AGE"),
        Column::new("VERSION"),
        Column::new("CPU"),
        Column::new("%CPU"),
        Column::new("MEM"),
        Column::new("%MEM"),
        Column::wide("INTERNAL-IP"),
    ]
}

pub fn node_row(n: &Node) -> Row {
    let st = n.status.clone().unwrap_or_default();
    let ready = st
        .conditions
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|c| c.type_ == "Ready")
        .map(|c| c.status.as_str());
    let mut status = match ready {
        Some("True") => "Ready".to_string(),
        Some(_) => "NotReady".to_string(),
        None => "Unknown".to_string(),
    };
    if n.spec.as_ref().and_then(|s| s.unschedulable) == Some(true) {
        status.push_str(",SchedulingDisabled");
    }
    let labels = labels_of(&n.metadata);
    let mut roles: Vec<&str> = labels
        .keys()
        .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
        .filter(|r| !r.is_empty())
        .collect();
    if let Some(r) = labels.get("kubernetes.io/role") {
        roles.push(r);
    }
    let roles = if roles.is_empty() {
        "<none>".to_string()
    } else {
        roles.join(",")
    };
    let ip = st
        .addresses
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|a| a.type_ == "InternalIP")
        .map(|a| a.address.clone())
        .unwrap_or_else(|| "<none>".to_string());
    let version = st
        .node_info
        .as_ref()
        .map(|i| i.kubelet_version.clone())
        .unwrap_or_default();
    let allocatable = |name: &str, unit: fn(&str) -> Option<u64>| {
        st.allocatable
            .as_ref()
            .and_then(|a| a.get(name))
            .and_then(|q| unit(&q.0))
    };
    let tone = if status == "Ready" {
        Tone::Ok
    } else if status.starts_with("Ready") {
        Tone::Warning
    } else {
        Tone::Error
    };
    Row {
        key: RowKey::new("", &name_of(&n.metadata)),
        cells: vec![
            Cell::text(name_of(&n.metadata)),
            Cell::Text(status),
            Cell::Text(roles),
            Cell::Age(secs(n.metadata.creation_timestamp.as_ref())),
            Cell::Text(version),
            Cell::usage(Resource::Cpu, Share::Absolute),
            Cell::usage(Resource::Cpu, Share::Of(allocatable("cpu", metrics::milli))),
            Cell::usage(Resource::Memory, Share::Absolute),
            Cell::usage(
                Resource::Memory,
                Share::Of(allocatable("memory", metrics::bytes)),
            ),
            Cell::Text(ip),
        ],
        tone,
        labels,
        selector: None,
        object: None,
    }
}

pub fn namespace_columns() -> Vec<Column> {
    cols(&["NAME", "STATUS", "AGE"])
}

pub fn namespace_row(n: &Namespace) -> Row {
    let phase = n
        .status
        .as_ref()
        .and_then(|s| s.phase.clone())
        .unwrap_or_else(|| "Active".to_string());
    Row {
        key: RowKey::new("", &name_of(&n.metadata)),
        cells: vec![
            Cell::text(name_of(&n.metadata)),
            Cell::Text(phase.clone()),
            Cell::Age(secs(n.metadata.creation_timestamp.as_ref())),
        ],
        tone: if phase == "Active" {
            Tone::Normal
        } else {
            Tone::Pending
        },
        labels: labels_of(&n.metadata),
        selector: None,
        object: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_row_counts_keys_and_strip_keeps_them() {
        let mut s: Secret = serde_json::from_value(json!({
            "metadata": {"name": "db", "namespace": "a"},
            "type": "Opaque", "data": {"user": "YWRtaW4=", "pass": "aHVudGVyMg=="}
        }))
        .unwrap();
        strip_secret_values(&mut s);
        assert!(s.data.as_ref().unwrap().values().all(|v| v.0.is_empty()));
        let r = secret_row(&s);
        assert_eq!(r.cells[2], Cell::text("2"));
        assert!(!format!("{r:?}").contains("YWRtaW4"));
    }

    #[test]
    fn service_ports_and_external() {
        let s: Service = serde_json::from_value(json!({
            "metadata": {"name": "web", "namespace": "a"},
            "spec": {"type": "LoadBalancer", "clusterIP": "10.0.0.1",
                     "ports": [{"port": 80, "nodePort": 30080}, {"port": 53, "protocol": "UDP"}]}
        }))
        .unwrap();
        let r = service_row(&s);
        assert_eq!(r.cells[3], Cell::text("<pending>"));
        assert_eq!(r.cells[4], Cell::text("80:30080/TCP,53/UDP"));
    }

    #[test]
    fn node_status_and_roles() {
        let n: Node = serde_json::from_value(json!({
            "metadata": {"name": "n1", "labels": {"node-role.kubernetes.io/control-plane": ""}},
            "spec": {"unschedulable": true},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}
        }))
        .unwrap();
        let r = node_row(&n);
        assert_eq!(r.cells[1], Cell::text("Ready,SchedulingDisabled"));
        assert_eq!(r.cells[2], Cell::text("control-plane"));
        assert_eq!(r.tone, Tone::Warning);
    }
}
