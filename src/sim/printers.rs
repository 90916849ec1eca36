//! The built-in printer functions a `kinds.yaml` cell can name: the computations kube-apiserver's
//! printers (pkg/printers/internalversion) make that are more than reading a path.
//!
//! Owns: access modes, quota usage, job status and durations, HPA targets, ingress, endpoint slice,
//! API service and CSR summaries, and the Table of a `Scale`. It must not touch the store.

use serde_json::{Value, json};

use super::cells::Special;
use super::table::{IncludeObject, human_duration, n, s};

pub(super) fn access_modes(v: &Value) -> String {
    let mut out: Vec<&str> = Vec::new();
    for m in v.as_array().into_iter().flatten() {
        let short = match m.as_str().unwrap_or("") {
            "ReadWriteOnce" => "RWO",
            "ReadOnlyMany" => "ROX",
            "ReadWriteMany" => "RWX",
            "ReadWriteOncePod" => "RWOP",
            _ => continue,
        };
        if !out.contains(&short) {
            out.push(short);
        }
    }
    out.join(",")
}

fn condition<'a>(o: &'a Value, ty: &str) -> Option<&'a Value> {
    o["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == ty && c["status"] == "True")
}

fn quota(o: &Value, limits: bool) -> String {
    let hard = o["status"]["hard"].as_object();
    let used = &o["status"]["used"];
    let mut parts: Vec<String> = hard
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.starts_with("limits.") == limits)
        .map(|(k, v)| {
            let u = used.get(k).map_or_else(|| "0".to_string(), s);
            format!("{k}: {u}/{}", s(v))
        })
        .collect();
    parts.sort();
    parts.join(", ")
}

