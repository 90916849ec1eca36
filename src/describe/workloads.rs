//! Deployments, ReplicaSets, StatefulSets and DaemonSets: the controller summary, the pod template and
//! the pods the controller owns.

use serde_json::Value;

use super::Related;
use super::events::describe_events;
use super::pod::describe_pod_template;
use super::writer::{
    Doc, annotations, arr, format_label_selector, format_labels, int, int_or_string, labels_ml, s,
    selector_string,
};

/// `getPodStatusForController`: phases of the pods whose controller is `obj`.
fn pod_counts(obj: &Value, related: &Related) -> (usize, usize, usize, usize) {
    let uid = s(obj.pointer("/metadata/uid"));
    let mut counts = (0, 0, 0, 0);
    for p in &related.pods {
        let owned = arr(p.pointer("/metadata/ownerReferences")).iter().any(|r| {
            r.get("controller").and_then(Value::as_bool) == Some(true) && s(r.get("uid")) == uid
        });
        if !owned {
            continue;
        }
        match s(p.pointer("/status/phase")).as_str() {
            "Running" => counts.0 += 1,
            "Pending" => counts.1 += 1,
            "Succeeded" => counts.2 += 1,
            "Failed" => counts.3 += 1,
            _ => {}
        }
    }
    counts
}

fn pods_status(doc: &mut Doc, (r, w, su, f): (usize, usize, usize, usize)) {
    doc.w(
        0,
        &format!("Pods Status:\t{r} Running / {w} Waiting / {su} Succeeded / {f} Failed\n"),
    );
}

fn conditions(doc: &mut Doc, obj: &Value) {
    let conds = arr(obj.pointer("/status/conditions"));
    if conds.is_empty() {
        return;
    }
    doc.w(0, "Conditions:\n  Type\tStatus\tReason\n");
    doc.w(1, "----\t------\t------\n");
    for c in conds {
        doc.w(
            1,
            &format!(
                "{} \t{}\t{}\n",
                s(c.get("type")),
                s(c.get("status")),
                s(c.get("reason"))
            ),
        );
    }
}

fn name_ns(doc: &mut Doc, obj: &Value) {
    doc.w(0, &format!("Name:\t{}\n", s(obj.pointer("/metadata/name"))));
    doc.w(
        0,
        &format!("Namespace:\t{}\n", s(obj.pointer("/metadata/namespace"))),
    );
}

pub(crate) fn describe_deployment(
    doc: &mut Doc,
    d: &Value,
    events: Option<&[Value]>,
    related: &Related,
) {
    name_ns(doc, d);
    let created = doc.time(d.pointer("/metadata/creationTimestamp"));
    doc.w(0, &format!("CreationTimestamp:\t{created}\n"));
    labels_ml(doc, "Labels", d.pointer("/metadata/labels"));
    annotations(doc, "Annotations", d.pointer("/metadata/annotations"));
    doc.w(
        0,
        &format!(
            "Selector:\t{}\n",
            selector_string(d.pointer("/spec/selector"))
        ),
    );
    let st = d.get("status").unwrap_or(&Value::Null);
    doc.w(
        0,
        &format!(
            "Replicas:\t{} desired | {} updated | {} total | {} available | {} unavailable\n",
            int(d.pointer("/spec/replicas")),
            int(st.get("updatedReplicas")),
            int(st.get("replicas")),
            int(st.get("availableReplicas")),
            int(st.get("unavailableReplicas"))
        ),
    );
    doc.w(
        0,
        &format!("StrategyType:\t{}\n", s(d.pointer("/spec/strategy/type"))),
    );
    doc.w(
        0,
        &format!(
            "MinReadySeconds:\t{}\n",
            int(d.pointer("/spec/minReadySeconds"))
        ),
    );
    if let Some(ru) = d.pointer("/spec/strategy/rollingUpdate") {
        doc.w(
            0,
            &format!(
                "RollingUpdateStrategy:\t{} max unavailable, {} max surge\n",
                int_or_string(ru.get("maxUnavailable")),
                int_or_string(ru.get("maxSurge"))
            ),
        );
    }
    describe_pod_template(doc, d.pointer("/spec/template"));
    conditions(doc, d);
    let (old, new) = split_replicasets(d, &related.replicasets);
    if !old.is_empty() || !new.is_empty() {
        doc.w(0, &format!("OldReplicaSets:\t{}\n", rs_list(&old)));
        doc.w(0, &format!("NewReplicaSet:\t{}\n", rs_list(&new)));
    }
    if let Some(events) = events {
        describe_events(doc, events);
    }
}

