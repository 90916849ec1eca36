//! Replays the cases in capture order. What the recording names by a random suffix or a
//! resourceVersion (a web pod, the active ReplicaSet, a node, list versions, continue tokens, an ETag)
//! is looked up in the sim at the same point of the sequence, and the unrecorded calls `capture.py`
//! makes between cases (creating the pods and deployments a delete case deletes, waiting for a
//! rollout) are made here too.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

use super::case::Case;
use super::client::{Clients, Req};
use super::setup::{call, get, pods, running, running_count, wait_until};
use super::shape::{Answer, Body};

/// Requests `capture.py` sent while the watch of another case was open (1 s after it started).
const DURING: &[(u32, &[u32])] = &[(324, &[325]), (327, &[328, 329]), (330, &[331])];

pub struct Runner<'a> {
    pub c: Arc<Clients>,
    /// Replaces the sim's faults.
    set_faults: &'a dyn Fn(kdeck::sim::FaultSpec),
    vars: HashMap<&'static str, String>,
    /// Answers of requests sent during an earlier case's watch.
    pending: HashMap<u32, Answer>,
    /// The sim's node names, in order (the corpus's `realk8s-node-1`, `-2`).
    nodes: Vec<String>,
}

fn b64(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

impl<'a> Runner<'a> {
    pub async fn new(c: Arc<Clients>, set_faults: &'a dyn Fn(kdeck::sim::FaultSpec)) -> Runner<'a> {
        let (_, nl) = get(&c, "/api/v1/nodes").await;
        let mut nodes: Vec<String> = nl["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|n| n["metadata"]["name"].as_str().unwrap().to_string())
            .collect();
        nodes.sort();
        Runner {
            c,
            set_faults,
            vars: HashMap::new(),
            pending: HashMap::new(),
            nodes,
        }
    }

    fn var(&self, k: &str) -> String {
        self.vars
            .get(k)
            .cloned()
            .unwrap_or_else(|| panic!("no {k} yet"))
    }

    async fn list_rv(&self, path: &str) -> String {
        let (_, l) = get(&self.c, path).await;
        l["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// `capture.py`'s `web_pod`: the first web pod by name (running ones only, when asked).
    async fn pick_web_pod(&mut self, only_running: bool) {
        let mut names: Vec<String> = pods(&self.c, "app%3Dweb")
            .await
            .iter()
            .filter(|p| !only_running || running(p))
            .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        self.vars.insert("web_pod", names.remove(0));
    }

    async fn create(&self, path: &str, obj: Value) {
        let (code, body) = call(&self.c, Req::new("POST", path).json(&obj)).await;
        assert!(
            code == 201 || code == 409,
            "creating in {path}: {code} {body}"
        );
    }

    async fn wait_gone(&self, path: &str, timeout: Duration) {
        wait_until(&format!("{path} gone"), timeout, || async {
            get(&self.c, path).await.0 == 404
        })
        .await;
    }

    /// The unrecorded calls `capture.py` makes before a case.
    async fn before(&mut self, n: u32) {
        let d = "/apis/apps/v1/namespaces/shop/deployments";
        let p = "/api/v1/namespaces/shop/pods";
        let cm = "/api/v1/namespaces/shop/configmaps";
        match n {
            313 | 316 | 318 => {
                let rv = self.var("page1_rv");
                self.vars.insert("rv", rv);
            }
            322 => {
                let rv = self.list_rv(&format!("{p}?labelSelector=app%3Dweb")).await;
                self.vars.insert("pods_web_rv", rv);
            }
            323 => {
                let rv = self.var("pods_web_rv");
                self.vars.insert("rv", rv);
            }
            324 => {
                let (_, dep) = get(&self.c, &format!("{d}/web")).await;
                let rv = dep["metadata"]["resourceVersion"].as_str().unwrap();
                self.vars.insert("rv", rv.to_string());
            }
            326 | 330 | 334 => {
                let rv = self.list_rv(cm).await;
                self.vars.insert("rv", rv);
            }
            333 => {
                let rv = self
                    .list_rv("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases")
                    .await;
                self.vars.insert("rv", rv);
            }
            351 => self.pick_web_pod(false).await,
            418 => {
                self.pick_web_pod(true).await;
                // The recording's cluster has no kubelet: logs, exec and port-forward fail dialing it.
                // The sim's kubeletUnreachable fault answers as such an apiserver does.
                (self.set_faults)(kdeck::sim::FaultSpec {
                    kubelet_unreachable: self.nodes.clone(),
                    ..Default::default()
                });
            }
            380 => {
                let (_, cfg) = get(&self.c, &format!("{cm}/web-config")).await;
                self.vars.insert("web_config", cfg.to_string());
            }
            438 | 520 => self.pick_web_pod(true).await,
            426 => tokio::time::sleep(Duration::from_secs(2)).await,
            453 => {
                wait_until("web settled", Duration::from_secs(30), || async {
                    let (_, o) = get(&self.c, &format!("{d}/web")).await;
                    o["status"]["observedGeneration"] == o["metadata"]["generation"]
                })
                .await
            }
            466 => {
                for name in ["capture-grace", "capture-now"] {
                    self.create(p, pod_manifest(name, false)).await;
                }
                wait_until("capture pods running", Duration::from_secs(60), || async {
                    running_count(&self.c, "capture%3Dtmp").await == 2
                })
                .await;
            }
            472 => {
                self.create(p, pod_manifest("capture-unscheduled", true))
                    .await
            }
            473 => {
                for (name, n) in [("capture-fg", 2), ("capture-orphan", 1), ("capture-bg", 1)] {
                    self.create(d, deployment(name, n)).await;
                }
                wait_until(
                    "capture deployments running",
                    Duration::from_secs(60),
                    || async {
                        running_count(&self.c, "app%3Dcapture-fg").await == 2
                            && running_count(&self.c, "app%3Dcapture-orphan").await == 1
                            && running_count(&self.c, "app%3Dcapture-bg").await == 1
                    },
                )
                .await;
            }
            476 => {
                self.wait_gone(&format!("{d}/capture-fg"), Duration::from_secs(60))
                    .await
            }
            479 => {
                self.wait_gone(&format!("{d}/capture-orphan"), Duration::from_secs(60))
                    .await
            }
            480 => {
                for i in 0..3 {
                    let obj = json!({"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": format!("batch-{i}"), "labels": {"batch": "tmp"}}, "data": {"i": i.to_string()}});
                    self.create(cm, obj).await;
                }
            }
            489 => {
                // What the skipped server-side apply case made.
                let w = json!({"apiVersion": "example.com/v1", "kind": "Widget",
                    "metadata": {"name": "w-ssa"}, "spec": {"size": 1, "colour": "green"}});
                self.create("/apis/example.com/v1/namespaces/shop/widgets", w)
                    .await;
            }
            491 => {
                for name in ["ssa-demo", "ssa-json"] {
                    let obj = json!({"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": name, "labels": {"capture": "ssa"}}, "data": {"a": "1"}});
                    self.create(cm, obj).await;
                }
            }
            494 => {
                let c = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
                self.create("/api/v1/namespaces/doomed/configmaps", c).await;
            }
            498 => {
                self.wait_gone("/api/v1/namespaces/doomed", Duration::from_secs(90))
                    .await
            }
            _ => {}
        }
    }

    /// What a case's answer tells later cases, and the unrecorded calls `capture.py` makes after it.
    async fn after(&mut self, n: u32, a: &Answer) {
        let p = "/api/v1/namespaces/shop/pods";
        match (n, &a.body) {
            (19, _) => {
                if let Some(e) = a.header("etag") {
                    self.vars.insert("etag", e.to_string());
                }
            }
            (306, Body::Json(v)) => {
                let md = &v["metadata"];
                self.vars
                    .insert("continue", md["continue"].as_str().unwrap_or("").into());
                self.vars
                    .insert("page1_rv", md["resourceVersion"].as_str().unwrap().into());
            }
            (322, _) => {
                wait_until("4 web pods", Duration::from_secs(60), || async {
                    running_count(&self.c, "app%3Dweb").await == 4
                })
                .await
            }
            (437, _) => {
                (self.set_faults)(kdeck::sim::FaultSpec::default());
                call(
                    &self.c,
                    Req::new(
                        "DELETE",
                        &format!("{p}/capture-pending?gracePeriodSeconds=0"),
                    ),
                )
                .await;
            }
            (465, _) => {
                wait_until("3 web pods", Duration::from_secs(60), || async {
                    running_count(&self.c, "app%3Dweb").await == 3
                })
                .await
            }
            (472, _) => {
                self.wait_gone(&format!("{p}/capture-grace"), Duration::from_secs(30))
                    .await
            }
            (479, _) => {
                call(
                    &self.c,
                    Req::new(
                        "DELETE",
                        "/apis/apps/v1/namespaces/shop/replicasets?labelSelector=app%3Dcapture-orphan",
                    ),
                )
                .await;
            }
            _ => {}
        }
    }

    /// The active ReplicaSet of `shop/web`.
    async fn web_rs(&self) -> String {
        let (_, l) = get(
            &self.c,
            "/apis/apps/v1/namespaces/shop/replicasets?labelSelector=app%3Dweb",
        )
        .await;
        l["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["spec"]["replicas"].as_i64().unwrap_or(0) > 0)
            .map(|r| r["metadata"]["name"].as_str().unwrap().to_string())
            .unwrap()
    }

    /// The case's request with the recording's names and versions replaced by the sim's.
    async fn request(&mut self, case: &Case) -> Req {
        let mut path = case.path.clone();
        let pod_re = regex::Regex::new(r"web-[0-9a-z]{6,10}-[0-9a-z]{5}").unwrap();
        let rs_re = regex::Regex::new(r"/replicasets/web-[0-9a-z]{6,10}/").unwrap();
        if rs_re.is_match(&path) {
            let rs = format!("/replicasets/{}/", self.web_rs().await);
            path = rs_re.replace(&path, rs.as_str()).into_owned();
        }
        let web_pod = self.vars.get("web_pod").cloned().unwrap_or_default();
        path = pod_re.replace_all(&path, web_pod.as_str()).into_owned();
        for (i, node) in self.nodes.iter().enumerate() {
            path = path.replace(&format!("realk8s-node-{}", i + 1), node);
        }
        let rv_re = regex::Regex::new(r"resourceVersion=(\d+)").unwrap();
        if let Some(m) = rv_re.captures(&path)
            && !["0", "1", "10", "99999999"].contains(&&m[1])
        {
            let rv = format!("resourceVersion={}", self.var("rv"));
            path = rv_re.replace(&path, rv.as_str()).into_owned();
        }
        let cont_re = regex::Regex::new(r"continue=([A-Za-z0-9_-]{20,})").unwrap();
        if let Some(m) = cont_re.captures(&path) {
            let token = self.var("continue");
            let token = if case.num == 311 {
                expired(&token, &m[1])
            } else {
                token
            };
            path = cont_re
                .replace(&path, format!("continue={token}").as_str())
                .into_owned();
        }
        let mut body = case.body.clone();
        if let Some(Value::Object(b)) = &mut body
            && b.get("kind").and_then(Value::as_str) == Some("ConfigMap")
            && b["metadata"].get("uid").is_some()
        {
            // A PUT of what an earlier GET returned: the sim's own object's metadata.
            let cfg: Value = serde_json::from_str(&self.var("web_config")).unwrap();
            let mut md = cfg["metadata"].clone();
            if b["metadata"].get("resourceVersion").is_none() {
                md.as_object_mut().unwrap().remove("resourceVersion");
            }
            b.insert("metadata".into(), md);
        }
        let body = body.map(|b| {
            let text = match &b {
                Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            pod_re
                .replace_all(&text, web_pod.as_str())
                .into_owned()
                .into_bytes()
        });
        let headers = case
            .headers
            .iter()
            .map(|(k, v)| {
                if k.eq_ignore_ascii_case("if-none-match") {
                    // The sim's own ETag for the same document, if it gave one.
                    let etag = self.vars.get("etag").cloned();
                    (
                        k.clone(),
                        etag.unwrap_or_else(|| "\"no-etag-from-the-sim\"".into()),
                    )
                } else {
                    (k.clone(), v.clone())
                }
            })
            .collect();
        Req {
            method: case.method.clone(),
            path,
            accept: case.accept.clone(),
            content_type: case.content_type.clone(),
            body,
            user: case.user.clone(),
            headers,
        }
    }

    /// Sends a case (or takes the answer it got while an earlier watch was open) and runs what comes
    /// before and after it.
    pub async fn run(&mut self, case: &Case, all: &[Case]) -> Answer {
        if let Some(a) = self.pending.remove(&case.num) {
            self.after(case.num, &a).await;
            return a;
        }
        self.before(case.num).await;
        let req = self.request(case).await;
        let wait = Duration::from_secs(case.timeout_seconds().unwrap_or(25) + 5);
        let companions = DURING
            .iter()
            .find(|(n, _)| *n == case.num)
            .map(|(_, cs)| *cs)
            .unwrap_or(&[]);
        let mut during = Vec::new();
        for &cn in companions {
            let other = all.iter().find(|c| c.num == cn).unwrap();
            during.push((cn, self.request(other).await, other.stream));
        }
        let c = self.c.clone();
        let side = tokio::spawn(async move {
            if !during.is_empty() {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            let mut out = Vec::new();
            for (n, req, stream) in during {
                out.push((n, c.send(&req, stream, Duration::from_secs(30)).await));
            }
            out
        });
        let a = self.c.send(&req, case.stream, wait).await;
        for (n, answer) in side.await.unwrap() {
            self.pending.insert(n, answer);
        }
        self.after(case.num, &a).await;
        a
    }
}

/// The sim's continue token with the recording's (compacted) resourceVersion in it.
fn expired(sim_token: &str, recorded: &str) -> String {
    let dec = |t: &str| -> Option<Value> {
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(t.trim_end_matches('='))
            .ok()?;
        serde_json::from_slice(&raw).ok()
    };
    match (dec(sim_token), dec(recorded)) {
        (Some(mut t), Some(r)) => {
            t["rv"] = r["rv"].clone();
            b64(&t)
        }
        _ => recorded.to_string(),
    }
}

/// `capture.py`'s `pod_manifest`.
fn pod_manifest(name: &str, unschedulable: bool) -> Value {
    let mut spec = json!({"containers": [{"name": "main", "image": "busybox:1.36", "command": ["sleep", "3600"]}],
        "terminationGracePeriodSeconds": 30});
    if unschedulable {
        spec["nodeSelector"] = json!({"capture.example.com/no-such-node": "true"});
    }
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "labels": {"capture": "tmp"}}, "spec": spec})
}

fn deployment(name: &str, n: u32) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": {"capture": "tmp"}},
        "spec": {"replicas": n, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]}}}})
}
