//! Cluster-scoped kinds: Nodes (with the resources their pods request) and Namespaces (with quotas and
//! limit ranges).

use serde_json::Value;

use super::Related;
use super::events::describe_events;
use super::quantity::Quantity;
use super::writer::{Doc, annotations, arr, boolean, labels_ml, s};

pub(crate) fn describe_node(
    doc: &mut Doc,
    node: &Value,
    events: Option<&[Value]>,
    related: &Related,
) {
    doc.w(
        0,
        &format!("Name:\t{}\n", s(node.pointer("/metadata/name"))),
    );
    let mut roles: Vec<String> = node
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| {
                    if let Some(role) = k.strip_prefix("node-role.kubernetes.io/") {
                        (!role.is_empty()).then(|| role.to_string())
                    } else if k == "kubernetes.io/role" && !s(Some(v)).is_empty() {
                        Some(s(Some(v)))
                    } else {
                        None
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    roles.sort();
    roles.dedup();
    let roles = if roles.is_empty() {
        "<none>".to_string()
    } else {
        roles.join(",")
    };
    doc.w(0, &format!("Roles:\t{roles}\n"));
    labels_ml(doc, "Labels", node.pointer("/metadata/labels"));
    annotations(doc, "Annotations", node.pointer("/metadata/annotations"));
    let created = doc.time(node.pointer("/metadata/creationTimestamp"));
    doc.w(0, &format!("CreationTimestamp:\t{created}\n"));
    let mut taints: Vec<&Value> = arr(node.pointer("/spec/taints")).iter().collect();
    doc.w(0, "Taints:\t");
    if taints.is_empty() {
        doc.w(0, "<none>\n");
    } else {
        taints.sort_by_key(|t| format!("{},{}", s(t.get("effect")), s(t.get("key"))));
        for (i, t) in taints.iter().enumerate() {
            if i != 0 {
                doc.w(0, "\t");
            }
            let value = s(t.get("value"));
            let kv = if value.is_empty() {
                s(t.get("key"))
            } else {
                format!("{}={value}", s(t.get("key")))
            };
            doc.w(0, &format!("{kv}:{}\n", s(t.get("effect"))));
        }
    }
    doc.w(
        0,
        &format!(
            "Unschedulable:\t{}\n",
            boolean(node.pointer("/spec/unschedulable"))
        ),
    );
    match &related.lease {
        Some(Ok(lease)) => {
            doc.w(0, "Lease:\n");
            let holder = lease
                .pointer("/spec/holderIdentity")
                .map_or("<unset>".into(), |v| s(Some(v)));
            doc.w(1, &format!("HolderIdentity:\t{holder}\n"));
            for (key, title) in [("acquireTime", "AcquireTime"), ("renewTime", "RenewTime")] {
                let v = lease.pointer(&format!("/spec/{key}"));
                let text = if v.is_some() {
                    doc.time(v)
                } else {
                    "<unset>".into()
                };
                doc.w(1, &format!("{title}:\t{text}\n"));
            }
        }
        Some(Err(e)) => doc.w(0, &format!("Lease:\tFailed to get lease: {e}\n")),
        None => {}
    }
    let conds = arr(node.pointer("/status/conditions"));
    if !conds.is_empty() {
        doc.w(
            0,
            "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n",
        );
        doc.w(
            1,
            "----\t------\t-----------------\t------------------\t------\t-------\n",
        );
        for c in conds {
            let hb = doc.time(c.get("lastHeartbeatTime"));
            let tr = doc.time(c.get("lastTransitionTime"));
            doc.w(
                1,
                &format!(
                    "{} \t{} \t{hb} \t{tr} \t{} \t{}\n",
                    s(c.get("type")),
                    s(c.get("status")),
                    s(c.get("reason")),
                    s(c.get("message"))
                ),
            );
        }
    }
    doc.w(0, "Addresses:\n");
    for a in arr(node.pointer("/status/addresses")) {
        doc.w(
            1,
            &format!("{}:\t{}\n", s(a.get("type")), s(a.get("address"))),
        );
    }
    for (key, title) in [("capacity", "Capacity"), ("allocatable", "Allocatable")] {
        let Some(m) = node
            .pointer(&format!("/status/{key}"))
            .and_then(Value::as_object)
            .filter(|m| !m.is_empty())
        else {
            continue;
        };
        doc.w(0, &format!("{title}:\n"));
        let mut kv: Vec<_> = m.iter().collect();
        kv.sort_by(|a, b| a.0.cmp(b.0));
        for (k, v) in kv {
            doc.w(0, &format!("  {k}:\t{}\n", Quantity::display(v)));
        }
    }
    doc.w(0, "System Info:\n");
    let info = node.pointer("/status/nodeInfo").unwrap_or(&Value::Null);
    for (title, key) in [
        ("Machine ID", "machineID"),
        ("System UUID", "systemUUID"),
        ("Boot ID", "bootID"),
        ("Kernel Version", "kernelVersion"),
        ("OS Image", "osImage"),
        ("Operating System", "operatingSystem"),
        ("Architecture", "architecture"),
        ("Container Runtime Version", "containerRuntimeVersion"),
        ("Kubelet Version", "kubeletVersion"),
        ("Kube-Proxy Version", "kubeProxyVersion"),
    ] {
        doc.w(0, &format!("  {title}:\t{}\n", s(info.get(key))));
    }
    let cidr = s(node.pointer("/spec/podCIDR"));
    if !cidr.is_empty() {
        doc.w(0, &format!("PodCIDR:\t{cidr}\n"));
    }
    let cidrs: Vec<String> = arr(node.pointer("/spec/podCIDRs"))
        .iter()
        .map(|c| s(Some(c)))
        .collect();
    if !cidrs.is_empty() {
        doc.w(0, &format!("PodCIDRs:\t{}\n", cidrs.join(",")));
    }
    let provider = s(node.pointer("/spec/providerID"));
    if !provider.is_empty() {
        doc.w(0, &format!("ProviderID:\t{provider}\n"));
    }
    if related.pods_forbidden {
        doc.w(0, "Pods:\tnot authorized\n");
    } else {
        describe_node_resource(doc, node, &related.pods);
    }
    if let Some(events) = events {
        describe_events(doc, events);
    }
}

/// Requests and limits of a pod as the scheduler counts them: the sum over containers, raised to the
/// largest init container, plus overhead.
/// Named quantities, in first-seen order.
type Amounts = Vec<(String, Quantity)>;

fn pod_requests_limits(pod: &Value) -> (Amounts, Amounts) {
    let mut out = (Vec::new(), Vec::new());
    for (idx, key) in [(0, "requests"), (1, "limits")] {
        let mut sum: Vec<(String, Quantity)> = Vec::new();
        let add =
            |list: &mut Vec<(String, Quantity)>, name: &str, q: Quantity, max: bool| match list
                .iter_mut()
                .find(|(n, _)| n == name)
            {
                Some((_, cur)) if max => {
                    if q.milli_value() > cur.milli_value() {
                        *cur = q;
                    }
                }
                Some((_, cur)) => cur.add(q),
                None => list.push((name.to_string(), q)),
            };
        for c in arr(pod.pointer("/spec/containers")) {
            for (name, v) in c
                .pointer(&format!("/resources/{key}"))
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if let Some(q) = Quantity::from_value(v) {
                    add(&mut sum, name, q, false);
                }
            }
        }
        for c in arr(pod.pointer("/spec/initContainers")) {
            for (name, v) in c
                .pointer(&format!("/resources/{key}"))
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if let Some(q) = Quantity::from_value(v) {
                    add(&mut sum, name, q, true);
                }
            }
        }
        for (name, v) in pod
            .pointer("/spec/overhead")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(q) = Quantity::from_value(v) {
                add(&mut sum, name, q, false);
            }
        }
        if idx == 0 { out.0 = sum } else { out.1 = sum }
    }
    out
}

