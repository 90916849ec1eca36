//! Who may do what on the sim, and evictions: impersonation, SubjectAccessReview and the eviction
//! subresource behind `kubectl drain`, with PodDisruptionBudgets and cordoned nodes honoured. Refereed
//! by kubectl across the skew range (1.31–1.33).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test (or bench) may panic on what it sets up

mod sim_support;

use std::time::Duration;

use kdeck::sim::{Scenario, VIEWER_CONTEXT};
use serde_json::Value;
use sim_support::TestSim;
use sim_support::skew::{SKEW, have_kubectl, ok, run};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn impersonation_and_access_reviews_follow_the_bindings() {
    if !have_kubectl() {
        return;
    }
    let t = TestSim::start(Scenario::with_pods(1)).await;
    for v in SKEW {
        // The admin may impersonate anyone; "nobody" has no bindings, the sim's viewer reads.
        let can = |args: &[&str]| {
            let mut all = vec!["auth", "can-i"];
            all.extend_from_slice(args);
            stdout(&run(&t, v, &all, None))
        };
        assert_eq!(
            can(&["list", "pods", "--as", "nobody"]),
            "no",
            "kubectl {v}"
        );
        assert_eq!(
            can(&["list", "pods", "--as", "kdeck-sim-viewer"]),
            "yes",
            "kubectl {v}"
        );
        assert_eq!(
            can(&["create", "deployments", "--as", "kdeck-sim-viewer"]),
            "no",
            "kubectl {v}"
        );
        // A group given with --as-group counts: system:masters may do anything.
        assert_eq!(
            can(&[
                "delete",
                "nodes",
                "--as",
                "nobody",
                "--as-group",
                "system:masters"
            ]),
            "yes",
            "kubectl {v}"
        );
        let denied = run(&t, v, &["get", "secrets", "--as", "nobody"], None);
        assert!(!denied.status.success());
        assert!(
            stderr(&denied).contains(
                "secrets is forbidden: User \"nobody\" cannot list resource \"secrets\" in API group \"\" in the namespace \"default\""
            ),
            "kubectl {v}: {}",
            stderr(&denied)
        );
        // The viewer may not impersonate: 403 naming the user it asked to be.
        let refused = run(
            &t,
            v,
            &[
                "--context",
                VIEWER_CONTEXT,
                "get",
                "pods",
                "--as",
                "kdeck-sim-admin",
            ],
            None,
        );
        assert!(
            stderr(&refused).contains(
                "users \"kdeck-sim-admin\" is forbidden: User \"kdeck-sim-viewer\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"
            ),
            "kubectl {v}: {}",
            stderr(&refused)
        );
    }
    // A SubjectAccessReview asks about another user, with exactly the groups it names.
    let sar = |user: &str, verb: &str| {
        format!(
            "apiVersion: authorization.k8s.io/v1\nkind: SubjectAccessReview\nspec:\n  user: {user}\n  resourceAttributes: {{namespace: default, verb: {verb}, group: apps, resource: deployments}}\n"
        )
    };
    let allowed = |doc: String| -> Value {
        let out = ok(&t, "1.32", &["create", "-f", "-", "-o", "json"], Some(&doc));
        serde_json::from_str::<Value>(&out).unwrap()["status"]["allowed"].clone()
    };
    assert_eq!(allowed(sar("kdeck-sim-viewer", "list")), true);
    assert_eq!(allowed(sar("kdeck-sim-viewer", "create")), false);
    assert_eq!(allowed(sar("nobody", "list")), false);
    // The viewer may not ask about others.
    let out = run(
        &t,
        "1.32",
        &["--context", VIEWER_CONTEXT, "create", "-f", "-"],
        Some(&sar("nobody", "list")),
    );
    assert!(stderr(&out).contains("Forbidden"), "{}", stderr(&out));
}

/// Polls `check` for up to 30 s.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..300 {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("never: {what}");
}

