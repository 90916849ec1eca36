//! Builds the corpus's cluster state (`setup/*.yaml`, what `setup/setup.sh` applies) in the sim through
//! its HTTP API, then makes the same history: a rollout to a new image (two ReplicaSets) and an
//! annotation on `shop/web`.

use std::collections::HashMap;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use super::case::corpus_dir;
use super::client::{Clients, Req};
use super::shape::Body;

const WAIT: Duration = Duration::from_secs(30);

pub async fn call(c: &Clients, req: Req) -> (u16, Value) {
    let a = c.send(&req, false, WAIT).await;
    let v = match a.body {
        Body::Json(v) => v,
        _ => Value::Null,
    };
    (a.status, v)
}

pub async fn get(c: &Clients, path: &str) -> (u16, Value) {
    call(c, Req::new("GET", path)).await
}

/// The collection path of a manifest's kind, from the sim's discovery.
async fn collection(
    c: &Clients,
    cache: &mut HashMap<String, Value>,
    obj: &Value,
) -> Option<String> {
    let av = obj["apiVersion"].as_str()?;
    let base = if av.contains('/') {
        format!("/apis/{av}")
    } else {
        format!("/api/{av}")
    };
    if !cache.contains_key(av) {
        let (_, list) = get(c, &base).await;
        cache.insert(av.to_string(), list);
    }
    let r = cache[av]["resources"]
        .as_array()?
        .iter()
        .find(|r| r["kind"] == obj["kind"] && !r["name"].as_str().unwrap_or("/").contains('/'))?;
    let plural = r["name"].as_str()?;
    Some(match obj["metadata"]["namespace"].as_str() {
        Some(ns) if r["namespaced"] == true => format!("{base}/namespaces/{ns}/{plural}"),
        _ => format!("{base}/{plural}"),
    })
}

/// Creates each manifest, or merges it into the object the sim already has (a StorageClass `standard`,
/// namespaces it seeded), as `kubectl apply` would. A CRD is served the moment it is stored, so its
/// instances may follow at once.
pub async fn apply_file(c: &Clients, file: &str) {
    let text = std::fs::read_to_string(corpus_dir().join("setup").join(file)).unwrap();
    let mut cache = HashMap::new();
    for doc in serde_yaml::Deserializer::from_str(&text) {
        let y = serde_yaml::Value::deserialize(doc).unwrap();
        if y.is_null() {
            continue;
        }
        let obj: Value = serde_json::to_value(&y).unwrap();
        let path = collection(c, &mut cache, &obj)
            .await
            .unwrap_or_else(|| panic!("{file}: the sim does not serve {}", obj["kind"]));
        let (code, body) = call(c, Req::new("POST", &path).json(&obj)).await;
        match code {
            201 => {}
            409 => {
                let name = obj["metadata"]["name"].as_str().unwrap();
                let (code, body) = call(
                    c,
                    Req::new("PATCH", &format!("{path}/{name}"))
                        .json(&obj)
                        .content_type("application/merge-patch+json"),
                )
                .await;
                assert_eq!(code, 200, "{file}: merging {path}/{name}: {body}");
            }
            _ => panic!("{file}: creating in {path}: {code} {body}"),
        }
    }
}

/// Waits for `check` to hold, polling every 100 ms.
pub async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub fn running(p: &Value) -> bool {
    p["status"]["phase"] == "Running" && p["metadata"]["deletionTimestamp"].is_null()
}

/// The pods of `shop` with this (URL-encoded) label selector.
pub async fn pods(c: &Clients, selector: &str) -> Vec<Value> {
    let (_, l) = get(
        c,
        &format!("/api/v1/namespaces/shop/pods?labelSelector={selector}"),
    )
    .await;
    l["items"].as_array().cloned().unwrap_or_default()
}

pub async fn running_count(c: &Clients, selector: &str) -> usize {
    pods(c, selector)
        .await
        .iter()
        .filter(|p| running(p))
        .count()
}

/// What `setup.sh` does.
pub async fn build(c: &Clients) {
    apply_file(c, "crds.yaml").await;
    apply_file(c, "state.yaml").await;
    apply_file(c, "widgets.yaml").await;
    // The recording's viewer is bound only to ClusterRole view; the sim's is bound to a read-all role.
    // Bind it as the recording's was, so the sim's RBAC decides what it may do.
    let crb = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings";
    let (code, body) = call(c, Req::new("DELETE", &format!("{crb}/kdeck-sim-viewer"))).await;
    assert_eq!(code, 200, "unbinding the sim's viewer: {body}");
    let binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": "viewer-view"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "kdeck-sim-viewer"}]});
    let (code, body) = call(c, Req::new("POST", crb).json(&binding)).await;
    assert_eq!(code, 201, "binding the viewer to view: {body}");
    // The service account controller puts `default` in every namespace; the sim has none (a gap the
    // report lists), so the state gets them here.
    for ns in ["default", "shop", "empty"] {
        let sa =
            json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}});
        call(
            c,
            Req::new("POST", &format!("/api/v1/namespaces/{ns}/serviceaccounts")).json(&sa),
        )
        .await;
    }
    wait_until(
        "web, db and agent running",
        Duration::from_secs(60),
        || async {
            running_count(c, "app%3Dweb").await == 3
                && running_count(c, "app%3Ddb").await == 2
                && running_count(c, "app%3Dagent").await == 2
        },
    )
    .await;
    // kubectl set image deploy/web nginx=nginx:1.26: a second ReplicaSet.
    let (code, body) = call(
        c,
        Req::new("PATCH", "/apis/apps/v1/namespaces/shop/deployments/web")
            .json(&json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.26"}]}}}}))
            .content_type("application/strategic-merge-patch+json"),
    )
    .await;
    assert_eq!(code, 200, "set image: {body}");
    wait_until("web rolled out", Duration::from_secs(60), || async {
        let ps = pods(c, "app%3Dweb").await;
        ps.len() == 3
            && ps
                .iter()
                .all(|p| running(p) && p["spec"]["containers"][0]["image"] == "nginx:1.26")
    })
    .await;
    let (code, body) = call(
        c,
        Req::new("PATCH", "/apis/apps/v1/namespaces/shop/deployments/web")
            .json(&json!({"metadata": {"annotations": {"example.com/owner": "shop-team"}}}))
            .content_type("application/merge-patch+json"),
    )
    .await;
    assert_eq!(code, 200, "annotate: {body}");
}
