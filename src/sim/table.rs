//! Server-side printing: the `meta.k8s.io/v1` Table that `kubectl get` asks for, with the same columns a
//! real apiserver's printers emit (priority 1 columns show with `-o wide`).
//!
//! Owns: column definitions per kind, cell computation from stored JSON, and the apiserver's
//! `HumanDuration` for AGE. It must not touch the store.

use serde_json::{Value, json};

use super::resources::{Printer, ResourceType, idx};
use super::table_columns::{NAME, columns};

/// The `columnDefinitions` array for a kind.
pub fn column_definitions(rt: &ResourceType) -> Value {
    let def = |name: &str, ty: &str, format: &str, priority: u8, description: &str| {
        json!({
            "name": name,
            "type": ty,
            "format": format,
            "description": description,
            "priority": priority,
        })
    };
    match &rt.printer {
        Printer::Columns(cols) => {
            let (name, ty, priority, description) = NAME;
            std::iter::once(def(name, ty, "name", priority, description))
                .chain(
                    cols.iter()
                        .map(|c| def(&c.name, &c.ty, &c.format, c.priority, &c.description)),
                )
                .collect()
        }
        _ => columns(rt)
            .into_iter()
            .map(|(name, ty, priority, description)| {
                let format = if name == "Name" { "name" } else { "" };
                def(name, ty, format, priority, description)
            })
            .collect(),
    }
}

pub use crate::duration::human_duration;

pub(super) fn age_of(ts: &Value, now: i64) -> String {
    match ts.as_str().and_then(|s| s.parse::<jiff::Timestamp>().ok()) {
        Some(t) => human_duration(now - t.as_second()),
        None => "<unknown>".into(),
    }
}

pub(super) fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

