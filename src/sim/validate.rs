//! Admission for API writes: type checks (via k8s-openapi decoding), the apiserver's defaulting, and the
//! validation rules clients most often trip (names, containers, selectors), reported as 400 or 422.
//!
//! Owns: turning a client's body into an object fit to store. Controllers and seeding build objects that
//! are already valid and skip this; it must not touch the store.

use serde_json::{Value, json};

use super::resources::{RESOURCES, idx};
use super::selectors::{LabelSelector, LabelSelectorExt};
use super::status::ApiError;

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

fn qualified_kind(res: usize) -> String {
    let r = &RESOURCES[res];
    if r.group.is_empty() {
        r.kind.to_string()
    } else {
        format!("{}.{}", r.kind, r.group)
    }
}

/// Checks that the body decodes as the typed object (wrong field types are a 400, as in the apiserver).
fn type_check(res: usize, obj: &Value) -> Result<(), ApiError> {
    use k8s_openapi::api::{apps::v1 as apps, core::v1 as core, rbac::v1 as rbac};
    let v = obj.clone();
    let r = match res {
        idx::NAMESPACES => serde_json::from_value::<core::Namespace>(v).map(drop),
        idx::PODS => serde_json::from_value::<core::Pod>(v).map(drop),
        idx::SERVICES => serde_json::from_value::<core::Service>(v).map(drop),
        idx::ENDPOINTS => serde_json::from_value::<core::Endpoints>(v).map(drop),
        idx::CONFIGMAPS => serde_json::from_value::<core::ConfigMap>(v).map(drop),
        idx::SECRETS => serde_json::from_value::<core::Secret>(v).map(drop),
        idx::EVENTS => serde_json::from_value::<core::Event>(v).map(drop),
        idx::NODES => serde_json::from_value::<core::Node>(v).map(drop),
        idx::DEPLOYMENTS => serde_json::from_value::<apps::Deployment>(v).map(drop),
        idx::REPLICASETS => serde_json::from_value::<apps::ReplicaSet>(v).map(drop),
        idx::STATEFULSETS => serde_json::from_value::<apps::StatefulSet>(v).map(drop),
        idx::DAEMONSETS => serde_json::from_value::<apps::DaemonSet>(v).map(drop),
        idx::LIMITRANGES => serde_json::from_value::<core::LimitRange>(v).map(drop),
        idx::ROLES => serde_json::from_value::<rbac::Role>(v).map(drop),
        idx::ROLEBINDINGS => serde_json::from_value::<rbac::RoleBinding>(v).map(drop),
        idx::CLUSTERROLES => serde_json::from_value::<rbac::ClusterRole>(v).map(drop),
        idx::CLUSTERROLEBINDINGS => serde_json::from_value::<rbac::ClusterRoleBinding>(v).map(drop),
        _ => Ok(()),
    };
    r.map_err(|e| ApiError::bad_request(format!("{} in body is invalid: {e}", qualified_kind(res))))
}

pub fn default_pod_spec(spec: &mut Value) {
    let set = |v: &mut Value, k: &str, d: Value| {
        if v.get(k).is_none_or(Value::is_null) {
            v[k] = d;
        }
    };
    set(spec, "restartPolicy", json!("Always"));
    set(spec, "terminationGracePeriodSeconds", json!(30));
    set(spec, "dnsPolicy", json!("ClusterFirst"));
    set(spec, "securityContext", json!({}));
    set(spec, "schedulerName", json!("default-scheduler"));
    for list in ["containers", "initContainers"] {
        // `spec[list]` on a mutable object would insert `list: null`, which a real apiserver never shows.
        for c in spec
            .get_mut(list)
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            let image = c["image"].as_str().unwrap_or("").to_string();
            let tag_latest = !image.contains(':') || image.ends_with(":latest");
            set(
                c,
                "imagePullPolicy",
                json!(if tag_latest { "Always" } else { "IfNotPresent" }),
            );
            set(c, "terminationMessagePath", json!("/dev/termination-log"));
            set(c, "terminationMessagePolicy", json!("File"));
            set(c, "resources", json!({}));
            for p in c
                .get_mut("ports")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                set(p, "protocol", json!("TCP"));
            }
        }
    }
}