fn get(list: &[(String, Quantity)], name: &str, zero: Quantity) -> Quantity {
    list.iter()
        .find(|(n, _)| n == name)
        .map_or(zero, |(_, q)| *q)
}

fn pct(part: i128, whole: i128) -> i128 {
    if whole == 0 {
        0
    } else {
        (part as f64 / whole as f64 * 100.0) as i128
    }
}

fn describe_node_resource(doc: &mut Doc, node: &Value, pods: &[Value]) {
    doc.w(
        0,
        &format!("Non-terminated Pods:\t({} in total)\n", pods.len()),
    );
    doc.w(
        1,
        "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n",
    );
    doc.w(
        1,
        "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n",
    );
    let alloc_map = node
        .pointer("/status/allocatable")
        .filter(|m| m.as_object().is_some_and(|m| !m.is_empty()))
        .or_else(|| node.pointer("/status/capacity"));
    let alloc = |name: &str| {
        alloc_map
            .and_then(|m| m.get(name))
            .and_then(Quantity::from_value)
            .unwrap_or_else(Quantity::zero_decimal)
    };
    let (cpu_alloc, mem_alloc) = (alloc("cpu").milli_value(), alloc("memory").value());
    let (zd, zb) = (Quantity::zero_decimal(), Quantity::zero_binary());
    let mut total_req: Vec<(String, Quantity)> = Vec::new();
    let mut total_lim: Vec<(String, Quantity)> = Vec::new();
    for p in pods {
        let (req, lim) = pod_requests_limits(p);
        let (cr, cl, mr, ml) = (
            get(&req, "cpu", zd),
            get(&lim, "cpu", zd),
            get(&req, "memory", zb),
            get(&lim, "memory", zb),
        );
        // Go divides by zero into +Inf/NaN and converts to int64; kdeck shows 0% for a node without
        // allocatable resources.
        doc.w(
            1,
            &format!(
                "{}\t{}\t\t{cr} ({}%)\t{cl} ({}%)\t{mr} ({}%)\t{ml} ({}%)\t{}\n",
                s(p.pointer("/metadata/namespace")),
                s(p.pointer("/metadata/name")),
                pct(cr.milli_value(), cpu_alloc),
                pct(cl.milli_value(), cpu_alloc),
                pct(mr.value(), mem_alloc),
                pct(ml.value(), mem_alloc),
                doc.age(p.pointer("/metadata/creationTimestamp"))
            ),
        );
        for (list, add) in [(&mut total_req, req), (&mut total_lim, lim)] {
            for (name, q) in add {
                match list.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, cur)) => cur.add(q),
                    None => list.push((name, q)),
                }
            }
        }
    }
    doc.w(
        0,
        "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n",
    );
    doc.w(1, "Resource\tRequests\tLimits\n");
    doc.w(1, "--------\t--------\t------\n");
    let eph_alloc = alloc("ephemeral-storage").value();
    for (name, zero, whole, milli) in [
        ("cpu", zd, cpu_alloc, true),
        ("memory", zb, mem_alloc, false),
        ("ephemeral-storage", zb, eph_alloc, false),
    ] {
        let (r, l) = (get(&total_req, name, zero), get(&total_lim, name, zero));
        let (rv, lv) = if milli {
            (r.milli_value(), l.milli_value())
        } else {
            (r.value(), l.value())
        };
        doc.w(
            1,
            &format!(
                "{name}\t{r} ({}%)\t{l} ({}%)\n",
                pct(rv, whole),
                pct(lv, whole)
            ),
        );
    }
    let mut extended: Vec<String> = alloc_map
        .and_then(Value::as_object)
        .map(|m| {
            m.keys()
                .filter(|k| {
                    !k.starts_with("hugepages-")
                        && k.contains('/')
                        && !k.starts_with("kubernetes.io/")
                        && !k.starts_with("requests.")
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let mut huge: Vec<String> = alloc_map
        .and_then(Value::as_object)
        .map(|m| {
            m.keys()
                .filter(|k| k.starts_with("hugepages-"))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    huge.sort();
    extended.sort();
    for name in huge {
        let (r, l) = (get(&total_req, &name, zb), get(&total_lim, &name, zb));
        let whole = alloc(&name).value();
        doc.w(
            1,
            &format!(
                "{name}\t{r} ({}%)\t{l} ({}%)\n",
                pct(r.value(), whole),
                pct(l.value(), whole)
            ),
        );
    }
    for name in extended {
        let (r, l) = (get(&total_req, &name, zd), get(&total_lim, &name, zd));
        doc.w(1, &format!("{name}\t{r}\t{l}\n"));
    }
}

pub(crate) fn describe_namespace(doc: &mut Doc, ns: &Value, related: &Related) {
    doc.w(0, &format!("Name:\t{}\n", s(ns.pointer("/metadata/name"))));
    labels_ml(doc, "Labels", ns.pointer("/metadata/labels"));
    annotations(doc, "Annotations", ns.pointer("/metadata/annotations"));
    doc.w(0, &format!("Status:\t{}\n", s(ns.pointer("/status/phase"))));
    let conds = arr(ns.pointer("/status/conditions"));
    if !conds.is_empty() {
        doc.w(0, "Conditions:\n");
        doc.w(1, "Type\tStatus\tLastTransitionTime\tReason\tMessage\n");
        doc.w(1, "----\t------\t------------------\t------\t-------\n");
        for c in conds {
            let t = doc.time(c.get("lastTransitionTime"));
            doc.w(
                1,
                &format!(
                    "{}\t{}\t{t}\t{}\t{}\n",
                    s(c.get("type")),
                    s(c.get("status")),
                    s(c.get("reason")),
                    s(c.get("message"))
                ),
            );
        }
    }
    if let Some(quotas) = &related.resource_quotas {
        doc.w(0, "\n");
        if quotas.is_empty() {
            doc.w(0, "No resource quota.\n");
        } else {
            let mut quotas: Vec<&Value> = quotas.iter().collect();
            quotas.sort_by_key(|q| s(q.pointer("/metadata/name")));
            doc.w(0, "Resource Quotas\n");
            for q in quotas {
                doc.w(1, &format!("Name:\t{}\n", s(q.pointer("/metadata/name"))));
                doc.w(1, "Resource\tUsed\tHard\n");
                doc.w(1, "--------\t---\t---\n");
                let mut hard: Vec<_> = q
                    .pointer("/status/hard")
                    .and_then(Value::as_object)
                    .map(|m| m.iter().collect())
                    .unwrap_or_default();
                hard.sort_by(|a: &(&String, &Value), b| a.0.cmp(b.0));
                for (name, h) in hard {
                    let used = q
                        .pointer(&format!(
                            "/status/used/{}",
                            name.replace('~', "~0").replace('/', "~1")
                        ))
                        .map_or("0".to_string(), Quantity::display);
                    doc.w(1, &format!("{name}\t{used}\t{}\n", Quantity::display(h)));
                }
            }
        }
    }
    if let Some(limits) = &related.limit_ranges {
        doc.w(0, "\n");
        if limits.is_empty() {
            doc.w(0, "No LimitRange resource.\n");
        } else {
            doc.w(0, "Resource Limits\n Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n");
            doc.w(0, " ----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n");
            for lr in limits {
                for item in arr(lr.pointer("/spec/limits")) {
                    let mut names: Vec<String> = [
                        "max",
                        "min",
                        "default",
                        "defaultRequest",
                        "maxLimitRequestRatio",
                    ]
                    .iter()
                    .filter_map(|k| item.get(*k).and_then(Value::as_object))
                    .flat_map(|m| m.keys().cloned())
                    .collect();
                    names.sort();
                    names.dedup();
                    for name in names {
                        let cell = |k: &str| {
                            item.get(k)
                                .and_then(|m| m.get(&name))
                                .map_or("-".to_string(), Quantity::display)
                        };
                        doc.w(
                            0,
                            &format!(
                                " {}\t{name}\t{}\t{}\t{}\t{}\t{}\n",
                                s(item.get("type")),
                                cell("min"),
                                cell("max"),
                                cell("defaultRequest"),
                                cell("default"),
                                cell("maxLimitRequestRatio")
                            ),
                        );
                    }
                }
            }
        }
    }
}
