//! Pods, and the pieces of a pod every workload shows: containers, volumes and the pod template.

use serde_json::Value;

use super::containers::{describe_containers, describe_resources};
use super::events::describe_events;
use super::quantity::Quantity;
use super::writer::{
    Doc, annotations, arr, boolean, controlled_by, int, labels, labels_ml, s, tolerations,
};

pub(crate) fn describe_pod(doc: &mut Doc, pod: &Value, events: Option<&[Value]>) {
    let spec = pod.get("spec").unwrap_or(&Value::Null);
    let status = pod.get("status").unwrap_or(&Value::Null);
    doc.w(0, &format!("Name:\t{}\n", s(pod.pointer("/metadata/name"))));
    doc.w(
        0,
        &format!("Namespace:\t{}\n", s(pod.pointer("/metadata/namespace"))),
    );
    if let Some(p) = spec.get("priority").and_then(Value::as_i64) {
        doc.w(0, &format!("Priority:\t{p}\n"));
    }
    let pcn = s(spec.get("priorityClassName"));
    if !pcn.is_empty() {
        doc.w(0, &format!("Priority Class Name:\t{pcn}\n"));
    }
    let rcn = s(spec.get("runtimeClassName"));
    if !rcn.is_empty() {
        doc.w(0, &format!("Runtime Class Name:\t{rcn}\n"));
    }
    let sa = s(spec.get("serviceAccountName"));
    if !sa.is_empty() {
        doc.w(0, &format!("Service Account:\t{sa}\n"));
    }
    let node = s(spec.get("nodeName"));
    if node.is_empty() {
        doc.w(0, "Node:\t<none>\n");
    } else {
        doc.w(0, &format!("Node:\t{node}/{}\n", s(status.get("hostIP"))));
    }
    if status.get("startTime").is_some() {
        let t = doc.time(status.get("startTime"));
        doc.w(0, &format!("Start Time:\t{t}\n"));
    }
    labels_ml(doc, "Labels", pod.pointer("/metadata/labels"));
    annotations(doc, "Annotations", pod.pointer("/metadata/annotations"));
    let phase = s(status.get("phase"));
    if pod.pointer("/metadata/deletionTimestamp").is_some()
        && phase != "Failed"
        && phase != "Succeeded"
    {
        let age = doc.age(pod.pointer("/metadata/deletionTimestamp"));
        doc.w(0, &format!("Status:\tTerminating (lasts {age})\n"));
        let grace = int(pod.pointer("/metadata/deletionGracePeriodSeconds"));
        doc.w(0, &format!("Termination Grace Period:\t{grace}s\n"));
    } else {
        doc.w(0, &format!("Status:\t{phase}\n"));
    }
    for (key, title) in [("reason", "Reason"), ("message", "Message")] {
        let v = s(status.get(key));
        if !v.is_empty() {
            doc.w(0, &format!("{title}:\t{v}\n"));
        }
    }
    if let Some(sp) = spec.pointer("/securityContext/seccompProfile") {
        doc.w(0, &format!("SeccompProfile:\t{}\n", s(sp.get("type"))));
        if s(sp.get("type")) == "Localhost" {
            doc.w(
                0,
                &format!("LocalhostProfile:\t{}\n", s(sp.get("localhostProfile"))),
            );
        }
    }
    doc.w(0, &format!("IP:\t{}\n", s(status.get("podIP"))));
    let ips = arr(status.get("podIPs"));
    if ips.is_empty() {
        doc.w(0, "IPs:\t<none>\n");
    } else {
        doc.w(0, "IPs:\n");
        for ip in ips {
            doc.w(1, &format!("IP:\t{}\n", s(ip.get("ip"))));
        }
    }
    if let Some(c) = controlled_by(pod) {
        doc.w(0, &format!("Controlled By:\t{c}\n"));
    }
    let nominated = s(status.get("nominatedNodeName"));
    if !nominated.is_empty() {
        doc.w(0, &format!("NominatedNodeName:\t{nominated}\n"));
    }
    if let Some(r) = spec.get("resources") {
        doc.w(0, "Resources:\n");
        describe_resources(doc, Some(r), 1);
    }
    let statuses = |key: &str| arr(status.get(key)).to_vec();
    if !arr(spec.get("initContainers")).is_empty() {
        let st = statuses("initContainerStatuses");
        describe_containers(
            doc,
            "Init Containers",
            arr(spec.get("initContainers")),
            Some(&st),
            "",
            Some(pod),
        );
    }
    let st = statuses("containerStatuses");
    describe_containers(
        doc,
        "Containers",
        arr(spec.get("containers")),
        Some(&st),
        "",
        Some(pod),
    );
    if !arr(spec.get("ephemeralContainers")).is_empty() {
        let st = statuses("ephemeralContainerStatuses");
        describe_containers(
            doc,
            "Ephemeral Containers",
            arr(spec.get("ephemeralContainers")),
            Some(&st),
            "",
            Some(pod),
        );
    }
    let conditions = arr(status.get("conditions"));
    let gates = arr(spec.get("readinessGates"));
    if !gates.is_empty() {
        doc.w(0, "Readiness Gates:\n  Type\tStatus\n");
        for g in gates {
            let ty = s(g.get("conditionType"));
            let st = conditions
                .iter()
                .find(|c| s(c.get("type")) == ty)
                .map_or("<none>".to_string(), |c| s(c.get("status")));
            doc.w(1, &format!("{ty} \t{st} \n"));
        }
    }
    if !conditions.is_empty() {
        doc.w(0, "Conditions:\n  Type\tStatus\n");
        for c in conditions {
            doc.w(
                1,
                &format!("{} \t{} \n", s(c.get("type")), s(c.get("status"))),
            );
        }
    }
    describe_volumes(doc, arr(spec.get("volumes")), "");
    doc.w(0, &format!("QoS Class:\t{}\n", qos_class(pod)));
    labels_ml(doc, "Node-Selectors", spec.get("nodeSelector"));
    tolerations(doc, "", "Tolerations", "\t", arr(spec.get("tolerations")));
    describe_topology_spread(doc, arr(spec.get("topologySpreadConstraints")), "");
    if let Some(events) = events {
        describe_events(doc, events);
    }
}