fn check_pod_spec(spec: &Value, path: &str, problems: &mut Vec<String>) {
    let containers = spec["containers"].as_array().cloned().unwrap_or_default();
    if containers.is_empty() {
        problems.push(format!("{path}.containers: Required value"));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, c) in containers.iter().enumerate() {
        let name = c["name"].as_str().unwrap_or("");
        if name.is_empty() {
            problems.push(format!("{path}.containers[{i}].name: Required value"));
        } else if !is_dns_label(name) {
            problems.push(format!("{path}.containers[{i}].name: Invalid value: \"{name}\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'"));
        } else if !seen.insert(name.to_string()) {
            problems.push(format!(
                "{path}.containers[{i}].name: Duplicate value: \"{name}\""
            ));
        }
        if c["image"].as_str().is_none_or(str::is_empty) {
            problems.push(format!("{path}.containers[{i}].image: Required value"));
        }
    }
}

fn check_workload(res: usize, obj: &Value, problems: &mut Vec<String>) {
    let spec = &obj["spec"];
    if spec["replicas"].as_i64().is_some_and(|r| r < 0) {
        problems.push("spec.replicas: Invalid value: must be greater than or equal to 0".into());
    }
    let sel = &spec["selector"];
    if !sel.is_object() || (sel["matchLabels"].is_null() && sel["matchExpressions"].is_null()) {
        problems.push("spec.selector: Required value".into());
    } else {
        let labels = &spec["template"]["metadata"]["labels"];
        if !LabelSelector::from_spec(sel).matches_labels(labels) {
            problems.push(format!(
                "spec.template.metadata.labels: Invalid value: {}: `selector` does not match template `labels`",
                labels
            ));
        }
    }
    let _ = res;
    check_pod_spec(&spec["template"]["spec"], "spec.template.spec", problems);
}

fn next_cluster_ip() -> String {
    let n: u32 = rand::random::<u32>() % 65000 + 10;
    format!("10.96.{}.{}", n / 256, n % 256)
}

