use super::*;
use serde_json::json;

fn obj<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Arc<T> {
    Arc::new(serde_json::from_value(v).unwrap())
}

fn owner(kind: &str, name: &str, uid: &str) -> serde_json::Value {
    json!([{"apiVersion": "apps/v1", "kind": kind, "name": name, "uid": uid, "controller": true}])
}

fn pod(name: &str, crashing: bool) -> Arc<Pod> {
    let state = if crashing {
        json!({"waiting": {"reason": "CrashLoopBackOff"}})
    } else {
        json!({"running": {"startedAt": "2026-01-01T00:00:00Z"}})
    };
    obj(json!({
        "metadata": {"name": name, "namespace": "shop", "uid": format!("uid-{name}"),
                     "labels": {"app": "web"}, "ownerReferences": owner("ReplicaSet", "web-7d9f", "uid-rs")},
        "spec": {"serviceAccountName": "web",
                 "containers": [{"name": "app", "image": "nginx",
                                 "envFrom": [{"configMapRef": {"name": "web-config"}}],
                                 "env": [{"name": "K", "valueFrom": {"secretKeyRef": {"name": "web-secret", "key": "k"}}},
                                         {"name": "O", "valueFrom": {"secretKeyRef": {"name": "extra", "key": "k", "optional": true}}}]}],
                 "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "data"}},
                             {"name": "c", "configMap": {"name": "web-config"}}]},
        "status": {"phase": "Running", "containerStatuses": [
            {"name": "app", "ready": !crashing, "restartCount": 0, "image": "nginx", "imageID": "", "state": state}]}
    }))
}

