//! Admission for API writes: type checks (via k8s-openapi decoding), the apiserver's defaulting, and the
//! validation rules clients most often trip (names, containers, selectors), reported as 400 or 422.
//!
//! Owns: turning a client's body into an object fit to store. Controllers and seeding build objects that
//! are already valid and skip this; it must not touch the store.

use serde_json::{Value, json};

use super::resources::{ResourceType, idx};
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

pub(super) fn qualified_kind(r: &ResourceType) -> String {
    if r.group.is_empty() {
        r.kind.clone()
    } else {
        format!("{}.{}", r.kind, r.group)
    }
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
    if let Some(r) = spec["replicas"].as_i64().filter(|&r| r < 0) {
        problems.push(format!(
            "spec.replicas: Invalid value: {r}: must be greater than or equal to 0"
        ));
    }
    let sel = &spec["selector"];
    let missing =
        !sel.is_object() || (sel["matchLabels"].is_null() && sel["matchExpressions"].is_null());
    if missing {
        problems.push("spec.selector: Required value".into());
    }
    // A missing selector selects nothing, so the template's labels cannot match it either.
    let labels = &spec["template"]["metadata"]["labels"];
    if missing || !LabelSelector::from_spec(sel).matches_labels(labels) {
        let shown = if labels.is_null() {
            "map[string]string(nil)".to_string()
        } else {
            labels.to_string()
        };
        problems.push(format!(
            "spec.template.metadata.labels: Invalid value: {shown}: `selector` does not match template `labels`"
        ));
    }
    let _ = res;
    check_pod_spec(&spec["template"]["spec"], "spec.template.spec", problems);
}

fn next_cluster_ip() -> String {
    let n: u32 = rand::random::<u32>() % 65000 + 10;
    format!("10.96.{}.{}", n / 256, n % 256)
}

/// Defaults and validates an object about to be created or replaced. `old` is the stored object on update.
pub fn admit(rt: &ResourceType, obj: &mut Value, old: Option<&Value>) -> Result<(), ApiError> {
    if !obj.is_object() {
        return Err(ApiError::bad_request(
            "the body of the request must be a JSON object",
        ));
    }
    super::typecheck::check(rt, obj)?;
    let res = rt.index;
    if !obj["metadata"].is_object() {
        obj["metadata"] = json!({});
    }
    let name = obj["metadata"]["name"].as_str().unwrap_or("").to_string();
    // Empty string maps are `omitempty` in the API types: the apiserver stores them as absent.
    let string_maps: &[&str] = match res {
        idx::CONFIGMAPS | idx::SECRETS => &["data", "binaryData", "stringData"],
        _ => &[],
    };
    for (parent, key) in string_maps
        .iter()
        .map(|k| ("", *k))
        .chain([("metadata", "labels"), ("metadata", "annotations")])
    {
        let holder = if parent.is_empty() {
            &mut *obj
        } else {
            &mut obj[parent]
        };
        if holder[key].as_object().is_some_and(|m| m.is_empty())
            && let Some(m) = holder.as_object_mut()
        {
            m.remove(key);
        }
    }
    let mut problems = Vec::new();
    if name.is_empty()
        && obj["metadata"]["generateName"]
            .as_str()
            .is_none_or(str::is_empty)
    {
        problems
            .push("metadata.name: Required value: name or generateName is required".to_string());
    } else if rt.kind == "APIService" && rt.group == "apiregistration.k8s.io" {
        // The aggregator names an APIService after what it serves: `v1.` for the core group.
        let required = format!(
            "{}.{}",
            obj["spec"]["version"].as_str().unwrap_or(""),
            obj["spec"]["group"].as_str().unwrap_or("")
        );
        if name != required {
            problems.push(format!(
                "metadata.name: Invalid value: \"{name}\": must be `spec.version+\".\"+spec.group`: \"{required}\""
            ));
        }
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
        _ => admit_by_kind(rt, obj, old, &mut problems),
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(&qualified_kind(rt), &name, &problems))
    }
}