fn describe_topology_spread(doc: &mut Doc, tscs: &[Value], space: &str) {
    if tscs.is_empty() {
        return;
    }
    let mut list: Vec<&Value> = tscs.iter().collect();
    list.sort_by_key(|t| s(t.get("topologyKey")));
    doc.w(0, &format!("{space}Topology Spread Constraints:\t"));
    for (i, t) in list.iter().enumerate() {
        if i != 0 {
            doc.w(0, space);
            doc.w(0, "\t");
        }
        let mut line = format!(
            "{}:{} when max skew {} is exceeded",
            s(t.get("topologyKey")),
            s(t.get("whenUnsatisfiable")),
            int(t.get("maxSkew"))
        );
        if t.get("labelSelector").is_some() {
            line.push_str(&format!(
                " for selector {}",
                super::writer::format_label_selector(t.get("labelSelector"))
            ));
        }
        doc.w(0, &format!("{line}\n"));
    }
}

pub(crate) fn describe_volumes(doc: &mut Doc, volumes: &[Value], space: &str) {
    if volumes.is_empty() {
        doc.w(0, &format!("{space}Volumes:\t<none>\n"));
        return;
    }
    doc.w(0, &format!("{space}Volumes:\n"));
    for v in volumes {
        let indent = if space.is_empty() { "" } else { " " };
        doc.w(1, &format!("{indent}{}:\n", s(v.get("name"))));
        if let Some(h) = v.get("hostPath") {
            let ty = h.get("type").map_or("<none>".to_string(), |t| s(Some(t)));
            doc.w(
                2,
                &format!(
                    "Type:\tHostPath (bare host directory volume)\n    Path:\t{}\n    HostPathType:\t{ty}\n",
                    s(h.get("path"))
                ),
            );
        } else if let Some(e) = v.get("emptyDir") {
            let limit = e
                .get("sizeLimit")
                .map(Quantity::display)
                .filter(|q| q != "0")
                .unwrap_or_else(|| "<unset>".into());
            doc.w(
                2,
                &format!(
                    "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t{}\n    SizeLimit:\t{limit}\n",
                    s(e.get("medium"))
                ),
            );
        } else if let Some(sec) = v.get("secret") {
            doc.w(
                2,
                &format!(
                    "Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t{}\n    Optional:\t{}\n",
                    s(sec.get("secretName")),
                    boolean(sec.get("optional"))
                ),
            );
        } else if let Some(cm) = v.get("configMap") {
            doc.w(
                2,
                &format!(
                    "Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t{}\n    Optional:\t{}\n",
                    s(cm.get("name")),
                    boolean(cm.get("optional"))
                ),
            );
        } else if let Some(pvc) = v.get("persistentVolumeClaim") {
            doc.w(
                2,
                &format!(
                    "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t{}\n    ReadOnly:\t{}\n",
                    s(pvc.get("claimName")),
                    boolean(pvc.get("readOnly"))
                ),
            );
        } else if let Some(d) = v.get("downwardAPI") {
            doc.w(2, "Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n");
            for item in arr(d.get("items")) {
                if let Some(f) = item.get("fieldRef") {
                    doc.w(
                        3,
                        &format!("{} -> {}\n", s(f.get("fieldPath")), s(item.get("path"))),
                    );
                }
                if let Some(f) = item.get("resourceFieldRef") {
                    doc.w(
                        3,
                        &format!("{} -> {}\n", s(f.get("resource")), s(item.get("path"))),
                    );
                }
            }
        } else if let Some(p) = v.get("projected") {
            doc.w(
                2,
                "Type:\tProjected (a volume that contains injected data from multiple sources)\n",
            );
            // kubectl prints the Optional pointers with %v (an address); kdeck prints their value.
            let opt = |x: Option<&Value>| x.map_or("<nil>".to_string(), |b| s(Some(b)));
            for src in arr(p.get("sources")) {
                if let Some(sec) = src.get("secret") {
                    doc.w(
                        2,
                        &format!(
                            "SecretName:\t{}\n    SecretOptionalName:\t{}\n",
                            s(sec.get("name")),
                            opt(sec.get("optional"))
                        ),
                    );
                } else if src.get("downwardAPI").is_some() {
                    doc.w(2, "DownwardAPI:\ttrue\n");
                } else if let Some(cm) = src.get("configMap") {
                    doc.w(
                        2,
                        &format!(
                            "ConfigMapName:\t{}\n    ConfigMapOptional:\t{}\n",
                            s(cm.get("name")),
                            opt(cm.get("optional"))
                        ),
                    );
                } else if let Some(t) = src.get("serviceAccountToken") {
                    doc.w(
                        2,
                        &format!(
                            "TokenExpirationSeconds:\t{}\n",
                            int(t.get("expirationSeconds"))
                        ),
                    );
                }
            }
        } else {
            doc.w(1, "<unknown>\n");
        }
    }
}