pub(super) fn special(sp: Special, o: &Value, now: i64) -> Value {
    let st = &o["status"];
    match sp {
        Special::QuotaRequest => json!(quota(o, false)),
        Special::QuotaLimit => json!(quota(o, true)),
        Special::ControllerRef => {
            let owner = o["metadata"]["ownerReferences"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|r| r["controller"] == json!(true));
            json!(owner.map_or_else(
                || "<none>".to_string(),
                |r| {
                    let group = s(&r["apiVersion"])
                        .split_once('/')
                        .map(|(g, _)| format!(".{g}"))
                        .unwrap_or_default();
                    format!("{}{group}/{}", s(&r["kind"]).to_lowercase(), s(&r["name"]))
                }
            ))
        }
        Special::JobStatus => {
            let state = [
                "Failed",
                "Complete",
                "Suspended",
                "FailureTarget",
                "SuccessCriteriaMet",
            ]
            .into_iter()
            .find(|ty| condition(o, ty).is_some());
            json!(state.map_or("Running", |s| s))
        }
        Special::JobCompletions => {
            let done = n(&st["succeeded"]);
            match o["spec"]["completions"].as_i64() {
                Some(c) => json!(format!("{done}/{c}")),
                None => {
                    let parallelism = o["spec"]["parallelism"].as_i64().unwrap_or(1);
                    if parallelism > 1 {
                        json!(format!("{done}/1 of {parallelism}"))
                    } else {
                        json!(format!("{done}/1"))
                    }
                }
            }
        }
        Special::JobDuration => {
            let ts = |v: &Value| v.as_str().and_then(|t| t.parse::<jiff::Timestamp>().ok());
            match (ts(&st["startTime"]), ts(&st["completionTime"])) {
                (Some(start), Some(end)) => {
                    json!(human_duration(end.as_second() - start.as_second()))
                }
                (Some(start), None) => json!(human_duration(now - start.as_second())),
                _ => json!(""),
            }
        }
        Special::HpaTargets => json!(hpa_targets(o)),
        Special::IngressHosts => {
            let hosts: Vec<String> = o["spec"]["rules"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| r["host"].as_str().unwrap_or("").to_string())
                .map(|h| if h.is_empty() { "*".to_string() } else { h })
                .collect();
            json!(if hosts.is_empty() {
                "*".to_string()
            } else if hosts.len() > 4 {
                format!("{} + {} more...", hosts[..4].join(","), hosts.len() - 4)
            } else {
                hosts.join(",")
            })
        }
        Special::IngressAddress => {
            let addrs: Vec<String> = st["loadBalancer"]["ingress"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| i["ip"].as_str().or_else(|| i["hostname"].as_str()))
                .map(str::to_string)
                .collect();
            json!(addrs.join(","))
        }
        Special::IngressPorts => json!(
            if o["spec"]["tls"].as_array().is_some_and(|t| !t.is_empty()) {
                "80, 443"
            } else {
                "80"
            }
        ),
        Special::ClassParams => {
            let p = &o["spec"]["parameters"];
            json!(if p.is_null() {
                "<none>".to_string()
            } else {
                let group = p["apiGroup"]
                    .as_str()
                    .map(|g| format!(".{g}"))
                    .unwrap_or_default();
                format!("{}{group}/{}", s(&p["kind"]), s(&p["name"]))
            })
        }
        Special::SlicePorts => {
            let ports: Vec<String> = o["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| n(&p["port"]).to_string())
                .collect();
            json!(if ports.is_empty() {
                "<unset>".to_string()
            } else {
                ports.join(",")
            })
        }
        Special::SliceEndpoints => {
            let addrs: Vec<String> = o["endpoints"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|e| e["addresses"].as_array().cloned().unwrap_or_default())
                .map(|a| s(&a))
                .collect();
            json!(if addrs.is_empty() {
                "<unset>".to_string()
            } else if addrs.len() > 3 {
                format!("{} + {} more...", addrs[..3].join(","), addrs.len() - 3)
            } else {
                addrs.join(",")
            })
        }
        Special::ApiServiceService => {
            let svc = &o["spec"]["service"];
            json!(if svc.is_null() {
                "Local".to_string()
            } else {
                format!("{}/{}", s(&svc["namespace"]), s(&svc["name"]))
            })
        }
        Special::ApiServiceAvailable => {
            let c = st["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| c["type"] == "Available");
            json!(match c {
                Some(c) if c["status"] == "True" => "True".to_string(),
                Some(c) => format!("{} ({})", s(&c["status"]), s(&c["reason"])),
                None => "Unknown".to_string(),
            })
        }
        Special::CsrCondition => {
            let mut conds: Vec<String> = st["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| s(&c["type"]))
                .collect();
            if !st["certificate"].is_null() && !conds.is_empty() {
                conds.push("Issued".into());
            }
            json!(if conds.is_empty() {
                "Pending".to_string()
            } else {
                conds.join(",")
            })
        }
        Special::MissingPl => {
            let c = st["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| c["type"] == "Dangling");
            json!(c.map_or_else(|| "?".to_string(), |c| s(&c["status"])))
        }
        Special::ComponentHealth => {
            let healthy = o["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| c["type"] == "Healthy");
            json!(match healthy {
                Some(c) if c["status"] == "True" => "Healthy",
                Some(_) => "Unhealthy",
                None => "Unknown",
            })
        }
    }
}

/// kubectl's HPA Targets: `current/target` per metric, `<unknown>` before the first status.
fn hpa_targets(o: &Value) -> String {
    let specs = o["spec"]["metrics"].as_array().cloned().unwrap_or_default();
    let current = o["status"]["currentMetrics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if specs.is_empty() {
        return "<none>".into();
    }
    let mut parts = Vec::new();
    for (i, m) in specs.iter().enumerate() {
        let ty = s(&m["type"]);
        let cur = current.get(i);
        let part = match ty.as_str() {
            "Resource" | "ContainerResource" => {
                let key = if ty == "Resource" {
                    "resource"
                } else {
                    "containerResource"
                };
                let target = &m[key]["target"];
                let name = s(&m[key]["name"]);
                let cur = cur.map(|c| &c[key]["current"]);
                if let Some(util) = target["averageUtilization"].as_i64() {
                    let c = cur
                        .and_then(|c| c["averageUtilization"].as_i64())
                        .map_or_else(|| "<unknown>".to_string(), |u| format!("{u}%"));
                    format!("{name}: {c}/{util}%")
                } else {
                    let c = cur
                        .map(|c| s(&c["averageValue"]))
                        .filter(|v| !v.is_empty())
                        .unwrap_or_else(|| "<unknown>".into());
                    format!("{name}: {c}/{}", s(&target["averageValue"]))
                }
            }
            _ => {
                let key = ty.to_lowercase();
                let target = &m[key.as_str()]["target"];
                let want = [&target["averageValue"], &target["value"]]
                    .into_iter()
                    .map(s)
                    .find(|v| !v.is_empty())
                    .unwrap_or_default();
                format!("<unknown>/{want}")
            }
        };
        parts.push(part);
    }
    let more = parts.len().saturating_sub(1);
    if more > 0 {
        format!("{} + {more} more...", parts[0])
    } else {
        parts.remove(0)
    }
}

/// The Table of a `Scale` (`GET …/scale` with the Table Accept): the scale printer's columns.
pub fn scale_table(scale: &Value, include: IncludeObject) -> Value {
    let col = |name: &str, ty: &str, description: &str| json!({"name": name, "type": ty, "format": "", "description": description, "priority": 0});
    let (_, _, _, name_desc) = super::table_columns::NAME;
    let (_, _, _, age_desc) = super::table_columns::AGE;
    let now = jiff::Timestamp::now().as_second();
    let mut row = json!({"cells": [
        s(&scale["metadata"]["name"]),
        n(&scale["spec"]["replicas"]),
        n(&scale["status"]["replicas"]),
        super::table::age_of(&scale["metadata"]["creationTimestamp"], now),
    ]});
    match include {
        IncludeObject::None => row["object"] = Value::Null,
        IncludeObject::Metadata => {
            row["object"] = json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                "metadata": scale["metadata"]});
        }
        IncludeObject::Object => row["object"] = scale.clone(),
    }
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": scale["metadata"]["resourceVersion"]},
        "columnDefinitions": [
            col("Name", "string", name_desc),
            col("Desired", "integer", "replicas is the desired number of instances for the scaled object."),
            col("Available", "integer", "replicas is the actual number of observed instances of the scaled object."),
            col("Age", "string", age_desc),
        ],
        "rows": [row],
    })
}
