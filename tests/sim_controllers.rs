//! Controllers a user would miss, refereed by kubectl: EndpointSlices kept beside Endpoints, and the
//! horizontal pod autoscaler scaling from the simulated usage, StatefulSets rolling through
//! ControllerRevisions.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test (or bench) may panic on what it sets up

mod sim_support;

use kdeck::sim::Scenario;
use serde_json::Value;
use sim_support::TestSim;
use sim_support::skew::{SKEW, have_kubectl, ok};

/// Polls `f` until it returns Some, for at most ~30 s.
fn eventually<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    for _ in 0..300 {
        if let Some(v) = f() {
            return v;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("never happened: {what}");
}

fn json(t: &TestSim, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.extend(["-o", "json"]);
    serde_json::from_str(&ok(t, "1.32", &a, None)).unwrap()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpointslices_follow_the_pods_of_their_service() {
    if !have_kubectl() {
        return;
    }
    let t = TestSim::start(Scenario::with_pods(1)).await;
    ok(
        &t,
        "1.32",
        &[
            "create",
            "deployment",
            "web",
            "--image=nginx",
            "--replicas=2",
            "--port=80",
        ],
        None,
    );
    ok(
        &t,
        "1.32",
        &["expose", "deployment", "web", "--port=80"],
        None,
    );
    let slice_ips = |t: &TestSim| -> Vec<String> {
        let list = json(
            t,
            &[
                "get",
                "endpointslices",
                "-l",
                "kubernetes.io/service-name=web",
            ],
        );
        let items = list["items"].as_array().cloned().unwrap_or_default();
        assert!(items.len() <= 1, "one slice per service: {list}");
        sorted(
            items
                .iter()
                .flat_map(|s| s["endpoints"].as_array().cloned().unwrap_or_default())
                .filter(|e| e["conditions"]["ready"] == true)
                .map(|e| e["addresses"][0].as_str().unwrap().to_string())
                .collect(),
        )
    };
    let pod_ips = |t: &TestSim| -> Vec<String> {
        let pods = json(t, &["get", "pods", "-l", "app=web"]);
        sorted(
            pods["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| {
                    p["status"]["phase"] == "Running"
                        && p["metadata"]["deletionTimestamp"].is_null()
                })
                .filter_map(|p| p["status"]["podIP"].as_str().map(str::to_string))
                .collect(),
        )
    };
    for want in [2usize, 4, 1] {
        ok(
            &t,
            "1.32",
            &["scale", "deploy/web", &format!("--replicas={want}")],
            None,
        );
        eventually(&format!("the slice lists the {want} ready pods"), || {
            let (s, p) = (slice_ips(&t), pod_ips(&t));
            (s.len() == want && s == p).then_some(())
        });
    }
    for v in SKEW {
        let table = ok(
            &t,
            v,
            &[
                "get",
                "endpointslices",
                "-l",
                "kubernetes.io/service-name=web",
            ],
            None,
        );
        assert!(
            table.contains("ADDRESSTYPE") && table.contains("IPv4"),
            "kubectl {v}: {table}"
        );
    }
    ok(&t, "1.32", &["delete", "service", "web"], None);
    eventually("the slice goes with its service", || {
        let list = json(
            &t,
            &[
                "get",
                "endpointslices",
                "-l",
                "kubernetes.io/service-name=web",
            ],
        );
        list["items"]
            .as_array()
            .is_some_and(|i| i.is_empty())
            .then_some(())
    });
}

/// An autoscaling/v2 HPA on cpu utilization.
fn hpa_v2(name: &str, percent: u32, min: u32, max: u32) -> String {
    format!(
        r#"{{"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {{"name": "{name}"}},
          "spec": {{"scaleTargetRef": {{"apiVersion": "apps/v1", "kind": "Deployment", "name": "{name}"}},
            "minReplicas": {min}, "maxReplicas": {max},
            "metrics": [{{"type": "Resource", "resource": {{"name": "cpu",
              "target": {{"type": "Utilization", "averageUtilization": {percent}}}}}}}]}}}}"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_hpa_scales_its_deployment_from_the_metrics_and_reports_them() {
    if !have_kubectl() {
        return;
    }
    let t = TestSim::start(Scenario::with_pods(1)).await;
    // Requests make utilization measurable; the simulated usage sits between 25 % and 90 % of them,
    // so a 10 % target always wants more pods.
    let dep = r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"},
      "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "api"}},
        "template": {"metadata": {"labels": {"app": "api"}},
          "spec": {"containers": [{"name": "api", "image": "nginx",
            "resources": {"requests": {"cpu": "100m"}, "limits": {"cpu": "200m"}}}]}}}}"#;
    ok(&t, "1.32", &["apply", "-f", "-"], Some(dep));
    eventually("the pod runs", || {
        let pods = json(&t, &["get", "pods", "-l", "app=api"]);
        pods["items"][0]["status"]["phase"]
            .eq("Running")
            .then_some(())
    });
    ok(
        &t,
        "1.33",
        &["apply", "-f", "-"],
        Some(&hpa_v2("api", 10, 1, 3)),
    );
    let hpa = eventually("the HPA has a status", || {
        let h = json(&t, &["get", "hpa", "api"]);
        h["status"]["currentMetrics"].is_array().then_some(h)
    });
    let util = hpa["status"]["currentMetrics"][0]["resource"]["current"]["averageUtilization"]
        .as_i64()
        .unwrap();
    assert!((20..=100).contains(&util), "{hpa}");
    let active = hpa["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "ScalingActive")
        .cloned()
        .unwrap();
    assert_eq!(active["status"], "True", "{hpa}");
    eventually("the deployment is scaled to the maximum", || {
        let d = json(&t, &["get", "deploy", "api"]);
        (d["spec"]["replicas"] == 3).then_some(())
    });
    for v in SKEW {
        let table = ok(&t, v, &["get", "hpa", "api"], None);
        assert!(
            table.contains("cpu: ") && table.contains("%/10%"),
            "kubectl {v}: {table}"
        );
    }
    let described = ok(&t, "1.32", &["describe", "hpa", "api"], None);
    assert!(
        described.contains("SuccessfulRescale") && described.contains("New size: 3"),
        "{described}"
    );

    // Without requests, the HPA says why it cannot scale, as the controller does.
    ok(
        &t,
        "1.32",
        &["create", "deployment", "bare", "--image=nginx"],
        None,
    );
    // `kubectl autoscale` writes autoscaling/v1 (as protobuf), stored as v2.
    for v in SKEW {
        let name = format!("--name=bare-{}", v.replace('.', "-"));
        ok(
            &t,
            v,
            &[
                "autoscale",
                "deployment",
                "bare",
                "--cpu-percent=50",
                "--max=2",
                &name,
            ],
            None,
        );
    }
    let bare = eventually("the bare HPA has conditions", || {
        let h = json(&t, &["get", "hpa", "bare-1-31"]);
        h["status"]["conditions"].is_array().then_some(h)
    });
    let text = bare["status"]["conditions"].to_string();
    assert!(
        text.contains("FailedGetResourceMetric") || text.contains("did not receive metrics"),
        "{bare}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_versions_of_a_kind_read_and_write_the_same_objects() {
    if !have_kubectl() {
        return;
    }
    let t = TestSim::start(Scenario::with_pods(2)).await;
    ok(
        &t,
        "1.32",
        &["create", "deployment", "web", "--image=nginx"],
        None,
    );
    ok(
        &t,
        "1.32",
        &["apply", "-f", "-"],
        Some(&hpa_v2("web", 60, 1, 4)),
    );
    eventually("the new pod has events", || {
        let evs = json(
            &t,
            &[
                "get",
                "events",
                "--field-selector",
                "involvedObject.kind=Pod",
            ],
        );
        (!evs["items"].as_array()?.is_empty()).then_some(())
    });
    for v in SKEW {
        // The v2 object read as autoscaling/v1.
        let v1 = ok(
            &t,
            v,
            &[
                "get",
                "horizontalpodautoscalers.v1.autoscaling",
                "web",
                "-o",
                "json",
            ],
            None,
        );
        let v1: Value = serde_json::from_str(&v1).unwrap();
        assert_eq!(v1["apiVersion"], "autoscaling/v1", "kubectl {v}");
        assert_eq!(
            v1["spec"]["targetCPUUtilizationPercentage"], 60,
            "kubectl {v}: {v1}"
        );
        // Core events read as events.k8s.io/v1, with its field names, and its field selectors.
        let evs = ok(
            &t,
            v,
            &[
                "get",
                "events.v1.events.k8s.io",
                "-A",
                "--field-selector",
                "regarding.kind=Pod",
                "-o",
                "json",
            ],
            None,
        );
        let evs: Value = serde_json::from_str(&evs).unwrap();
        let items = evs["items"].as_array().unwrap();
        assert!(!items.is_empty(), "kubectl {v}: the pods' events");
        for e in items {
            assert_eq!(e["apiVersion"], "events.k8s.io/v1", "kubectl {v}");
            assert_eq!(e["regarding"]["kind"], "Pod", "kubectl {v}: {e}");
            assert!(
                e["note"].is_string() && e.get("message").is_none(),
                "kubectl {v}: {e}"
            );
        }
    }
    // A patch through v1 changes the stored v2 object.
    ok(
        &t,
        "1.32",
        &[
            "patch",
            "horizontalpodautoscalers.v1.autoscaling",
            "web",
            "--type=merge",
            "-p",
            r#"{"spec":{"targetCPUUtilizationPercentage":75}}"#,
        ],
        None,
    );
    let v2 = json(
        &t,
        &["get", "horizontalpodautoscalers.v2.autoscaling", "web"],
    );
    assert_eq!(
        v2["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"], 75,
        "{v2}"
    );
}

const DB: &str = r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: default}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: pg, image: "postgres:16"}]
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statefulsets_roll_through_controller_revisions_that_kubectl_reads_and_undoes() {
    if !have_kubectl() {
        return;
    }
    let t = TestSim::start(Scenario::with_pods(1)).await;
    ok(&t, "1.32", &["apply", "-f", "-"], Some(DB));
    let images = |t: &TestSim| -> Option<Vec<String>> {
        let pods = json(t, &["get", "pods", "-l", "app=db"]);
        let items = pods["items"].as_array()?;
        let ready = items.len() == 2
            && items.iter().all(|p| {
                p["status"]["conditions"].as_array().is_some_and(|c| {
                    c.iter()
                        .any(|c| c["type"] == "Ready" && c["status"] == "True")
                })
            });
        ready.then(|| {
            sorted(
                items
                    .iter()
                    .map(|p| {
                        p["spec"]["containers"][0]["image"]
                            .as_str()
                            .unwrap()
                            .to_string()
                    })
                    .collect(),
            )
        })
    };
    eventually("db ready", || {
        images(&t).filter(|i| i == &["postgres:16", "postgres:16"])
    });
    for v in SKEW {
        let history = ok(&t, v, &["rollout", "history", "sts/db"], None);
        assert!(history.contains("REVISION"), "kubectl {v}: {history}");
    }
    ok(
        &t,
        "1.32",
        &["set", "image", "sts/db", "pg=postgres:17"],
        None,
    );
    let status = ok(
        &t,
        "1.32",
        &["rollout", "status", "sts/db", "--timeout=60s"],
        None,
    );
    assert!(status.contains("roll"), "{status}");
    eventually("both pods on postgres:17", || {
        images(&t).filter(|i| i == &["postgres:17", "postgres:17"])
    });
    let revs = json(&t, &["get", "controllerrevisions", "-l", "app=db"]);
    let mut numbers: Vec<i64> = revs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["revision"].as_i64().unwrap())
        .collect();
    numbers.sort();
    assert_eq!(numbers, vec![1, 2]);
    let sts = json(&t, &["get", "sts", "db"]);
    assert_eq!(
        sts["status"]["currentRevision"],
        sts["status"]["updateRevision"]
    );
    assert_eq!(sts["status"]["updatedReplicas"], 2);
    // kubectl undoes a rollout by patching the template back from the previous revision.
    for v in ["1.31", "1.33"] {
        let out = ok(
            &t,
            v,
            &["rollout", "undo", "sts/db", "--to-revision=1"],
            None,
        );
        assert!(out.contains("rolled back"), "kubectl {v}: {out}");
        eventually("both pods back on postgres:16", || {
            images(&t).filter(|i| i == &["postgres:16", "postgres:16"])
        });
        ok(&t, v, &["set", "image", "sts/db", "pg=postgres:17"], None);
        eventually("both pods on postgres:17 again", || {
            images(&t).filter(|i| i == &["postgres:17", "postgres:17"])
        });
    }
}
