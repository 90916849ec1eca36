//! Containers as every pod-bearing describer shows them: image, ports, state, resources, probes,
//! environment and mounts.

use serde_json::Value;

use super::quantity::Quantity;
use super::writer::{Doc, arr, boolean, int, int_or_string, s};

/// `describeResources`: limits then requests, names sorted.
pub(crate) fn describe_resources(doc: &mut Doc, r: Option<&Value>, level: usize) {
    let Some(r) = r else { return };
    for (key, title) in [("limits", "Limits"), ("requests", "Requests")] {
        let Some(map) = r
            .get(key)
            .and_then(Value::as_object)
            .filter(|m| !m.is_empty())
        else {
            continue;
        };
        doc.w(level, &format!("{title}:\n"));
        let mut names: Vec<_> = map.iter().collect();
        names.sort_by(|a, b| a.0.cmp(b.0));
        for (name, q) in names {
            doc.w(level + 1, &format!("{name}:\t{}\n", Quantity::display(q)));
        }
    }
}

/// `describeContainers`. `statuses: None` for templates (no status lines at all).
pub(crate) fn describe_containers(
    doc: &mut Doc,
    label: &str,
    containers: &[Value],
    statuses: Option<&[Value]>,
    space: &str,
    pod: Option<&Value>,
) {
    let none = if containers.is_empty() { " <none>" } else { "" };
    doc.w(0, &format!("{space}{label}:{none}\n"));
    for c in containers {
        let name = s(c.get("name"));
        let status = statuses.and_then(|st| st.iter().find(|x| s(x.get("name")) == name));
        let indent = if space.is_empty() { "" } else { " " };
        doc.w(1, &format!("{indent}{name}:\n"));
        if let Some(st) = status {
            doc.w(2, &format!("Container ID:\t{}\n", s(st.get("containerID"))));
        }
        doc.w(2, &format!("Image:\t{}\n", s(c.get("image"))));
        if let Some(st) = status {
            doc.w(2, &format!("Image ID:\t{}\n", s(st.get("imageID"))));
        }
        let ports = arr(c.get("ports"));
        let port_list = |key: &str| {
            ports
                .iter()
                .map(|p| format!("{}/{}", int(p.get(key)), s(p.get("protocol"))))
                .collect::<Vec<_>>()
                .join(", ")
        };
        for (key, one, many) in [
            ("containerPort", "Port", "Ports"),
            ("hostPort", "Host Port", "Host Ports"),
        ] {
            let text = port_list(key);
            if text.contains(',') {
                doc.w(2, &format!("{many}:\t{text}\n"));
            } else {
                doc.w(2, &format!("{one}:\t{}\n", super::writer::or_none(text)));
            }
        }
        if let Some(sp) = c.pointer("/securityContext/seccompProfile") {
            doc.w(2, &format!("SeccompProfile:\t{}\n", s(sp.get("type"))));
            if s(sp.get("type")) == "Localhost" {
                doc.w(
                    3,
                    &format!("LocalhostProfile:\t{}\n", s(sp.get("localhostProfile"))),
                );
            }
        }
        for (key, title) in [("command", "Command"), ("args", "Args")] {
            let items = arr(c.get(key));
            if !items.is_empty() {
                doc.w(2, &format!("{title}:\n"));
                for item in items {
                    for line in s(Some(item)).split('\n') {
                        doc.w(3, &format!("{line}\n"));
                    }
                }
            }
        }
        if let Some(st) = status {
            describe_state(doc, "State", st.get("state"));
            if st.pointer("/lastState/terminated").is_some() {
                describe_state(doc, "Last State", st.get("lastState"));
            }
            let ready = if boolean(st.get("ready")) {
                "True"
            } else {
                "False"
            };
            doc.w(2, &format!("Ready:\t{ready}\n"));
            doc.w(
                2,
                &format!("Restart Count:\t{}\n", int(st.get("restartCount"))),
            );
        }
        describe_resources(doc, c.get("resources"), 2);
        for (key, title) in [
            ("livenessProbe", "Liveness"),
            ("readinessProbe", "Readiness"),
            ("startupProbe", "Startup"),
        ] {
            if let Some(p) = c.get(key) {
                doc.w(2, &format!("{title}:\t{}\n", describe_probe(p)));
            }
        }
        let env_from = arr(c.get("envFrom"));
        if !env_from.is_empty() {
            doc.w(2, "Environment Variables from:\n");
            for e in env_from {
                let (from, r) = match (e.get("configMapRef"), e.get("secretRef")) {
                    (Some(r), _) => ("ConfigMap", r),
                    (None, Some(r)) => ("Secret", r),
                    _ => ("", &Value::Null),
                };
                let optional = boolean(r.get("optional"));
                let prefix = s(e.get("prefix"));
                if prefix.is_empty() {
                    doc.w(
                        3,
                        &format!("{}\t{from}\tOptional: {optional}\n", s(r.get("name"))),
                    );
                } else {
                    doc.w(
                        3,
                        &format!(
                            "{}\t{from} with prefix '{prefix}'\tOptional: {optional}\n",
                            s(r.get("name"))
                        ),
                    );
                }
            }
        }
        describe_env(doc, arr(c.get("env")), pod);
        describe_mounts(doc, c);
    }
}

