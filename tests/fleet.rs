//! `kdeck fleet --once` over `kdeck sim serve --clusters 3`, a hung server (accepts, never answers) and
//! a directory of kubeconfig files; kubectl breaks one cluster and the table must say which.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test (or bench) may panic on what it sets up

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

use kdeck::sim::Scenario;
use serde_json::Value;

/// A loopback listener that accepts every connection and never answers.
fn hung_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            held.push(conn);
        }
    });
    port
}

fn kubeconfig_for(server: &str, contexts: &[&str]) -> String {
    let mut s = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {{server: \"{server}\", insecure-skip-tls-verify: true}}\nusers:\n- name: u\n  user: {{token: never-sent}}\ncontexts:\n"
    );
    for c in contexts {
        s.push_str(&format!(
            "- name: {c}\n  context: {{cluster: c, user: u}}\n"
        ));
    }
    s
}

fn fleet(home: &Path, kubeconfig: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .args(["fleet", "--once", "--kubeconfig"])
        .arg(kubeconfig)
        .args(extra)
        .output()
        .unwrap()
}

fn rows(out: &Output) -> Vec<Value> {
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
        .as_array()
        .unwrap()
        .clone()
}

fn row<'a>(rows: &'a [Value], context: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["context"] == context)
        .unwrap_or_else(|| panic!("no row {context} in {rows:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fleet_table_covers_every_context_and_flags_the_broken_ones() {
    let kubectl = Path::new("/usr/bin/kubectl");
    if !kubectl.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "install kubectl at /usr/bin/kubectl"
        );
        eprintln!("skipped: no kubectl");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let kc = home.join("fleet.kubeconfig");
    let sims = kdeck::sim::start_fleet(
        "127.0.0.1:0".parse().unwrap(),
        Some(kc.clone()),
        Scenario::with_pods(30),
        3,
    )
    .await
    .unwrap();

    // All three healthy: exit 0, versions of three minors, nodes all ready, metrics there.
    let out = tokio::task::spawn_blocking({
        let (home, kc) = (home.to_path_buf(), kc.clone());
        move || fleet(&home, &kc, &["-o", "json"])
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all = rows(&out);
    assert_eq!(all.len(), 3);
    for (k, minor) in [(1, "31"), (2, "32"), (3, "33")] {
        let r = row(&all, &format!("kdeck-sim-{k}"));
        assert_eq!(r["state"], "ok", "{r}");
        assert!(
            r["version"]
                .as_str()
                .unwrap()
                .starts_with(&format!("v1.{minor}.")),
            "{r}"
        );
        assert_eq!(r["nodesReady"], r["nodesTotal"], "{r}");
        assert!(r["cpuPercent"].as_u64().is_some(), "{r}");
        assert_eq!(r["crashlooping"], 0, "{r}");
    }

    // kubectl breaks cluster 2: a deployment whose image cannot be pulled.
    let run = |args: &[&str]| {
        let out = Command::new(kubectl)
            .env_clear()
            .env("HOME", home)
            .env("KUBECONFIG", &kc)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "--context",
        "kdeck-sim-2",
        "create",
        "deployment",
        "broken",
        "--image=does-not-exist:1",
    ]);

    // A hung server and a directory of kubeconfigs (one name clashing with the main kubeconfig).
    let port = hung_server();
    let kdir = home.join("kubeconfigs");
    std::fs::create_dir_all(kdir.join("lab")).unwrap();
    std::fs::write(
        kdir.join("lab").join("hung.yaml"),
        kubeconfig_for(
            &format!("https://127.0.0.1:{port}"),
            &["hung", "kdeck-sim-1"],
        ),
    )
    .unwrap();
    let out = tokio::task::spawn_blocking({
        let (home, kc, kdir) = (home.to_path_buf(), kc.clone(), kdir.clone());
        move || {
            fleet(
                &home,
                &kc,
                &["-o", "json", "--kubeconfig-dir", kdir.to_str().unwrap()],
            )
        }
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1), "an unhealthy fleet exits 1");
    let all = rows(&out);
    let names: Vec<&str> = all.iter().map(|r| r["context"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "hung",
            "kdeck-sim-1",
            "kdeck-sim-2",
            "kdeck-sim-3",
            "lab/kdeck-sim-1"
        ]
    );
    let hung = row(&all, "hung");
    assert_eq!(hung["state"], "unreachable", "{hung}");
    let broken = row(&all, "kdeck-sim-2");
    assert_eq!(broken["state"], "ok");
    assert!(broken["podsNotReady"].as_u64().unwrap() >= 1, "{broken}");
    // The others are untouched by the hung one.
    assert_eq!(row(&all, "kdeck-sim-3")["podsNotReady"], 0);

    // The table form names the same.
    let out = tokio::task::spawn_blocking({
        let (home, kc) = (home.to_path_buf(), kc.clone());
        move || fleet(&home, &kc, &[])
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("kdeck-sim-2")).unwrap();
    assert!(
        line.contains("unhealthy") && line.contains("v1.32.0"),
        "{text}"
    );
    assert!(
        text.lines().next().unwrap().starts_with("CONTEXT"),
        "{text}"
    );
    for s in sims.sims {
        s.shutdown().await;
    }
}