/// The deployment's ReplicaSets split as kubectl's deploymentutil does: the new one is the oldest owned
/// ReplicaSet whose pod template equals the deployment's (ignoring the pod-template-hash label); every
/// other owned ReplicaSet is old.
fn split_replicasets<'a>(d: &Value, all: &'a [Value]) -> (Vec<&'a Value>, Vec<&'a Value>) {
    let uid = s(d.pointer("/metadata/uid"));
    let mut owned: Vec<&Value> = all
        .iter()
        .filter(|rs| {
            arr(rs.pointer("/metadata/ownerReferences"))
                .iter()
                .any(|r| {
                    r.get("controller").and_then(Value::as_bool) == Some(true)
                        && s(r.get("uid")) == uid
                })
        })
        .collect();
    owned.sort_by_key(|rs| s(rs.pointer("/metadata/creationTimestamp")));
    let strip = |t: Option<&Value>| {
        let mut t = t.cloned().unwrap_or(Value::Null);
        if let Some(labels) = t
            .pointer_mut("/metadata/labels")
            .and_then(Value::as_object_mut)
        {
            labels.remove("pod-template-hash");
        }
        prune(&mut t);
        t
    };
    let want = strip(d.pointer("/spec/template"));
    let new_idx = owned
        .iter()
        .position(|rs| strip(rs.pointer("/spec/template")) == want);
    let new: Vec<&Value> = new_idx.map(|i| owned[i]).into_iter().collect();
    let old: Vec<&Value> = owned
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != new_idx)
        .map(|(_, rs)| *rs)
        .collect();
    (old, new)
}