/// The value of a downward-API field of `pod`, as kubectl's `EnvValueRetriever` resolves it; empty for
/// templates (no pod) and unknown paths.
fn resolve_field(pod: Option<&Value>, path: &str) -> String {
    let Some(pod) = pod else {
        return String::new();
    };
    let subscript = |prefix: &str| {
        path.strip_prefix(prefix)
            .and_then(|r| r.strip_prefix("['"))
            .and_then(|r| r.strip_suffix("']"))
    };
    if let Some(k) = subscript("metadata.labels") {
        return s(pod.pointer("/metadata/labels").and_then(|m| m.get(k)));
    }
    if let Some(k) = subscript("metadata.annotations") {
        return s(pod.pointer("/metadata/annotations").and_then(|m| m.get(k)));
    }
    let pointer = match path {
        "metadata.name" => "/metadata/name",
        "metadata.namespace" => "/metadata/namespace",
        "metadata.uid" => "/metadata/uid",
        "spec.nodeName" => "/spec/nodeName",
        "spec.serviceAccountName" => "/spec/serviceAccountName",
        "status.podIP" => "/status/podIP",
        "status.hostIP" => "/status/hostIP",
        _ => return String::new(),
    };
    s(pod.pointer(pointer))
}

fn describe_env(doc: &mut Doc, env: &[Value], pod: Option<&Value>) {
    let none = if env.is_empty() { "\t<none>" } else { "" };
    doc.w(2, &format!("Environment:{none}\n"));
    for e in env {
        let name = s(e.get("name"));
        let Some(from) = e.get("valueFrom") else {
            for (i, line) in s(e.get("value")).split('\n').enumerate() {
                if i == 0 {
                    doc.w(3, &format!("{name}:\t{line}\n"));
                } else {
                    doc.w(3, &format!("\t{line}\n"));
                }
            }
            continue;
        };
        if let Some(f) = from.get("fieldRef") {
            let path = s(f.get("fieldPath"));
            let value = resolve_field(pod, &path);
            doc.w(
                3,
                &format!("{name}:\t{value} ({}:{path})\n", s(f.get("apiVersion"))),
            );
        } else if let Some(f) = from.get("resourceFieldRef") {
            doc.w(3, &format!("{name}:\t ({})\n", s(f.get("resource"))));
        } else if let Some(f) = from.get("secretKeyRef") {
            doc.w(
                3,
                &format!(
                    "{name}:\t<set to the key '{}' in secret '{}'>\tOptional: {}\n",
                    s(f.get("key")),
                    s(f.get("name")),
                    boolean(f.get("optional"))
                ),
            );
        } else if let Some(f) = from.get("configMapKeyRef") {
            doc.w(
                3,
                &format!(
                    "{name}:\t<set to the key '{}' of config map '{}'>\tOptional: {}\n",
                    s(f.get("key")),
                    s(f.get("name")),
                    boolean(f.get("optional"))
                ),
            );
        }
    }
}

