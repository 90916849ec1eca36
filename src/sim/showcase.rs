//! What every sim cluster has besides its scenario (the local APIServices of its built-in groups, a
//! default StorageClass as kind and minikube ship one), and the demo's showcase of the kinds beyond
//! workloads: a CRD with instances, a Job and a CronJob, an Ingress, a claim the provisioner binds, an
//! HPA, a PDB and RBAC for a service account.
//!
//! Objects go through admission and the store like any client's, so they carry the apiserver's
//! defaults and the controllers pick them up.

use serde_json::{Value, json};

use super::store::Store;
use super::validate;

fn create(store: &Store, obj: Value) {
    let (group, kind) = {
        let av = obj["apiVersion"].as_str().unwrap_or("");
        let group = av.split_once('/').map_or("", |(g, _)| g).to_string();
        (group, obj["kind"].as_str().unwrap_or("").to_string())
    };
    let kinds = store.kinds();
    let Some(rt) = kinds.served().find(|k| k.group == group && k.kind == kind) else {
        eprintln!("kdeck sim: showcase: no kind {kind} in group {group:?}");
        return;
    };
    let mut obj = obj;
    if let Err(e) =
        validate::admit(rt, &mut obj, None).and_then(|()| store.create(rt.index, obj).map(drop))
    {
        eprintln!("kdeck sim: showcase: {kind}: {}", e.message);
    }
}

/// The APIService kube-apiserver registers for each group version it serves itself ("Local").
fn local_apiservices(store: &Store) {
    let now = super::meta::now_rfc3339();
    let mut gvs = vec![(String::new(), "v1".to_string())];
    for (g, versions) in store.kinds().groups() {
        gvs.extend(versions.into_iter().map(|v| (g.clone(), v)));
    }
    for (group, version) in gvs {
        create(
            store,
            json!({"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
                "metadata": {"name": format!("{version}.{group}"),
                    "labels": {"kube-aggregator.kubernetes.io/automanaged": "onstart"}},
                "spec": {"group": group, "version": version, "groupPriorityMinimum": 18000, "versionPriority": 15},
                "status": {"conditions": [{"type": "Available", "status": "True", "lastTransitionTime": now,
                    "reason": "Local", "message": "Local APIServices are always available"}]}}),
        );
    }
}

/// What every cluster has: the APIServices of its built-in groups and a default StorageClass.
pub fn defaults(store: &Store) {
    local_apiservices(store);
    create(
        store,
        json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "kdeck.dev/sim-hostpath", "reclaimPolicy": "Delete",
            "volumeBindingMode": "Immediate", "allowVolumeExpansion": true}),
    );
}

/// The demo's breadth, in namespace `ns` (which the scenario created, with a `frontend` deployment).
pub fn seed(store: &Store, ns: &str) {
    let pod = |name: &str, image: &str, cmd: &[&str]| json!({"restartPolicy": "Never", "containers": [{"name": name, "image": image, "command": cmd}]});
    for obj in [
        json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": "Namespaced",
                "names": {"kind": "Widget", "listKind": "WidgetList", "plural": "widgets", "singular": "widget",
                          "shortNames": ["wd"], "categories": ["all"]},
                "versions": [{"name": "v1", "served": true, "storage": true,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": [
                        {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
                        {"name": "Colour", "type": "string", "jsonPath": ".spec.colour"},
                        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}],
                    "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}}),
        json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "sprocket", "namespace": ns},
            "spec": {"size": 3, "colour": "teal"}}),
        json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "gear", "namespace": ns},
            "spec": {"size": 7, "colour": "orange"}}),
        json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "flange", "namespace": ns},
            "spec": {"size": 1, "colour": "red"}}),
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "db-migrate", "namespace": ns},
            "spec": {"template": {"spec": pod("migrate", "ghcr.io/shop/migrate:2.4.1", &["/migrate", "up"])}}}),
        json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly-report", "namespace": ns},
            "spec": {"schedule": "*/2 * * * *", "concurrencyPolicy": "Forbid",
                "jobTemplate": {"spec": {"template": {"spec": pod("report", "ghcr.io/shop/report:1.0.3", &["/report"])}}}}}),
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": "nginx"},
            "spec": {"controller": "k8s.io/ingress-nginx"}}),
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "shop", "namespace": ns},
            "spec": {"ingressClassName": "nginx", "tls": [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}],
                "rules": [{"host": "shop.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                    "backend": {"service": {"name": "frontend", "port": {"number": 8080}}}}]}}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "172.18.0.240"}]}}}),
        json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "redis-data", "namespace": ns},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}}}}),
        json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "frontend", "namespace": ns},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "frontend"},
                "minReplicas": 2, "maxReplicas": 6,
                "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]}}),
        json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "frontend", "namespace": ns},
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "frontend"}}}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "shop-api", "namespace": ns}}),
        // Started with stdin and a tty, as `kubectl run -it` starts one: `a` attaches to its shell.
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "debug-console", "namespace": ns},
            "spec": {"containers": [{"name": "shell", "image": "busybox:1.36", "command": ["sh"],
                                     "stdin": true, "tty": true}]}}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "pod-reader", "namespace": ns},
            "rules": [{"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list", "watch"]}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "shop-api-reads-pods", "namespace": ns},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"},
            "subjects": [{"kind": "ServiceAccount", "name": "shop-api", "namespace": ns}]}),
    ] {
        create(store, obj);
    }
}