/// Defaults and validates an object about to be created or replaced. `old` is the stored object on update.
pub fn admit(res: usize, obj: &mut Value, old: Option<&Value>) -> Result<(), ApiError> {
    if !obj.is_object() {
        return Err(ApiError::bad_request(
            "the body of the request must be a JSON object",
        ));
    }
    type_check(res, obj)?;
    if !obj["metadata"].is_object() {
        obj["metadata"] = json!({});
    }
    let name = obj["metadata"]["name"].as_str().unwrap_or("").to_string();
    let mut problems = Vec::new();
    if name.is_empty()
        && obj["metadata"]["generateName"]
            .as_str()
            .is_none_or(str::is_empty)
    {
        problems
            .push("metadata.name: Required value: name or generateName is required".to_string());
    } else if !name.is_empty() {
        let label_only = matches!(res, idx::NAMESPACES | idx::SERVICES);
        let ok = if label_only {
            is_dns_label(&name)
        } else {
            is_dns_subdomain(&name)
        };
        if !ok {
            problems.push(format!("metadata.name: Invalid value: \"{name}\": a lowercase RFC 1123 {} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
                if label_only { "label" } else { "subdomain" }));
        }
    }
    match res {
        idx::PODS => {
            default_pod_spec(&mut obj["spec"]);
            check_pod_spec(&obj["spec"], "spec", &mut problems);
            if old.is_none() {
                obj["status"] = json!({"phase": "Pending", "qosClass": "BestEffort"});
            }
        }
        idx::DEPLOYMENTS | idx::REPLICASETS | idx::STATEFULSETS | idx::DAEMONSETS => {
            let spec = &mut obj["spec"];
            if res != idx::DAEMONSETS && spec["replicas"].is_null() {
                spec["replicas"] = json!(1);
            }
            if res != idx::REPLICASETS && spec["revisionHistoryLimit"].is_null() {
                spec["revisionHistoryLimit"] = json!(10);
            }
            match res {
                idx::DEPLOYMENTS => {
                    if spec["strategy"]["type"].is_null() {
                        spec["strategy"] = json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}});
                    }
                    if spec["progressDeadlineSeconds"].is_null() {
                        spec["progressDeadlineSeconds"] = json!(600);
                    }
                }
                idx::STATEFULSETS => {
                    if spec["podManagementPolicy"].is_null() {
                        spec["podManagementPolicy"] = json!("OrderedReady");
                    }
                    if spec["updateStrategy"]["type"].is_null() {
                        spec["updateStrategy"] =
                            json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}});
                    }
                }
                idx::DAEMONSETS if spec["updateStrategy"]["type"].is_null() => {
                    spec["updateStrategy"] = json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}});
                }
                _ => {}
            }
            default_pod_spec(&mut spec["template"]["spec"]);
            if old.is_none() {
                obj["status"] = json!({});
            }
            check_workload(res, obj, &mut problems);
        }
        idx::SERVICES => {
            let spec = &mut obj["spec"];
            if spec["type"].is_null() {
                spec["type"] = json!("ClusterIP");
            }
            if spec["sessionAffinity"].is_null() {
                spec["sessionAffinity"] = json!("None");
            }
            match old {
                Some(o) if spec["clusterIP"].is_null() => {
                    spec["clusterIP"] = o["spec"]["clusterIP"].clone()
                }
                None if spec["clusterIP"].is_null() => spec["clusterIP"] = json!(next_cluster_ip()),
                _ => {}
            }
            if spec["clusterIPs"].is_null() {
                spec["clusterIPs"] = json!([spec["clusterIP"].clone()]);
            }
            for (i, p) in spec["ports"]
                .as_array_mut()
                .into_iter()
                .flatten()
                .enumerate()
            {
                if p["protocol"].is_null() {
                    p["protocol"] = json!("TCP");
                }
                if p["targetPort"].is_null() {
                    p["targetPort"] = p["port"].clone();
                }
                if p["port"].as_i64().is_none_or(|n| !(1..=65535).contains(&n)) {
                    problems.push(format!("spec.ports[{i}].port: Invalid value: {}: must be between 1 and 65535, inclusive", p["port"]));
                }
            }
            if old.is_none() {
                obj["status"] = json!({"loadBalancer": {}});
            }
        }
        idx::SECRETS => {
            if obj["type"].is_null() {
                obj["type"] = json!("Opaque");
            }
            if let Some(Value::Object(sd)) =
                obj.as_object_mut().and_then(|m| m.remove("stringData"))
            {
                use base64::Engine;
                for (k, v) in sd {
                    let text = v.as_str().unwrap_or("").to_string();
                    obj["data"][k] = json!(base64::engine::general_purpose::STANDARD.encode(text));
                }
            }
        }
        idx::NAMESPACES => {
            obj["metadata"]["labels"]["kubernetes.io/metadata.name"] = json!(name);
            if obj["spec"]["finalizers"].is_null() {
                obj["spec"] = json!({"finalizers": ["kubernetes"]});
            }
            if old.is_none() {
                obj["status"] = json!({"phase": "Active"});
            }
        }
        _ => {}
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(&qualified_kind(res), &name, &problems))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_do_not_invent_null_fields() {
        let mut spec = json!({"containers": [{"name": "app", "image": "nginx:1.27"}]});
        default_pod_spec(&mut spec);
        assert!(spec.get("initContainers").is_none(), "{spec}");
        assert!(spec["containers"][0].get("ports").is_none(), "{spec}");
        assert_eq!(spec["containers"][0]["imagePullPolicy"], "IfNotPresent");
    }

    #[test]
    fn deployment_selector_must_match_template() {
        let mut d = json!({"metadata": {"name": "web"}, "spec": {"selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "other"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}});
        let e = admit(idx::DEPLOYMENTS, &mut d, None).unwrap_err();
        assert_eq!(e.code, 422);
        assert!(
            e.message
                .starts_with("Deployment.apps \"web\" is invalid: spec.template.metadata.labels"),
            "{}",
            e.message
        );
    }

    #[test]
    fn defaults_fill_in_like_the_apiserver() {
        let mut d = json!({"metadata": {"name": "web"}, "spec": {"selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}});
        admit(idx::DEPLOYMENTS, &mut d, None).unwrap();
        assert_eq!(d["spec"]["replicas"], 1);
        assert_eq!(d["spec"]["strategy"]["type"], "RollingUpdate");
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"],
            "IfNotPresent"
        );
    }

    #[test]
    fn wrong_types_and_names_are_rejected() {
        let mut p = json!({"metadata": {"name": "x"}, "spec": {"containers": "nope"}});
        assert_eq!(admit(idx::PODS, &mut p, None).unwrap_err().code, 400);
        let mut p = json!({"metadata": {"name": "Bad_Name"}, "spec": {"containers": [{"name": "c", "image": "i"}]}});
        assert_eq!(admit(idx::PODS, &mut p, None).unwrap_err().code, 422);
        let mut n = json!({"metadata": {}});
        assert_eq!(admit(idx::NAMESPACES, &mut n, None).unwrap_err().code, 422);
    }
}
