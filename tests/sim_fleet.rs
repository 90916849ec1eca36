//! `kdeck sim serve --clusters N`: N independent clusters in one process behind one kubeconfig, each
//! with its own state, node names and server version (three minors), refereed by kubectl.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test (or bench) may panic on what it sets up

use std::process::Command;

use kdeck::sim::Scenario;

fn kubectl(kubeconfig: &std::path::Path, home: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new("kubectl")
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home)
        .env("KUBECONFIG", kubeconfig)
        .args(args)
        .output()
        .expect("kubectl runs (install kubectl at /usr/bin/kubectl)");
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_clusters_are_three_independent_servers_in_one_kubeconfig() {
    if !std::path::Path::new("/usr/bin/kubectl").exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "install kubectl at /usr/bin/kubectl"
        );
        eprintln!("skipped: no kubectl");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("fleet.kubeconfig");
    let fleet = kdeck::sim::start_fleet(
        "127.0.0.1:0".parse().unwrap(),
        Some(kc.clone()),
        Scenario::with_pods(20),
        3,
    )
    .await
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&kc).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let home = dir.path();
    let contexts = kubectl(&kc, home, &["config", "get-contexts", "-o", "name"]);
    assert_eq!(
        contexts.split_whitespace().collect::<Vec<_>>(),
        ["kdeck-sim-1", "kdeck-sim-2", "kdeck-sim-3"]
    );
    let mut minors = Vec::new();
    for k in 1..=3 {
        let ctx = format!("kdeck-sim-{k}");
        let v = kubectl(&kc, home, &["--context", &ctx, "version", "-o", "json"]);
        let v: serde_json::Value = serde_json::from_str(&v).unwrap();
        minors.push(v["serverVersion"]["minor"].as_str().unwrap().to_string());
        let nodes = kubectl(
            &kc,
            home,
            &["--context", &ctx, "get", "nodes", "-o", "name"],
        );
        assert!(
            nodes
                .lines()
                .all(|n| n.starts_with(&format!("node/sim{k}-node-"))),
            "{nodes}"
        );
        let pods = kubectl(
            &kc,
            home,
            &["--context", &ctx, "get", "pods", "-A", "--no-headers"],
        );
        assert_eq!(pods.lines().count(), 20, "--pods seeds each cluster");
    }
    minors.sort();
    assert_eq!(minors, ["31", "32", "33"]);
    // A change on one cluster stays there.
    kubectl(
        &kc,
        home,
        &["--context", "kdeck-sim-2", "delete", "ns", "team-00"],
    );
    let gone = kubectl(
        &kc,
        home,
        &["--context", "kdeck-sim-2", "get", "ns", "-o", "name"],
    );
    let kept = kubectl(
        &kc,
        home,
        &["--context", "kdeck-sim-1", "get", "ns", "-o", "name"],
    );
    assert!(
        !gone.contains("namespace/team-00") && kept.contains("namespace/team-00"),
        "{gone}\n{kept}"
    );
    for s in fleet.sims {
        s.shutdown().await;
    }
}
