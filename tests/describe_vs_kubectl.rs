//! `kdeck describe` against `kubectl describe` on the same objects of the simulated cluster: the same
//! sections in the same order with the same values. Only what must differ is normalised: ages (the two
//! run a moment apart, which can also shift column widths) and the order of ConfigMap/Secret data keys,
//! which kubectl prints in Go's random map order.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test (or bench) may panic on what it sets up

mod sim_support;
#[path = "tools/mod.rs"]
mod tools;

use std::process::Command;

use kdeck::sim::Scenario;
use sim_support::TestSim;

fn kdeck(sim: &TestSim) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kdeck"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", sim.dir.path())
        .env("TZ", "UTC")
        .env("NO_COLOR", "1")
        .arg("--kubeconfig")
        .arg(sim.kubeconfig());
    cmd
}

fn is_age(token: &str) -> bool {
    let t = token.trim_matches(|c| c == '(' || c == ')');
    if t == "<unknown>" || t == "<invalid>" {
        return true;
    }
    let mut saw_digit = false;
    let mut saw_unit = false;
    for c in t.chars() {
        if c.is_ascii_digit() {
            saw_digit = true;
        } else if "smhdy".contains(c) && saw_digit {
            saw_unit = true;
        } else {
            return false;
        }
    }
    saw_digit && saw_unit
}

/// Ages become `<age>`, runs of spaces one space, and data sections are sorted.
fn normalise(text: &str, sort_data: bool) -> Vec<String> {
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| {
            l.split_whitespace()
                .map(|t| if is_age(t) { "<age>" } else { t })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    if sort_data && let Some(start) = lines.iter().position(|l| l == "====") {
        let mut end = lines[start + 1..]
            .iter()
            .position(|l| l == "BinaryData")
            .map_or(lines.len(), |e| start + 1 + e);
        // Blank lines in the data section cannot be attributed to an entry (a value's own trailing newline
        // and the section's closing line look alike), so with kubectl's random key order they are compared
        // as a count, and the entries without them.
        let blanks = lines[start + 1..end]
            .iter()
            .filter(|l| l.is_empty())
            .count();
        let kept: Vec<String> = lines[start + 1..end]
            .iter()
            .filter(|l| !l.is_empty())
            .cloned()
            .collect();
        lines.splice(start + 1..end, kept.iter().cloned());
        end = start + 1 + kept.len();
        lines.insert(end, format!("<{blanks} blank lines>"));
        // One entry per key: a ConfigMap key starts a "key:" line followed by "----"; a Secret key is
        // one "key: N bytes" line.
        let mut entries: Vec<Vec<String>> = Vec::new();
        for (i, line) in lines[start + 1..end].iter().enumerate() {
            let abs = start + 1 + i;
            let starts_entry = lines.get(abs + 1).is_some_and(|n| n == "----")
                || (line.contains(": ") && !line.is_empty())
                || entries.is_empty();
            if starts_entry {
                entries.push(Vec::new());
            }
            if let Some(last) = entries.last_mut() {
                last.push(line.clone());
            }
        }
        entries.sort();
        let sorted: Vec<String> = entries.into_iter().flatten().collect();
        lines.splice(start + 1..end, sorted);
    }
    lines
}

/// Top-level field names in order; for ConfigMaps and Secrets the data keys after the metadata are
/// compared as a set (kubectl prints them in Go's random map order).
fn headers(text: &str, sort_data: bool) -> Vec<String> {
    let mut h: Vec<String> = text
        .lines()
        .filter(|l| !l.starts_with(' ') && l.contains(':'))
        .map(|l| l.split(':').next().unwrap().to_string())
        .collect();
    if sort_data && let Some(i) = h.iter().position(|x| x == "Annotations") {
        h[i + 1..].sort();
    }
    h
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_matches_kubectl_for_every_native_kind() {
    if tools::need(tools::Tool::Kubectl).is_none() {
        return;
    }
    let sim = TestSim::start(Scenario::demo()).await;
    // Let controllers bring pods to Running so the pod describers have statuses and events to show.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let mut checked = Vec::new();
    for kind in [
        "pods",
        "deployments",
        "replicasets",
        "statefulsets",
        "daemonsets",
        "services",
        "configmaps",
        "secrets",
        "nodes",
        "namespaces",
    ] {
        let out = sim
            .kubectl()
            .args([
                "get",
                kind,
                "-A",
                "-o",
                "jsonpath={range .items[*]}{.metadata.namespace} {.metadata.name}{\"\\n\"}{end}",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kubectl get {kind}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let listing = String::from_utf8_lossy(&out.stdout).into_owned();
        let objects: Vec<&str> = listing
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(3)
            .collect();
        assert!(!objects.is_empty(), "the demo scenario has no {kind}");
        for first in objects {
            let (ns, name) = match first.split_once(' ') {
                Some((ns, name)) if !ns.is_empty() => (Some(ns.to_string()), name.to_string()),
                _ => (None, first.trim().to_string()),
            };
            let mut kubectl = sim.kubectl();
            let mut ours = kdeck(&sim);
            kubectl.args(["describe", kind, &name]);
            ours.args(["describe", kind, &name]);
            if let Some(ns) = &ns {
                kubectl.args(["-n", ns]);
                ours.args(["-n", ns]);
            }
            let theirs = kubectl.output().unwrap();
            let mine = ours.output().unwrap();
            assert!(
                theirs.status.success(),
                "kubectl describe {kind} {name}: {}",
                String::from_utf8_lossy(&theirs.stderr)
            );
            assert!(
                mine.status.success(),
                "kdeck describe {kind} {name}: {}",
                String::from_utf8_lossy(&mine.stderr)
            );
            let (theirs, mine) = (
                String::from_utf8_lossy(&theirs.stdout),
                String::from_utf8_lossy(&mine.stdout),
            );
            let sort = matches!(kind, "configmaps" | "secrets");
            assert_eq!(
                headers(&mine, sort),
                headers(&theirs, sort),
                "sections of {kind} {name}\n--- kdeck ---\n{mine}\n--- kubectl ---\n{theirs}"
            );
            assert_eq!(
                normalise(&mine, sort),
                normalise(&theirs, sort),
                "{kind} {name}\n--- kdeck ---\n{mine}\n--- kubectl ---\n{theirs}"
            );
        }
        checked.push(kind);
    }
    assert_eq!(checked.len(), 10);
    sim.sim.shutdown().await;
}

#[test]
fn age_tokens() {
    for t in ["5s", "2m30s", "(10d", "60m)", "<unknown>"] {
        assert!(is_age(t), "{t}");
    }
    for t in ["8080/TCP", "s", "Running", "v1.32.0", "3"] {
        assert!(!is_age(t), "{t}");
    }
}
