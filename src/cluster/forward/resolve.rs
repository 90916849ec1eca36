//! Pure resolution of a forward's target: which container port a requested port means on a pod, how a
//! Service port maps to its targetPort, and which ready pod to use. Works on JSON objects, no I/O.

use serde_json::Value;

use crate::cluster::selector::pod_is_ready;

/// A port as the user gives it: a number or a port name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortRef {
    Number(u16),
    Name(String),
}

impl std::fmt::Display for PortRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PortRef::Number(n) => write!(f, "{n}"),
            PortRef::Name(s) => f.write_str(s),
        }
    }
}

impl std::str::FromStr for PortRef {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.parse::<u16>() {
            Ok(n) => PortRef::Number(n),
            Err(_) => PortRef::Name(s.to_string()),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("pod {pod} does not expose port {port} (it exposes: {exposed})")]
    PortNotExposed {
        pod: String,
        port: PortRef,
        exposed: String,
    },
    #[error("service {service} has no port {port} (its ports: {ports})")]
    NoServicePort {
        service: String,
        port: PortRef,
        ports: String,
    },
    #[error("{what} has no selector, so no pod backs it")]
    NoSelector { what: String },
    #[error("no ready pod for {what} (selector {selector}); waiting for one")]
    NoReadyPod { what: String, selector: String },
}

/// Every `(name, containerPort)` the pod's containers declare.
pub fn container_ports(pod: &Value) -> Vec<(Option<String>, u16)> {
    pod.pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|c| {
            c.get("ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .filter_map(|p| {
            let port = u16::try_from(p.get("containerPort")?.as_u64()?).ok()?;
            let name = p.get("name").and_then(Value::as_str).map(str::to_string);
            Some((name, port))
        })
        .collect()
}

/// One choice for the port-forward dialog: the port to request and how to label it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortChoice {
    pub port: PortRef,
    /// `8080/http` style label; for a Service, `80/http → 8080`.
    pub label: String,
}

/// The ports the dialog offers for a target object: a Pod's container ports, a workload's pod-template
/// container ports, or a Service's ports (by number, with their targetPort).
pub fn forwardable_ports(kind: &str, obj: &Value) -> Vec<PortChoice> {
    let label = |name: Option<&str>, port: u64| match name {
        Some(n) => format!("{port}/{n}"),
        None => port.to_string(),
    };
    match kind {
        "Service" => obj
            .pointer("/spec/ports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| {
                let port = p.get("port")?.as_u64()?;
                let target = match p.get("targetPort") {
                    Some(Value::Number(n)) => n.to_string(),
                    Some(Value::String(s)) => s.clone(),
                    _ => port.to_string(),
                };
                Some(PortChoice {
                    port: PortRef::Number(u16::try_from(port).ok()?),
                    label: format!(
                        "{} → {target}",
                        label(p.get("name").and_then(Value::as_str), port)
                    ),
                })
            })
            .collect(),
        _ => {
            let pod_like = if kind == "Pod" {
                obj.clone()
            } else {
                obj.pointer("/spec/template")
                    .cloned()
                    .unwrap_or(Value::Null)
            };
            container_ports(&pod_like)
                .into_iter()
                .map(|(name, port)| PortChoice {
                    port: PortRef::Number(port),
                    label: label(name.as_deref(), u64::from(port)),
                })
                .collect()
        }
    }
}

/// The container port `port` means on `pod`. A number must be declared, unless the pod declares no
/// ports at all (then kubectl forwards any number, and so do we).
pub fn pod_port(pod: &Value, port: &PortRef) -> Result<u16, ResolveError> {
    let ports = container_ports(pod);
    let found = match port {
        PortRef::Number(n) if ports.is_empty() => Some(*n),
        PortRef::Number(n) => ports.iter().find(|(_, p)| p == n).map(|(_, p)| *p),
        PortRef::Name(name) => ports
            .iter()
            .find(|(n, _)| n.as_deref() == Some(name.as_str()))
            .map(|(_, p)| *p),
    };
    found.ok_or_else(|| ResolveError::PortNotExposed {
        pod: name_of(pod),
        port: port.clone(),
        exposed: if ports.is_empty() {
            "no named ports".to_string()
        } else {
            ports
                .iter()
                .map(|(n, p)| match n {
                    Some(n) => format!("{p}/{n}"),
                    None => p.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        },
    })
}

/// Maps a Service port (by number or name) to the pod-side port reference, as kubectl does for
/// `port-forward svc/x`: `targetPort` if set (a number or a container-port name), else the port itself.
pub fn service_target(service: &Value, port: &PortRef) -> Result<PortRef, ResolveError> {
    let ports: Vec<&Value> = service
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let matches = |p: &&Value| match port {
        PortRef::Number(n) => p.get("port").and_then(Value::as_u64) == Some(u64::from(*n)),
        PortRef::Name(name) => p.get("name").and_then(Value::as_str) == Some(name.as_str()),
    };
    let Some(sp) = ports.iter().copied().find(matches) else {
        return Err(ResolveError::NoServicePort {
            service: name_of(service),
            port: port.clone(),
            ports: ports
                .iter()
                .filter_map(|p| {
                    let n = p.get("port")?.as_u64()?;
                    Some(match p.get("name").and_then(Value::as_str) {
                        Some(name) => format!("{n}/{name}"),
                        None => n.to_string(),
                    })
                })
                .collect::<Vec<_>>()
                .join(", "),
        });
    };
    let own = sp
        .get("port")
        .and_then(Value::as_u64)
        .and_then(|n| u16::try_from(n).ok())
        .unwrap_or_default();
    Ok(match sp.get("targetPort") {
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| u16::try_from(n).ok())
            .map_or(PortRef::Number(own), PortRef::Number),
        Some(Value::String(s)) => s.parse().unwrap_or(PortRef::Name(s.clone())),
        _ => PortRef::Number(own),
    })
}

/// The ready pod to use among `pods`, avoiding `avoid` (the pod that just went away): ready pods first,
/// then the oldest, then by name, so the choice is stable while nothing changes.
pub fn pick_ready_pod<'a>(pods: &'a [Value], avoid: Option<&str>) -> Option<&'a Value> {
    let mut ready: Vec<&Value> = pods
        .iter()
        .filter(|p| pod_is_ready(p))
        .filter(|p| avoid.is_none_or(|a| name_of(p) != a))
        .collect();
    ready.sort_by(|a, b| {
        let created = |p: &Value| {
            p.pointer("/metadata/creationTimestamp")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        created(a)
            .cmp(&created(b))
            .then_with(|| name_of(a).cmp(&name_of(b)))
    });
    ready.into_iter().next()
}