const SHOP: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      terminationGracePeriodSeconds: 0
      containers: [{name: web, image: nginx:1.27}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: shop, namespace: default}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: shop}}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_cordons_then_evicts_as_far_as_the_disruption_budget_allows() {
    if !have_kubectl() {
        return;
    }
    let t = TestSim::start(Scenario::with_pods(1)).await;
    ok(&t, "1.32", &["apply", "-f", "-"], Some(SHOP));
    let ready = || {
        ok(
            &t,
            "1.32",
            &[
                "get",
                "pdb",
                "shop",
                "-o",
                "jsonpath={.status.currentHealthy}/{.status.desiredHealthy}/{.status.disruptionsAllowed}",
            ],
            None,
        )
    };
    eventually("2 healthy shop pods", || ready() == "2/2/0");
    let node_of_shop = || {
        ok(
            &t,
            "1.32",
            &[
                "get",
                "pods",
                "-l",
                "app=shop",
                "-o",
                "jsonpath={.items[0].spec.nodeName}",
            ],
            None,
        )
    };
    let node = node_of_shop();
    let drain = |v: &str| {
        run(
            &t,
            v,
            &[
                "drain",
                &node,
                "--ignore-daemonsets",
                "--delete-emptydir-data",
                "--timeout=2s",
            ],
            None,
        )
    };
    // The budget allows no disruption: every kubectl reports it and gives up at its timeout, leaving the
    // node cordoned and the pods where they were.
    for v in SKEW {
        let out = drain(v);
        assert!(!out.status.success(), "kubectl {v}: {}", stdout(&out));
        assert!(
            stderr(&out)
                .contains("Cannot evict pod as it would violate the pod's disruption budget"),
            "kubectl {v}: {}",
            stderr(&out)
        );
        let cordoned = ok(
            &t,
            v,
            &["get", "node", &node, "-o", "jsonpath={.spec.unschedulable}"],
            None,
        );
        assert_eq!(cordoned, "true", "kubectl {v}");
    }
    assert_eq!(ready(), "2/2/0");
    // Once the budget allows one disruption the drain goes through; the replacement pod is scheduled
    // away from the cordoned node.
    ok(
        &t,
        "1.32",
        &[
            "patch",
            "pdb",
            "shop",
            "--type=merge",
            "-p",
            r#"{"spec":{"minAvailable":1}}"#,
        ],
        None,
    );
    eventually("one disruption allowed", || ready().ends_with("/1/1"));
    let out = run(
        &t,
        "1.32",
        &[
            "drain",
            &node,
            "--ignore-daemonsets",
            "--delete-emptydir-data",
            "--timeout=30s",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("drained"), "{}", stdout(&out));
    // Only DaemonSet pods stay (--ignore-daemonsets), as on a real node.
    eventually("no pod but DaemonSet pods left on the drained node", || {
        let list = ok(
            &t,
            "1.32",
            &[
                "get",
                "pods",
                "-A",
                "--field-selector",
                &format!("spec.nodeName={node}"),
                "-o",
                "json",
            ],
            None,
        );
        let list: Value = serde_json::from_str(&list).unwrap();
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["metadata"]["ownerReferences"][0]["kind"] == "DaemonSet")
    });
    eventually("2 shop pods again, none on the cordoned node", || {
        let nodes = ok(
            &t,
            "1.32",
            &[
                "get",
                "pods",
                "-l",
                "app=shop",
                "--field-selector",
                "status.phase=Running",
                "-o",
                "jsonpath={.items[*].spec.nodeName}",
            ],
            None,
        );
        let nodes: Vec<&str> = nodes.split_whitespace().collect();
        nodes.len() == 2 && !nodes.contains(&node.as_str())
    });
    // Evicting a pod that does not exist is the pod's 404.
    let raw = run(
        &t,
        "1.32",
        &[
            "create",
            "--raw",
            "/api/v1/namespaces/default/pods/nope/eviction",
            "-f",
            "-",
        ],
        Some(
            r#"{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"nope","namespace":"default"}}"#,
        ),
    );
    assert!(
        stderr(&raw).contains("pods \"nope\" not found"),
        "{}",
        stderr(&raw)
    );
}
