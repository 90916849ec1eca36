#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The sim's `kubeletUnreachable` fault, refereed by kubectl: logs and exec of pods on the named node fail
//! with the 500 a real kube-apiserver answers when it cannot reach the kubelet (the Status bodies of
//! ../shared/apiserver-1.28 cases 418 and 430), pods on other nodes are untouched, the fault counts what
//! it failed, and clearing it restores service.

mod common;
mod sim_support;

use std::process::Command;

use k8s_openapi::api::core::v1::Pod;
use kdeck::sim::{FaultSpec, Scenario};
use sim_support::TestSim;

// kubectl runs as a blocking child process, so the sim needs threads of its own to answer it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_kubelet_fails_logs_and_exec_as_kube_apiserver_does() {
    let Some(kubectl) = common::kubectl() else {
        return;
    };
    let t = TestSim::start(Scenario::with_pods(12)).await;
    let (sim, kc) = (&t.sim, t.kubeconfig());
    let client = t.admin().await;
    let pods: kube::Api<Pod> = kube::Api::all(client);
    let list = pods.list(&Default::default()).await.unwrap();
    let on_node = |p: &Pod| p.spec.as_ref().and_then(|s| s.node_name.clone());
    let running: Vec<&Pod> = list
        .items
        .iter()
        .filter(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
        .collect();
    let victim = running.first().copied().expect("a running pod");
    let node = on_node(victim).expect("scheduled");
    let healthy = running
        .iter()
        .find(|p| on_node(p).as_deref() != Some(node.as_str()))
        .copied()
        .expect("a running pod on another node");
    let name = |p: &Pod| p.metadata.name.clone().unwrap();
    let ns = |p: &Pod| p.metadata.namespace.clone().unwrap();

    sim.set_faults(FaultSpec {
        kubelet_unreachable: vec![node.clone()],
        ..Default::default()
    });
    let run = |args: &[&str]| {
        Command::new(&kubectl)
            .arg("--kubeconfig")
            .arg(&kc)
            .args(args)
            .output()
            .unwrap()
    };
    let logs = run(&["logs", "-n", &ns(victim), &name(victim), "--tail=1"]);
    assert!(!logs.status.success());
    let err = String::from_utf8_lossy(&logs.stderr);
    assert!(
        err.contains(&format!(
            ":10250/containerLogs/{}/{}/",
            ns(victim),
            name(victim)
        )) && err.contains(":10250: connect: connection refused"),
        "{err}"
    );
    let exec = run(&["exec", "-n", &ns(victim), &name(victim), "--", "date"]);
    assert!(!exec.status.success());
    let err = String::from_utf8_lossy(&exec.stderr);
    assert!(err.contains("error dialing backend: dial tcp"), "{err}");
    assert!(sim.kubelet_refusals() >= 2, "the fault fired");

    let fine = run(&["logs", "-n", &ns(healthy), &name(healthy), "--tail=1"]);
    assert!(fine.status.success(), "{fine:?}");

    sim.set_faults(FaultSpec::default());
    let back = run(&["logs", "-n", &ns(victim), &name(victim), "--tail=1"]);
    assert!(back.status.success(), "{back:?}");
}