/// Defaults and checks of the kinds described in `kinds.yaml` that clients create by hand most.
fn admit_by_kind(
    rt: &ResourceType,
    obj: &mut Value,
    old: Option<&Value>,
    problems: &mut Vec<String>,
) {
    let set = |v: &mut Value, k: &str, d: Value| {
        if v.get(k).is_none_or(Value::is_null) {
            v[k] = d;
        }
    };
    match (rt.group.as_str(), rt.kind.as_str()) {
        ("batch", "Job") => {
            let spec = &mut obj["spec"];
            set(spec, "backoffLimit", json!(6));
            set(spec, "completionMode", json!("NonIndexed"));
            set(spec, "parallelism", json!(1));
            set(spec, "suspend", json!(false));
            if old.is_none() {
                set(spec, "completions", json!(1));
                obj["status"] = json!({});
            }
            let spec = &mut obj["spec"];
            default_pod_spec(&mut spec["template"]["spec"]);
            let policy = spec["template"]["spec"]["restartPolicy"]
                .as_str()
                .unwrap_or("");
            if policy == "Always" {
                // Pod defaulting fills in Always, which a Job refuses, as the apiserver does.
                problems.push("spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\"".into());
            }
            check_pod_spec(&spec["template"]["spec"], "spec.template.spec", problems);
        }
        ("batch", "CronJob") => {
            let spec = &mut obj["spec"];
            set(spec, "concurrencyPolicy", json!("Allow"));
            set(spec, "suspend", json!(false));
            set(spec, "successfulJobsHistoryLimit", json!(3));
            set(spec, "failedJobsHistoryLimit", json!(1));
            let schedule = spec["schedule"].as_str().unwrap_or("").to_string();
            if schedule.is_empty() {
                problems.push("spec.schedule: Required value".into());
            } else if super::cron::Schedule::parse(&schedule).is_err() {
                problems.push(format!(
                    "spec.schedule: Invalid value: \"{schedule}\": unparseable schedule"
                ));
            }
            let tmpl = &mut spec["jobTemplate"]["spec"]["template"]["spec"];
            default_pod_spec(tmpl);
            check_pod_spec(tmpl, "spec.jobTemplate.spec.template.spec", problems);
            if old.is_none() {
                obj["status"] = json!({});
            }
        }
        ("", "PersistentVolumeClaim") => {
            let spec = &mut obj["spec"];
            set(spec, "volumeMode", json!("Filesystem"));
            if spec["accessModes"].as_array().is_none_or(Vec::is_empty) {
                problems.push(
                    "spec.accessModes: Required value: at least 1 access mode is required".into(),
                );
            }
            if spec["resources"]["requests"]["storage"].is_null() {
                problems.push("spec.resources[storage]: Required value".into());
            }
            if old.is_none() {
                obj["status"] = json!({"phase": "Pending"});
            }
        }
        ("", "PersistentVolume") => {
            set(
                &mut obj["spec"],
                "persistentVolumeReclaimPolicy",
                json!("Retain"),
            );
            set(&mut obj["spec"], "volumeMode", json!("Filesystem"));
            if old.is_none() {
                obj["status"] = json!({"phase": "Available"});
            }
        }
        ("autoscaling", "HorizontalPodAutoscaler") => {
            set(&mut obj["spec"], "minReplicas", json!(1));
            if obj["spec"]["maxReplicas"].as_i64().is_none_or(|m| m < 1) {
                problems.push(
                    "spec.maxReplicas: Invalid value: 0: must be greater than or equal to 1".into(),
                );
            }
        }
        _ => {}
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
        let e = admit(
            &crate::sim::resources::BUILTIN[idx::DEPLOYMENTS],
            &mut d,
            None,
        )
        .unwrap_err();
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
        admit(
            &crate::sim::resources::BUILTIN[idx::DEPLOYMENTS],
            &mut d,
            None,
        )
        .unwrap();
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
        assert_eq!(
            admit(&crate::sim::resources::BUILTIN[idx::PODS], &mut p, None)
                .unwrap_err()
                .code,
            400
        );
        let mut p = json!({"metadata": {"name": "Bad_Name"}, "spec": {"containers": [{"name": "c", "image": "i"}]}});
        assert_eq!(
            admit(&crate::sim::resources::BUILTIN[idx::PODS], &mut p, None)
                .unwrap_err()
                .code,
            422
        );
        let mut n = json!({"metadata": {}});
        assert_eq!(
            admit(
                &crate::sim::resources::BUILTIN[idx::NAMESPACES],
                &mut n,
                None
            )
            .unwrap_err()
            .code,
            422
        );
    }
}
