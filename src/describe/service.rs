//! Services, with their endpoints as kubectl reads them from EndpointSlices.

use serde_json::Value;

use super::events::describe_events;
use super::writer::{Doc, annotations, arr, format_labels, int, labels_ml, s};

pub(crate) fn describe_service(
    doc: &mut Doc,
    svc: &Value,
    events: Option<&[Value]>,
    slices: &[Value],
) {
    let spec = svc.get("spec").unwrap_or(&Value::Null);
    doc.w(0, &format!("Name:\t{}\n", s(svc.pointer("/metadata/name"))));
    doc.w(
        0,
        &format!("Namespace:\t{}\n", s(svc.pointer("/metadata/namespace"))),
    );
    labels_ml(doc, "Labels", svc.pointer("/metadata/labels"));
    annotations(doc, "Annotations", svc.pointer("/metadata/annotations"));
    doc.w(
        0,
        &format!("Selector:\t{}\n", format_labels(spec.get("selector"))),
    );
    doc.w(0, &format!("Type:\t{}\n", s(spec.get("type"))));
    if spec.get("ipFamilyPolicy").is_some() {
        doc.w(
            0,
            &format!("IP Family Policy:\t{}\n", s(spec.get("ipFamilyPolicy"))),
        );
    }
    let families: Vec<String> = arr(spec.get("ipFamilies"))
        .iter()
        .map(|f| s(Some(f)))
        .collect();
    let families = if families.is_empty() {
        "<none>".to_string()
    } else {
        families.join(",")
    };
    doc.w(0, &format!("IP Families:\t{families}\n"));
    doc.w(0, &format!("IP:\t{}\n", s(spec.get("clusterIP"))));
    let ips: Vec<String> = arr(spec.get("clusterIPs"))
        .iter()
        .map(|f| s(Some(f)))
        .collect();
    let ips = if ips.is_empty() {
        "<none>".to_string()
    } else {
        ips.join(",")
    };
    doc.w(0, &format!("IPs:\t{ips}\n"));
    let external: Vec<String> = arr(spec.get("externalIPs"))
        .iter()
        .map(|f| s(Some(f)))
        .collect();
    if !external.is_empty() {
        doc.w(0, &format!("External IPs:\t{}\n", external.join(",")));
    }
    let lb_ip = s(spec.get("loadBalancerIP"));
    if !lb_ip.is_empty() {
        doc.w(0, &format!("Desired LoadBalancer IP:\t{lb_ip}\n"));
    }
    let ext_name = s(spec.get("externalName"));
    if !ext_name.is_empty() {
        doc.w(0, &format!("External Name:\t{ext_name}\n"));
    }
    let ingress = arr(svc.pointer("/status/loadBalancer/ingress"));
    if !ingress.is_empty() {
        let list: Vec<String> = ingress
            .iter()
            .map(|i| {
                let ip = s(i.get("ip"));
                if ip.is_empty() {
                    s(i.get("hostname"))
                } else {
                    ip
                }
            })
            .collect();
        doc.w(0, &format!("LoadBalancer Ingress:\t{}\n", list.join(", ")));
    }
    for sp in arr(spec.get("ports")) {
        let raw_name = s(sp.get("name"));
        let name = if raw_name.is_empty() {
            "<unset>".to_string()
        } else {
            raw_name.clone()
        };
        let proto = s(sp.get("protocol"));
        doc.w(
            0,
            &format!("Port:\t{name}\t{}/{proto}\n", int(sp.get("port"))),
        );
        let target = match sp.get("targetPort") {
            Some(Value::String(t)) => t.clone(),
            Some(v) => int(Some(v)).to_string(),
            None => "0".into(),
        };
        doc.w(0, &format!("TargetPort:\t{target}/{proto}\n"));
        let node_port = int(sp.get("nodePort"));
        if node_port != 0 {
            doc.w(0, &format!("NodePort:\t{name}\t{node_port}/{proto}\n"));
        }
        doc.w(
            0,
            &format!(
                "Endpoints:\t{}\n",
                format_endpoint_slices(slices, Some(&raw_name))
            ),
        );
    }
    doc.w(
        0,
        &format!("Session Affinity:\t{}\n", s(spec.get("sessionAffinity"))),
    );
    let etp = s(spec.get("externalTrafficPolicy"));
    if !etp.is_empty() {
        doc.w(0, &format!("External Traffic Policy:\t{etp}\n"));
    }
    if spec.get("internalTrafficPolicy").is_some() {
        doc.w(
            0,
            &format!(
                "Internal Traffic Policy:\t{}\n",
                s(spec.get("internalTrafficPolicy"))
            ),
        );
    }
    let hc = int(spec.get("healthCheckNodePort"));
    if hc != 0 {
        doc.w(0, &format!("HealthCheck NodePort:\t{hc}\n"));
    }
    let ranges: Vec<String> = arr(spec.get("loadBalancerSourceRanges"))
        .iter()
        .map(|f| s(Some(f)))
        .collect();
    if !ranges.is_empty() {
        doc.w(
            0,
            &format!("LoadBalancer Source Ranges:\t{}\n", ranges.join(",")),
        );
    }
    if let Some(events) = events {
        describe_events(doc, events);
    }
}

/// `formatEndpointSlices`: up to three ready `addr:port`, then "+ N more...".
fn format_endpoint_slices(slices: &[Value], port_name: Option<&str>) -> String {
    if slices.is_empty() {
        return "<none>".into();
    }
    const MAX: usize = 3;
    let mut list: Vec<String> = Vec::new();
    let (mut more, mut count) = (false, 0usize);
    let ready = |e: &Value| e.pointer("/conditions/ready").and_then(Value::as_bool) != Some(false);
    for slice in slices {
        let endpoints = arr(slice.get("endpoints"));
        let ports = arr(slice.get("ports"));
        let add = |addr: String, more: &mut bool, list: &mut Vec<String>, count: &mut usize| {
            if list.len() == MAX {
                *more = true;
            }
            if !*more {
                list.push(addr);
            }
            *count += 1;
        };
        if ports.is_empty() {
            for e in endpoints.iter().filter(|e| ready(e)) {
                let addr = s(arr(e.get("addresses")).first());
                add(addr, &mut more, &mut list, &mut count);
            }
        } else {
            for p in ports {
                if port_name.is_some_and(|n| s(p.get("name")) != n) {
                    continue;
                }
                for e in endpoints {
                    if list.len() == MAX {
                        more = true;
                    }
                    if !ready(e) {
                        continue;
                    }
                    let addr = s(arr(e.get("addresses")).first());
                    let host = if addr.contains(':') {
                        format!("[{addr}]")
                    } else {
                        addr
                    };
                    if !more {
                        list.push(format!("{host}:{}", int(p.get("port"))));
                    }
                    count += 1;
                }
            }
        }
    }
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", count - MAX)
    } else {
        joined
    }
}