/// `DescribePodTemplate`.
pub(crate) fn describe_pod_template(doc: &mut Doc, template: Option<&Value>) {
    doc.w(0, "Pod Template:\n");
    let Some(t) = template else {
        doc.w(1, "<unset>");
        return;
    };
    let spec = t.get("spec").unwrap_or(&Value::Null);
    labels_ml(doc, "  Labels", t.pointer("/metadata/labels"));
    if t.pointer("/metadata/annotations")
        .and_then(Value::as_object)
        .is_some_and(|m| !m.is_empty())
    {
        annotations(doc, "  Annotations", t.pointer("/metadata/annotations"));
    }
    let sa = s(spec.get("serviceAccountName"));
    if !sa.is_empty() {
        doc.w(1, &format!("Service Account:\t{sa}\n"));
    }
    if !arr(spec.get("initContainers")).is_empty() {
        describe_containers(
            doc,
            "Init Containers",
            arr(spec.get("initContainers")),
            None,
            "  ",
            None,
        );
    }
    describe_containers(
        doc,
        "Containers",
        arr(spec.get("containers")),
        None,
        "  ",
        None,
    );
    describe_volumes(doc, arr(spec.get("volumes")), "  ");
    describe_topology_spread(doc, arr(spec.get("topologySpreadConstraints")), "  ");
    let pcn = s(spec.get("priorityClassName"));
    if !pcn.is_empty() {
        doc.w(1, &format!("Priority Class Name:\t{pcn}\n"));
    }
    labels(doc, "", "  Node-Selectors", "\t", spec.get("nodeSelector"));
    tolerations(doc, "", "  Tolerations", "\t", arr(spec.get("tolerations")));
}

/// The pod's QoS class: the recorded one, else computed as the kubelet does (cpu and memory only).
pub(crate) fn qos_class(pod: &Value) -> String {
    let recorded = s(pod.pointer("/status/qosClass"));
    if !recorded.is_empty() {
        return recorded;
    }
    let containers: Vec<&Value> = ["containers", "initContainers"]
        .iter()
        .flat_map(|k| arr(pod.pointer(&format!("/spec/{k}"))))
        .collect();
    let mut any = false;
    let mut guaranteed = true;
    for c in &containers {
        for res in ["cpu", "memory"] {
            let req = c
                .pointer(&format!("/resources/requests/{res}"))
                .map(Quantity::display);
            let lim = c
                .pointer(&format!("/resources/limits/{res}"))
                .map(Quantity::display);
            if req.as_deref().is_some_and(|q| q != "0") || lim.as_deref().is_some_and(|q| q != "0")
            {
                any = true;
            }
            match (&req, &lim) {
                (_, None) => guaranteed = false,
                (Some(r), Some(l)) if Quantity::parse(r) != Quantity::parse(l) => {
                    guaranteed = false
                }
                _ => {}
            }
        }
    }
    if !any {
        "BestEffort".into()
    } else if guaranteed {
        "Guaranteed".into()
    } else {
        "Burstable".into()
    }
}