/// A workload's merged log with one node's kubelet unreachable: its pods each say why (⟳ lines), and the
/// pods on other nodes keep streaming.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merged_log_keeps_streaming_the_pods_whose_kubelet_answers() {
    use kdeck::cluster::logs::{LineKind, LogEvent, LogOptions, LogSource};
    let t = TestSim::start(Scenario::with_pods(6)).await;
    let sim = &t.sim;
    let client = t.admin().await;
    let pods: kube::Api<Pod> = kube::Api::all(client.clone());
    let list = pods.list(&Default::default()).await.unwrap();
    let first = &list.items[0];
    let ns = first.metadata.namespace.clone().unwrap();
    let app = first.metadata.labels.as_ref().unwrap()["app"].clone();
    let node_of = |name: &str| {
        list.items
            .iter()
            .find(|p| p.metadata.name.as_deref() == Some(name))
            .and_then(|p| p.spec.as_ref()?.node_name.clone())
    };
    let bad = node_of(first.metadata.name.as_deref().unwrap()).unwrap();
    assert!(
        list.items
            .iter()
            .any(|p| p.spec.as_ref().and_then(|s| s.node_name.clone()) != Some(bad.clone())),
        "the workload spans two nodes"
    );
    sim.set_faults(FaultSpec {
        kubelet_unreachable: vec![bad.clone()],
        ..Default::default()
    });
    let (_session, mut rx) = kdeck::cluster::logs::start(
        client,
        LogSource::Selector {
            namespace: ns,
            selector: format!("app={app}"),
            container: None,
        },
        LogOptions::default(),
        256,
    )
    .unwrap();
    let (mut refused, mut streamed) = (false, false);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while !(refused && streamed) {
        let ev = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("both kinds of line within 30 s")
            .expect("the merged stream goes on");
        let LogEvent::Line(l) = ev else { continue };
        let on_bad = node_of(&l.pod).as_deref() == Some(bad.as_str());
        match l.kind {
            LineKind::Retrying => {
                assert!(on_bad, "only pods on {bad} are refused: {l:?}");
                assert!(
                    l.text.contains(":10250: connect: connection refused"),
                    "{l:?}"
                );
                refused = true;
            }
            LineKind::Log => {
                assert!(
                    !on_bad,
                    "no lines from a pod whose kubelet is unreachable: {l:?}"
                );
                streamed = true;
            }
            _ => {}
        }
    }
    assert!(sim.kubelet_refusals() > 0);
}

/// `kdeck sim fault set|show|clear` against a running sim: faults change while it runs, `show` counts
/// what fired, the blackhole swallows requests (kubectl times out) but never the fault API, and only the
/// admin may change anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_fault_cli_sets_counts_and_clears_while_the_sim_runs() {
    let Some(kubectl) = common::kubectl() else {
        return;
    };
    let t = TestSim::start(Scenario::with_pods(3)).await;
    let kc = t.kubeconfig();
    let fault = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
            .arg("--kubeconfig")
            .arg(&kc)
            .args(["sim", "fault"])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let kubectl_run = |args: &[&str]| {
        Command::new(&kubectl)
            .arg("--kubeconfig")
            .arg(&kc)
            .args(args)
            .output()
            .unwrap()
    };
    let pods = kubectl_run(&[
        "get",
        "pods",
        "-A",
        "-o",
        "jsonpath={.items[0].metadata.namespace} {.items[0].metadata.name} {.items[0].spec.nodeName}",
    ]);
    let text = String::from_utf8_lossy(&pods.stdout).to_string();
    let parts: Vec<&str> = text.split_whitespace().collect();
    let (ns, pod, node) = (parts[0], parts[1], parts[2]);

    let (ok, out, err) = fault(&["set", &format!("kubeletUnreachable={node}")]);
    assert!(ok, "{err}");
    assert!(out.contains(node), "{out}");
    let logs = kubectl_run(&["logs", "-n", ns, pod, "--tail=1"]);
    assert!(!logs.status.success());
    let (ok, out, _) = fault(&["show"]);
    assert!(ok);
    let shown: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        shown["fired"]["kubeletUnreachable"].as_u64().unwrap() >= 1,
        "{out}"
    );

    // Only the admin may change faults.
    let (ok, _, err) = fault(&["--context", "kdeck-sim-viewer", "clear"]);
    assert!(
        !ok && err.contains("cannot change the sim's faults"),
        "{err}"
    );

    // The blackhole: kubectl's request is never answered; the fault API still is.
    let (ok, _, err) = fault(&["set", "blackhole=true"]);
    assert!(ok, "{err}");
    let hung = kubectl_run(&["get", "ns", "--request-timeout=2s"]);
    assert!(!hung.status.success());
    let (ok, out, _) = fault(&["show"]);
    assert!(ok);
    let shown: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(shown["fired"]["blackhole"].as_u64().unwrap() >= 1, "{out}");
    assert!(fault(&["set", "nope=1"]).2.contains("the keys are"));

    let (ok, _, err) = fault(&["clear"]);
    assert!(ok, "{err}");
    assert!(
        kubectl_run(&["get", "ns", "--request-timeout=5s"])
            .status
            .success()
    );
    assert!(
        kubectl_run(&["logs", "-n", ns, pod, "--tail=1"])
            .status
            .success()
    );
}