pub fn name_of(obj: &Value) -> String {
    obj.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(name: &str, ready: bool, created: &str) -> Value {
        json!({"metadata":{"name":name,"creationTimestamp":created},
            "spec":{"containers":[{"name":"app","ports":[{"name":"http","containerPort":8080},{"containerPort":7}]}]},
            "status":{"conditions":[{"type":"Ready","status": if ready {"True"} else {"False"}}]}})
    }

    #[test]
    fn pod_ports_by_number_and_name() {
        let p = pod("a", true, "");
        assert_eq!(pod_port(&p, &PortRef::Number(7)), Ok(7));
        assert_eq!(pod_port(&p, &"http".parse().unwrap()), Ok(8080));
        let err = pod_port(&p, &PortRef::Number(9999)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "pod a does not expose port 9999 (it exposes: 8080/http, 7)"
        );
        assert!(pod_port(&p, &PortRef::Name("grpc".into())).is_err());
        let bare = json!({"metadata":{"name":"b"},"spec":{"containers":[{"name":"c"}]}});
        assert_eq!(pod_port(&bare, &PortRef::Number(1234)), Ok(1234));
    }

    #[test]
    fn service_port_maps_to_target() {
        let s = json!({"metadata":{"name":"web"},"spec":{"ports":[
            {"name":"http","port":80,"targetPort":"http"},
            {"name":"echo","port":7007,"targetPort":7},
            {"port":9000}]}});
        assert_eq!(
            service_target(&s, &PortRef::Number(80)),
            Ok(PortRef::Name("http".into()))
        );
        assert_eq!(
            service_target(&s, &PortRef::Name("echo".into())),
            Ok(PortRef::Number(7))
        );
        assert_eq!(
            service_target(&s, &PortRef::Number(9000)),
            Ok(PortRef::Number(9000))
        );
        let err = service_target(&s, &PortRef::Number(81)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "service web has no port 81 (its ports: 80/http, 7007/echo, 9000)"
        );
    }

    #[test]
    fn dialog_port_choices() {
        let s =
            json!({"spec":{"ports":[{"name":"http","port":80,"targetPort":"http"},{"port":7}]}});
        let c = forwardable_ports("Service", &s);
        assert_eq!(c[0].label, "80/http → http");
        assert_eq!(
            c[1],
            PortChoice {
                port: PortRef::Number(7),
                label: "7 → 7".into()
            }
        );
        let d = json!({"spec":{"template":{"spec":{"containers":[{"ports":[{"containerPort":8080,"name":"web"}]}]}}}});
        assert_eq!(forwardable_ports("Deployment", &d)[0].label, "8080/web");
        assert_eq!(
            forwardable_ports("Pod", &pod("a", true, ""))[1].port,
            PortRef::Number(7)
        );
    }

    #[test]
    fn picks_oldest_ready_pod_avoiding_the_lost_one() {
        let pods = vec![
            pod("c", true, "2024-01-03T00:00:00Z"),
            pod("a", false, "2024-01-01T00:00:00Z"),
            pod("b", true, "2024-01-02T00:00:00Z"),
        ];
        assert_eq!(name_of(pick_ready_pod(&pods, None).unwrap()), "b");
        assert_eq!(name_of(pick_ready_pod(&pods, Some("b")).unwrap()), "c");
        assert!(pick_ready_pod(&pods[1..2], None).is_none());
    }
}