/// A deployment `web` in `shop` with its replicaset, two pods (one crash looping when `crashing`),
/// the objects they use and two services.
pub(crate) fn objects(crashing: bool) -> Objects {
    let names = |ns: &[(&str, &str)]| {
        Some(
            ns.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        )
    };
    Objects {
        deployments: vec![obj(json!({
            "metadata": {"name": "web", "namespace": "shop", "uid": "uid-deploy"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": []}}},
            "status": {"readyReplicas": if crashing { 1 } else { 2 }}
        }))],
        replicasets: vec![
            obj(json!({
                "metadata": {"name": "web-7d9f", "namespace": "shop", "uid": "uid-rs",
                             "ownerReferences": owner("Deployment", "web", "uid-deploy")},
                "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}},
                "status": {"replicas": 2, "readyReplicas": if crashing { 1 } else { 2 }}
            })),
            // An old replicaset scaled to zero, with no pods: history, left out.
            obj(json!({
                "metadata": {"name": "web-old", "namespace": "shop", "uid": "uid-old",
                             "ownerReferences": owner("Deployment", "web", "uid-deploy")},
                "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "web"}}},
                "status": {"replicas": 0}
            })),
        ],
        pods: vec![pod("web-7d9f-a", false), pod("web-7d9f-b", crashing)],
        services: vec![
            obj(json!({"metadata": {"name": "web", "namespace": "shop"},
                       "spec": {"selector": {"app": "web"}, "clusterIP": "10.96.0.7"}})),
            obj(json!({"metadata": {"name": "db", "namespace": "shop"},
                       "spec": {"selector": {"app": "db"}, "clusterIP": "10.96.0.8"}})),
        ],
        configmaps: names(&[("shop", "web-config")]),
        secrets: names(&[]),
        serviceaccounts: None,
        pvcs: Some([(("shop".into(), "data".into()), "Bound".into())].into()),
        ..Default::default()
    }
}

fn col(r: &Row, i: usize) -> String {
    r.cells[i].render(0)
}

#[test]
fn deployment_tree_has_replicasets_pods_containers_references_and_services() {
    let rows = build(Root::Deployments, &objects(false), false);
    let names: Vec<String> = rows.iter().map(|r| col(r, 0)).collect();
    assert_eq!(
        names,
        [
            "web",
            "├─ web-7d9f",
            "│  ├─ web-7d9f-a",
            "│  │  ├─ app",
            "│  │  ├─ web-config",
            "│  │  ├─ data",
            "│  │  ├─ extra",
            "│  │  ├─ web-secret",
            "│  │  └─ web",
            "│  └─ web-7d9f-b",
            "│     ├─ app",
            "│     ├─ web-config",
            "│     ├─ data",
            "│     ├─ extra",
            "│     ├─ web-secret",
            "│     └─ web",
            "└─ web",
        ]
    );
    let kinds: Vec<String> = rows.iter().map(|r| col(r, 1)).collect();
    assert_eq!(
        &kinds[..9],
        [
            "Deployment",
            "ReplicaSet",
            "Pod",
            "Container",
            "ConfigMap",
            "PersistentVolumeClaim",
            "Secret",
            "Secret",
            "ServiceAccount"
        ]
    );
    assert_eq!(kinds[16], "Service");
    // The store orders rows by key: the keys must read in tree order.
    let keys: Vec<&RowKey> = rows.iter().map(|r| &r.key).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    // Every node knows its object; a container's row is its pod plus the container.
    let container = rows[3].object.as_deref().unwrap();
    assert_eq!(container.target.display(), "pod/shop/web-7d9f-a");
    assert_eq!(container.container.as_deref(), Some("app"));
    assert_eq!(
        rows[4].object.as_deref().unwrap().target.kind.kind,
        "ConfigMap"
    );
    // A referenced Secret that does not exist is an error; an optional one is not; references of a
    // kind that could not be listed are unchecked.
    let status = |i: usize| (col(&rows[i], 3), rows[i].tone);
    assert_eq!(status(4), ("Found".into(), Tone::Normal));
    assert_eq!(status(5), ("Bound".into(), Tone::Ok));
    assert_eq!(status(6), ("Missing (optional)".into(), Tone::Normal));
    assert_eq!(status(7), ("Missing".into(), Tone::Error));
    assert_eq!(status(8), (String::new(), Tone::Normal));
    // The missing secret marks its pod, replicaset and deployment.
    assert_eq!(rows[0].tone, Tone::Error);
    assert!(
        col(&rows[0], 3).contains("secret Missing"),
        "{}",
        col(&rows[0], 3)
    );
    assert_eq!(rows[0].selector.as_deref(), Some("app=web"));
}

#[test]
fn a_crashlooping_pod_marks_its_deployment() {
    let mut objs = objects(true);
    objs.secrets = Some([("shop".into(), "web-secret".into())].into());
    let rows = build(Root::Deployments, &objs, true);
    assert_eq!(col(&rows[0], 0), "shop/web");
    assert_eq!(col(&rows[0], 2), "1/2");
    assert_eq!(rows[0].tone, Tone::Error);
    assert_eq!(col(&rows[0], 3), "Not ready; pod CrashLoopBackOff");
    let b = rows
        .iter()
        .find(|r| col(r, 0).ends_with("web-7d9f-b"))
        .unwrap();
    assert_eq!(
        (col(b, 3), b.tone),
        ("CrashLoopBackOff".into(), Tone::Error)
    );
    let a = rows
        .iter()
        .find(|r| col(r, 0).ends_with("web-7d9f-a"))
        .unwrap();
    assert_eq!(a.tone, Tone::Ok);
}

#[test]
fn services_and_pods_are_roots_too() {
    let objs = objects(false);
    let rows = build(Root::Services, &objs, false);
    let roots: Vec<String> = rows
        .iter()
        .filter(|r| !col(r, 0).starts_with(['├', '└', '│', ' ']))
        .map(|r| col(r, 0))
        .collect();
    assert_eq!(roots, ["db", "web"]);
    assert_eq!(
        rows.iter().filter(|r| col(r, 1) == "Pod").count(),
        2,
        "web selects both pods, db none"
    );
    let rows = build(Root::Pods, &objs, false);
    assert_eq!(col(&rows[0], 0), "web-7d9f-a");
    assert_eq!(Root::of(&kind_spec("deployments")), Some(Root::Deployments));
    assert_eq!(Root::of(&kind_spec("configmaps")), None);
}