pub(super) fn n(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

fn or_none(s: String) -> String {
    if s.is_empty() { "<none>".into() } else { s }
}

pub(super) fn containers_images(template_spec: &Value) -> (String, String) {
    let cs = template_spec["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let names = cs
        .iter()
        .map(|c| s(&c["name"]))
        .collect::<Vec<_>>()
        .join(",");
    let images = cs
        .iter()
        .map(|c| s(&c["image"]))
        .collect::<Vec<_>>()
        .join(",");
    (names, images)
}

pub(super) fn selector_text(sel: &Value) -> String {
    let mut parts: Vec<String> = sel["matchLabels"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| format!("{k}={}", s(v))).collect())
        .unwrap_or_default();
    if let Some(exprs) = sel["matchExpressions"].as_array() {
        for e in exprs {
            let vals: Vec<String> = e["values"]
                .as_array()
                .map(|a| a.iter().map(s).collect())
                .unwrap_or_default();
            match e["operator"].as_str().unwrap_or("") {
                "In" => parts.push(format!("{} in ({})", s(&e["key"]), vals.join(","))),
                "NotIn" => parts.push(format!("{} notin ({})", s(&e["key"]), vals.join(","))),
                "Exists" => parts.push(s(&e["key"])),
                _ => parts.push(format!("!{}", s(&e["key"]))),
            }
        }
    }
    or_none(parts.join(","))
}

/// The pod STATUS column, following kubectl's printPod.
pub fn pod_status(pod: &Value) -> String {
    let status = &pod["status"];
    let mut reason = s(&status["phase"]);
    if let Some(r) = status["reason"].as_str() {
        reason = r.to_string();
    }
    for c in status["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
        .rev()
    {
        let st = &c["state"];
        if let Some(r) = st["waiting"]["reason"].as_str().filter(|r| !r.is_empty()) {
            reason = r.to_string();
        } else if st["terminated"].is_object() {
            let t = &st["terminated"];
            reason = match t["reason"].as_str() {
                Some(r) if !r.is_empty() => r.to_string(),
                _ => format!("ExitCode:{}", n(&t["exitCode"])),
            };
        }
    }
    if !pod["metadata"]["deletionTimestamp"].is_null() {
        reason = "Terminating".into();
    }
    reason
}

fn pod_cells(o: &Value, now: i64) -> Vec<Value> {
    let spec_containers = o["spec"]["containers"].as_array().map_or(0, Vec::len);
    let statuses = o["status"]["containerStatuses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let ready = statuses
        .iter()
        .filter(|c| c["ready"] == json!(true))
        .count();
    let restarts: i64 = statuses.iter().map(|c| n(&c["restartCount"])).sum();
    let last = statuses
        .iter()
        .filter_map(|c| c["lastState"]["terminated"]["finishedAt"].as_str())
        .filter_map(|t| t.parse::<jiff::Timestamp>().ok())
        .max();
    let restarts = match last {
        Some(t) if restarts > 0 => {
            format!("{restarts} ({} ago)", human_duration(now - t.as_second()))
        }
        _ => restarts.to_string(),
    };
    let gates = o["spec"]["readinessGates"].as_array().map_or(0, Vec::len);
    vec![
        json!(s(&o["metadata"]["name"])),
        json!(format!("{ready}/{spec_containers}")),
        json!(pod_status(o)),
        json!(restarts),
        json!(age_of(&o["metadata"]["creationTimestamp"], now)),
        json!(or_none(s(&o["status"]["podIP"]))),
        json!(or_none(s(&o["spec"]["nodeName"]))),
        json!(or_none(s(&o["status"]["nominatedNodeName"]))),
        json!(if gates == 0 {
            "<none>".to_string()
        } else {
            format!("0/{gates}")
        }),
    ]
}

fn service_ports(o: &Value) -> String {
    let ports: Vec<String> = o["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let proto = p["protocol"].as_str().unwrap_or("TCP");
            match p["nodePort"].as_i64() {
                Some(np) => format!("{}:{np}/{proto}", n(&p["port"])),
                None => format!("{}/{proto}", n(&p["port"])),
            }
        })
        .collect();
    or_none(ports.join(","))
}

fn endpoints_text(o: &Value) -> String {
    let mut eps = Vec::new();
    for subset in o["subsets"].as_array().into_iter().flatten() {
        let ports: Vec<i64> = subset["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| n(&p["port"]))
            .collect();
        for a in subset["addresses"].as_array().into_iter().flatten() {
            if ports.is_empty() {
                eps.push(s(&a["ip"]));
            }
            for p in &ports {
                eps.push(format!("{}:{p}", s(&a["ip"])));
            }
        }
    }
    let total = eps.len();
    if total > 3 {
        format!("{} + {} more...", eps[..3].join(","), total - 3)
    } else {
        or_none(eps.join(","))
    }
}

fn node_cells(o: &Value, now: i64) -> Vec<Value> {
    let ready = o["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "Ready")
        .map(|c| {
            if c["status"] == "True" {
                "Ready"
            } else {
                "NotReady"
            }
        })
        .unwrap_or("Unknown");
    let mut roles: Vec<&str> = o["metadata"]["labels"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, _)| k.strip_prefix("node-role.kubernetes.io/"))
        .collect();
    roles.sort_unstable();
    let addr = |t: &str| {
        o["status"]["addresses"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["type"] == t)
            .map(|a| s(&a["address"]))
            .unwrap_or_else(|| "<none>".into())
    };
    let info = &o["status"]["nodeInfo"];
    vec![
        json!(s(&o["metadata"]["name"])),
        json!(ready),
        json!(or_none(roles.join(","))),
        json!(age_of(&o["metadata"]["creationTimestamp"], now)),
        json!(s(&info["kubeletVersion"])),
        json!(addr("InternalIP")),
        json!(addr("ExternalIP")),
        json!(s(&info["osImage"])),
        json!(s(&info["kernelVersion"])),
        json!(s(&info["containerRuntimeVersion"])),
    ]
}

fn event_cells(o: &Value, now: i64) -> Vec<Value> {
    let inv = &o["involvedObject"];
    let last = if o["lastTimestamp"].is_string() {
        &o["lastTimestamp"]
    } else {
        &o["eventTime"]
    };
    let source = match (
        o["source"]["component"].as_str(),
        o["source"]["host"].as_str(),
    ) {
        (Some(c), Some(h)) => format!("{c}, {h}"),
        (Some(c), None) => c.to_string(),
        _ => String::new(),
    };
    vec![
        json!(age_of(last, now)),
        json!(s(&o["type"])),
        json!(s(&o["reason"])),
        json!(format!(
            "{}/{}",
            s(&inv["kind"]).to_lowercase(),
            s(&inv["name"])
        )),
        json!(s(&inv["fieldPath"])),
        json!(source),
        json!(s(&o["message"]).trim().to_string()),
        json!(age_of(&o["firstTimestamp"], now)),
        // Typed "string" in the column definitions, but the event printer puts the int32 itself.
        json!(n(&o["count"])),
        json!(s(&o["metadata"]["name"])),
    ]
}

/// kubectl's RoleBinding printer: the role as `Kind/name`, then users, groups and `ns/name` accounts.
fn binding_cells(o: &Value, name: Value, age: Value) -> Vec<Value> {
    let role = format!("{}/{}", s(&o["roleRef"]["kind"]), s(&o["roleRef"]["name"]));
    let subjects = o["subjects"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let of_kind = |kind: &str| {
        subjects
            .iter()
            .filter(|x| x["kind"] == kind)
            .map(|x| {
                if kind == "ServiceAccount" {
                    format!("{}/{}", s(&x["namespace"]), s(&x["name"]))
                } else {
                    s(&x["name"])
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    vec![
        name,
        json!(role),
        age,
        json!(of_kind("User")),
        json!(of_kind("Group")),
        json!(of_kind("ServiceAccount")),
    ]
}

/// The cells of one row.
pub fn cells(rt: &ResourceType, o: &Value, now: i64) -> Vec<Value> {
    let name = json!(s(&o["metadata"]["name"]));
    match &rt.printer {
        Printer::Default => return vec![name, o["metadata"]["creationTimestamp"].clone()],
        Printer::Columns(cols) => {
            // The StorageClass printer marks the default class in its name, as kubectl shows it.
            let name =
                match o["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"]
                    .as_str()
                {
                    Some("true") if rt.kind == "StorageClass" => {
                        json!(format!("{} (default)", s(&name)))
                    }
                    _ => name,
                };
            return std::iter::once(name)
                .chain(cols.iter().map(|c| c.cell.eval(o, now)))
                .collect();
        }
        Printer::Builtin => {}
    }
    let age = json!(age_of(&o["metadata"]["creationTimestamp"], now));
    let st = &o["status"];
    match rt.index {
        idx::PODS => pod_cells(o, now),
        idx::DEPLOYMENTS => {
            let (c, i) = containers_images(&o["spec"]["template"]["spec"]);
            vec![
                name,
                json!(format!(
                    "{}/{}",
                    n(&st["readyReplicas"]),
                    n(&o["spec"]["replicas"])
                )),
                json!(n(&st["updatedReplicas"])),
                json!(n(&st["availableReplicas"])),
                age,
                json!(c),
                json!(i),
                json!(selector_text(&o["spec"]["selector"])),
            ]
        }
        idx::REPLICASETS => {
            let (c, i) = containers_images(&o["spec"]["template"]["spec"]);
            vec![
                name,
                json!(n(&o["spec"]["replicas"])),
                json!(n(&st["replicas"])),
                json!(n(&st["readyReplicas"])),
                age,
                json!(c),
                json!(i),
                json!(selector_text(&o["spec"]["selector"])),
            ]
        }
        idx::STATEFULSETS => {
            let (c, i) = containers_images(&o["spec"]["template"]["spec"]);
            vec![
                name,
                json!(format!(
                    "{}/{}",
                    n(&st["readyReplicas"]),
                    n(&o["spec"]["replicas"])
                )),
                age,
                json!(c),
                json!(i),
            ]
        }
        idx::DAEMONSETS => {
            let (c, i) = containers_images(&o["spec"]["template"]["spec"]);
            let node_sel: Vec<String> = o["spec"]["template"]["spec"]["nodeSelector"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| format!("{k}={}", s(v)))
                .collect();
            vec![
                name,
                json!(n(&st["desiredNumberScheduled"])),
                json!(n(&st["currentNumberScheduled"])),
                json!(n(&st["numberReady"])),
                json!(n(&st["updatedNumberScheduled"])),
                json!(n(&st["numberAvailable"])),
                json!(or_none(node_sel.join(","))),
                age,
                json!(c),
                json!(i),
                json!(selector_text(&o["spec"]["selector"])),
            ]
        }
        idx::SERVICES => {
            let sel: Vec<String> = o["spec"]["selector"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| format!("{k}={}", s(v)))
                .collect();
            let ext = o["spec"]["externalIPs"]
                .as_array()
                .map(|a| a.iter().map(s).collect::<Vec<_>>().join(","));
            vec![
                name,
                json!(s(&o["spec"]["type"])),
                json!(or_none(s(&o["spec"]["clusterIP"]))),
                json!(or_none(ext.unwrap_or_default())),
                json!(service_ports(o)),
                age,
                json!(or_none(sel.join(","))),
            ]
        }
        idx::ENDPOINTS => vec![name, json!(endpoints_text(o)), age],
        idx::CONFIGMAPS => {
            let data = o["data"].as_object().map_or(0, |m| m.len())
                + o["binaryData"].as_object().map_or(0, |m| m.len());
            vec![name, json!(data), age]
        }
        idx::SECRETS => {
            let data = o["data"].as_object().map_or(0, |m| m.len());
            vec![name, json!(s(&o["type"])), json!(data), age]
        }
        idx::EVENTS => event_cells(o, now),
        idx::NODES => node_cells(o, now),
        idx::ROLEBINDINGS | idx::CLUSTERROLEBINDINGS => binding_cells(o, name, age),
        _ => vec![name, json!(s(&o["status"]["phase"])), age],
    }
}

/// How much of each object a row carries (`includeObject`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeObject {
    None,
    Metadata,
    Object,
}

impl IncludeObject {
    pub fn parse(s: Option<&str>) -> Self {
        match s {
            Some("None") => IncludeObject::None,
            Some("Object") => IncludeObject::Object,
            _ => IncludeObject::Metadata,
        }
    }
}

/// One row, with the object or its metadata as asked.
pub fn row(rt: &ResourceType, o: &Value, include: IncludeObject, now: i64) -> Value {
    let mut row = json!({ "cells": cells(rt, o, now) });
    match include {
        // The key stays, with nothing in it.
        IncludeObject::None => row["object"] = Value::Null,
        IncludeObject::Metadata => {
            row["object"] = json!({
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": o["metadata"],
            });
        }
        IncludeObject::Object => row["object"] = o.clone(),
    }
    row
}

/// A whole Table.
pub fn table<'a>(
    rt: &ResourceType,
    objs: impl Iterator<Item = &'a Value>,
    include: IncludeObject,
    rv: &str,
    cont: Option<&str>,
) -> Value {
    let now = jiff::Timestamp::now().as_second();
    let mut meta = json!({ "resourceVersion": rv });
    if let Some(c) = cont {
        meta["continue"] = json!(c);
    }
    let rows: Vec<Value> = objs.map(|o| row(rt, o, include, now)).collect();
    // The default printer answers an empty list with `rows: null`, as a real apiserver does.
    let rows = if rows.is_empty() && rt.default_printer() {
        Value::Null
    } else {
        Value::Array(rows)
    };
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": meta,
        "columnDefinitions": column_definitions(rt),
        "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_duration_matches_apiserver() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(119), "119s");
        assert_eq!(human_duration(150), "2m30s");
        assert_eq!(human_duration(600), "10m");
        assert_eq!(human_duration(3 * 3600 + 60), "3h1m");
        assert_eq!(human_duration(30 * 3600), "30h");
        assert_eq!(human_duration(3 * 86400 + 3600), "3d1h");
        assert_eq!(human_duration(30 * 86400), "30d");
    }

    #[test]
    fn every_kind_has_as_many_cells_as_columns() {
        let o = json!({"metadata": {"name": "x", "creationTimestamp": "2024-01-01T00:00:00Z"}});
        for rt in crate::sim::resources::BUILTIN.iter() {
            let defs = column_definitions(rt);
            assert_eq!(
                cells(rt, &o, 0).len(),
                defs.as_array().map_or(0, Vec::len),
                "{}",
                rt.plural
            );
        }
    }

    #[test]
    fn crashloop_pod_reads_like_kubectl() {
        let p = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]},
            "status": {"phase": "Running", "containerStatuses": [{"ready": false, "restartCount": 4,
              "state": {"waiting": {"reason": "CrashLoopBackOff"}},
              "lastState": {"terminated": {"finishedAt": "2024-01-01T00:00:00Z"}}}]}});
        let now = "2024-01-01T00:05:00Z"
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_second();
        let c = cells(&crate::sim::resources::BUILTIN[idx::PODS], &p, now);
        assert_eq!(c[1], "0/1");
        assert_eq!(c[2], "CrashLoopBackOff");
        assert_eq!(c[3], "4 (5m ago)");
    }
}