fn describe_mounts(doc: &mut Doc, c: &Value) {
    let mounts = arr(c.get("volumeMounts"));
    let none = if mounts.is_empty() { "\t<none>" } else { "" };
    doc.w(2, &format!("Mounts:{none}\n"));
    let mut sorted: Vec<&Value> = mounts.iter().collect();
    sorted.sort_by_key(|m| s(m.get("mountPath")));
    for m in sorted {
        let mut flags = vec![if boolean(m.get("readOnly")) {
            "ro".to_string()
        } else {
            "rw".to_string()
        }];
        let sub = s(m.get("subPath"));
        if !sub.is_empty() {
            flags.push(format!("path={sub:?}"));
        }
        doc.w(
            3,
            &format!(
                "{} from {} ({})\n",
                s(m.get("mountPath")),
                s(m.get("name")),
                flags.join(",")
            ),
        );
    }
    let devices = arr(c.get("volumeDevices"));
    if !devices.is_empty() {
        doc.w(2, &format!("Devices:{none}\n"));
        let mut sorted: Vec<&Value> = devices.iter().collect();
        sorted.sort_by_key(|d| s(d.get("devicePath")));
        for d in sorted {
            doc.w(
                3,
                &format!("{} from {}\n", s(d.get("devicePath")), s(d.get("name"))),
            );
        }
    }
}

fn describe_state(doc: &mut Doc, title: &str, state: Option<&Value>) {
    let state = state.unwrap_or(&Value::Null);
    if let Some(r) = state.get("running") {
        doc.w(2, &format!("{title}:\tRunning\n"));
        let t = doc.time(r.get("startedAt"));
        doc.w(3, &format!("Started:\t{t}\n"));
    } else if let Some(w) = state.get("waiting") {
        doc.w(2, &format!("{title}:\tWaiting\n"));
        let reason = s(w.get("reason"));
        if !reason.is_empty() {
            doc.w(3, &format!("Reason:\t{reason}\n"));
        }
    } else if let Some(t) = state.get("terminated") {
        doc.w(2, &format!("{title}:\tTerminated\n"));
        for (key, label) in [("reason", "Reason"), ("message", "Message")] {
            let v = s(t.get(key));
            if !v.is_empty() {
                doc.w(3, &format!("{label}:\t{v}\n"));
            }
        }
        doc.w(3, &format!("Exit Code:\t{}\n", int(t.get("exitCode"))));
        let signal = int(t.get("signal"));
        if signal > 0 {
            doc.w(3, &format!("Signal:\t{signal}\n"));
        }
        let (started, finished) = (doc.time(t.get("startedAt")), doc.time(t.get("finishedAt")));
        doc.w(3, &format!("Started:\t{started}\n"));
        doc.w(3, &format!("Finished:\t{finished}\n"));
    } else {
        doc.w(2, &format!("{title}:\tWaiting\n"));
    }
}

/// `DescribeProbe`.
pub(crate) fn describe_probe(p: &Value) -> String {
    let attrs = format!(
        "delay={}s timeout={}s period={}s #success={} #failure={}",
        int(p.get("initialDelaySeconds")),
        int(p.get("timeoutSeconds")),
        int(p.get("periodSeconds")),
        int(p.get("successThreshold")),
        int(p.get("failureThreshold"))
    );
    if let Some(e) = p.get("exec") {
        let cmd: Vec<String> = arr(e.get("command")).iter().map(|c| s(Some(c))).collect();
        return format!("exec [{}] {attrs}", cmd.join(" "));
    }
    if let Some(h) = p.get("httpGet") {
        let scheme = s(h.get("scheme")).to_lowercase();
        let port = int_or_string(h.get("port"));
        let host = s(h.get("host"));
        let hostport = if port.is_empty() {
            host
        } else if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let scheme = if scheme.is_empty() {
            String::new()
        } else {
            format!("{scheme}:")
        };
        return format!("http-get {scheme}//{hostport}{} {attrs}", s(h.get("path")));
    }
    if let Some(t) = p.get("tcpSocket") {
        return format!(
            "tcp-socket {}:{} {attrs}",
            s(t.get("host")),
            int_or_string(t.get("port"))
        );
    }
    if let Some(g) = p.get("grpc") {
        return format!(
            "grpc <pod>:{} {} {attrs}",
            int(g.get("port")),
            s(g.get("service"))
        );
    }
    format!("unknown {attrs}")
}