/// Drops nulls and empty objects/lists, so a template read through a typed client (which may add or
/// omit empty fields) compares equal to the same template read raw.
fn prune(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for child in m.values_mut() {
                prune(child);
            }
            m.retain(|_, c| !is_empty(c));
        }
        Value::Array(a) => {
            for child in a.iter_mut() {
                prune(child);
            }
        }
        _ => {}
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn rs_list(list: &[&Value]) -> String {
    if list.is_empty() {
        return "<none>".into();
    }
    list.iter()
        .map(|rs| {
            format!(
                "{} ({}/{} replicas created)",
                s(rs.pointer("/metadata/name")),
                int(rs.pointer("/status/replicas")),
                int(rs.pointer("/spec/replicas"))
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn describe_replicaset(
    doc: &mut Doc,
    rs: &Value,
    events: Option<&[Value]>,
    related: &Related,
) {
    name_ns(doc, rs);
    doc.w(
        0,
        &format!(
            "Selector:\t{}\n",
            format_label_selector(rs.pointer("/spec/selector"))
        ),
    );
    labels_ml(doc, "Labels", rs.pointer("/metadata/labels"));
    annotations(doc, "Annotations", rs.pointer("/metadata/annotations"));
    if let Some(c) = super::writer::controlled_by(rs) {
        doc.w(0, &format!("Controlled By:\t{c}\n"));
    }
    doc.w(
        0,
        &format!(
            "Replicas:\t{} current / {} desired\n",
            int(rs.pointer("/status/replicas")),
            int(rs.pointer("/spec/replicas"))
        ),
    );
    pods_status(doc, pod_counts(rs, related));
    describe_pod_template(doc, rs.pointer("/spec/template"));
    conditions(doc, rs);
    if let Some(events) = events {
        describe_events(doc, events);
    }
}

pub(crate) fn describe_statefulset(
    doc: &mut Doc,
    ss: &Value,
    events: Option<&[Value]>,
    related: &Related,
) {
    name_ns(doc, ss);
    let created = doc.time(ss.pointer("/metadata/creationTimestamp"));
    doc.w(0, &format!("CreationTimestamp:\t{created}\n"));
    doc.w(
        0,
        &format!(
            "Selector:\t{}\n",
            selector_string(ss.pointer("/spec/selector"))
        ),
    );
    labels_ml(doc, "Labels", ss.pointer("/metadata/labels"));
    annotations(doc, "Annotations", ss.pointer("/metadata/annotations"));
    doc.w(
        0,
        &format!(
            "Replicas:\t{} desired | {} total\n",
            int(ss.pointer("/spec/replicas")),
            int(ss.pointer("/status/replicas"))
        ),
    );
    doc.w(
        0,
        &format!(
            "Update Strategy:\t{}\n",
            s(ss.pointer("/spec/updateStrategy/type"))
        ),
    );
    if let Some(ru) = ss.pointer("/spec/updateStrategy/rollingUpdate")
        && let Some(p) = ru.get("partition").and_then(Value::as_i64)
    {
        doc.w(1, &format!("Partition:\t{p}\n"));
        if ru.get("maxUnavailable").is_some() {
            doc.w(
                1,
                &format!(
                    "MaxUnavailable:\t{}\n",
                    int_or_string(ru.get("maxUnavailable"))
                ),
            );
        }
    }
    pods_status(doc, pod_counts(ss, related));
    describe_pod_template(doc, ss.pointer("/spec/template"));
    let templates = arr(ss.pointer("/spec/volumeClaimTemplates"));
    if templates.is_empty() {
        doc.w(0, "Volume Claims:\t<none>\n");
    } else {
        doc.w(0, "Volume Claims:\n");
        for pvc in templates {
            doc.w(1, &format!("Name:\t{}\n", s(pvc.pointer("/metadata/name"))));
            doc.w(
                1,
                &format!(
                    "StorageClass:\t{}\n",
                    s(pvc.pointer("/spec/storageClassName"))
                ),
            );
            super::writer::labels(doc, "  ", "Labels", "\t", pvc.pointer("/metadata/labels"));
            super::writer::labels(
                doc,
                "  ",
                "Annotations",
                "\t",
                pvc.pointer("/metadata/annotations"),
            );
            let cap = pvc
                .pointer("/spec/resources/requests/storage")
                .map_or("<default>".to_string(), super::quantity::Quantity::display);
            doc.w(1, &format!("Capacity:\t{cap}\n"));
            let modes: Vec<String> = arr(pvc.pointer("/spec/accessModes"))
                .iter()
                .map(|m| s(Some(m)))
                .collect();
            doc.w(1, &format!("Access Modes:\t[{}]\n", modes.join(" ")));
        }
    }
    if let Some(events) = events {
        describe_events(doc, events);
    }
}

pub(crate) fn describe_daemonset(
    doc: &mut Doc,
    ds: &Value,
    events: Option<&[Value]>,
    related: &Related,
) {
    doc.w(0, &format!("Name:\t{}\n", s(ds.pointer("/metadata/name"))));
    doc.w(
        0,
        &format!(
            "Selector:\t{}\n",
            selector_string(ds.pointer("/spec/selector"))
        ),
    );
    let node_sel = format_labels(ds.pointer("/spec/template/spec/nodeSelector"));
    doc.w(0, &format!("Node-Selector:\t{node_sel}\n"));
    labels_ml(doc, "Labels", ds.pointer("/metadata/labels"));
    annotations(doc, "Annotations", ds.pointer("/metadata/annotations"));
    let st = ds.get("status").unwrap_or(&Value::Null);
    for (title, key) in [
        (
            "Desired Number of Nodes Scheduled",
            "desiredNumberScheduled",
        ),
        (
            "Current Number of Nodes Scheduled",
            "currentNumberScheduled",
        ),
        (
            "Number of Nodes Scheduled with Up-to-date Pods",
            "updatedNumberScheduled",
        ),
        (
            "Number of Nodes Scheduled with Available Pods",
            "numberAvailable",
        ),
        ("Number of Nodes Misscheduled", "numberMisscheduled"),
    ] {
        doc.w(0, &format!("{title}: {}\n", int(st.get(key))));
    }
    pods_status(doc, pod_counts(ds, related));
    describe_pod_template(doc, ds.pointer("/spec/template"));
    if let Some(events) = events {
        describe_events(doc, events);
    }
}
