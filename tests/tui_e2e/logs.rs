//! Logs: a pod's log streams live, `ctrl-s` saves the whole stream (checked line for line against
//! `kubectl logs`), a workload's log merges its pods with join/delete markers, and a pod with a
//! sidecar asks which container.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;

use super::harness::*;

/// 20 lines a second per container, so a test sees new lines quickly.
const SCENARIO: &str = "nodes: 2
logRate: 20
namespaces:
  - name: shop
    deployments:
      - { name: web, replicas: 3 }
      - { name: side, replicas: 1, sidecar: true }
";

/// Every `seq=N` (text lines) or `"seq":N` (JSON lines) in `text`, in order.
fn seqs(text: &str) -> Vec<u64> {
    let mut out = Vec::new();
    for pat in ["seq=", "\"seq\":"] {
        let mut rest = text;
        while let Some(at) = rest.find(pat) {
            rest = &rest[at + pat.len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(n) = digits.parse() {
                out.push(n);
            }
        }
    }
    out
}

/// The seq of one log line (each sim line carries exactly one).
fn seq_of(line: &str) -> u64 {
    let s = seqs(line);
    assert_eq!(s.len(), 1, "line without exactly one seq: {line:?}");
    s[0]
}

fn pod_names(kubeconfig: &std::path::Path, prefix: &str) -> Vec<String> {
    let out = kubectl(
        kubeconfig,
        &[
            "get",
            "pods",
            "-n",
            "shop",
            "-o",
            "jsonpath={.items[*].metadata.name}",
        ],
    );
    let mut v: Vec<String> = out
        .split_whitespace()
        .filter(|n| n.starts_with(prefix))
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

fn open_tui(home: &std::path::Path, sim: &Sim, test: &str) -> Tmux {
    let t = Tmux::start(
        &session_name(test),
        &kdeck_command(home, &sim.kubeconfig, "-n shop"),
    );
    t.wait_for("pods(shop)[");
    t
}

#[test]
fn pod_logs_stream_live_and_ctrl_s_saves_every_line() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim_scenario(home.path(), SCENARIO);
    let pod = pod_names(&sim.kubeconfig, "web-").remove(0);
    let t = open_tui(home.path(), &sim, "logs-save");
    t.literal("/-l app=web");
    t.keys(&["Enter"]);
    t.wait_for("pods(shop)[3]");
    t.literal("l");
    t.wait_for(&format!("logs pod/shop/{pod} [web]"));

    // New lines keep arriving while the page is open.
    let first = eventually("the first log lines", || {
        seqs(&t.capture()).into_iter().max()
    });
    eventually("newer log lines", || {
        seqs(&t.capture())
            .into_iter()
            .max()
            .filter(|m| *m >= first + 40)
    });

    t.keys(&["C-s"]);
    let screen = t.wait_for("saved ");
    assert!(screen.contains(".local/share/kdeck/logs/"), "{screen}");
    let dir = home.path().join(".local/share/kdeck/logs");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "log"))
        .expect("a saved log file");
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with(&format!("shop_{pod}_web_")), "{name}");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let saved = std::fs::read_to_string(&file).unwrap();
    let saved: Vec<&str> = saved.lines().collect();
    assert!(saved.len() > 40, "only {} lines saved", saved.len());
    assert!(
        screen.contains(&format!("saved {} lines to", saved.len())),
        "{screen}"
    );
    // Every sequence number from the first one on: no gap, no duplicate.
    let first_seq = seq_of(saved[0]);
    for (i, l) in saved.iter().enumerate() {
        assert_eq!(seq_of(l), first_seq + i as u64, "line {i}: {l}");
    }
    // And exactly what kubectl reads from the server for the same container.
    let theirs = kubectl(&sim.kubeconfig, &["logs", "-n", "shop", &pod, "-c", "web"]);
    let theirs: Vec<&str> = theirs.lines().collect();
    let at = theirs
        .iter()
        .position(|l| *l == saved[0])
        .expect("kubectl has the first saved line");
    assert_eq!(&theirs[at..at + saved.len()], &saved[..]);

    t.keys(&["Escape"]);
    t.wait_for("pods(shop)[3]");
    t.literal("q");
    t.wait_for("KDECK_EXIT=0");
}

#[test]
fn workload_logs_merge_pods_and_mark_joins_and_deletions() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim_scenario(home.path(), SCENARIO);
    let t = open_tui(home.path(), &sim, "logs-workload");
    t.literal(":deploy");
    t.keys(&["Enter"]);
    t.wait_for("deployments(shop)[2]");
    t.literal("/web");
    t.keys(&["Enter"]);
    t.wait_for("deployments(shop)[1]");
    t.literal("l");
    t.wait_for("logs deployment/shop/web [all containers]");

    let sources = eventually("lines from more than one pod", || {
        let screen = t.capture();
        let pods: BTreeSet<String> = screen
            .match_indices("[web-")
            .filter_map(|(at, _)| {
                let rest = &screen[at + 1..];
                rest.find('/').map(|end| rest[..end].to_string())
            })
            .collect();
        (pods.len() >= 2).then_some(pods)
    });
    let pods = pod_names(&sim.kubeconfig, "web-");
    assert!(
        sources.iter().all(|p| pods.contains(p)),
        "{sources:?} vs {pods:?}"
    );

    // Only the markers: every pod joined; a deleted pod is marked and its replacement joins.
    t.literal("&joined");
    t.keys(&["Enter"]);
    for p in &pods {
        t.wait_for(&format!("{p}/web joined"));
    }
    let victim = &pods[0];
    kubectl(
        &sim.kubeconfig,
        &["delete", "pod", "-n", "shop", victim, "--wait=false"],
    );
    let replacement = eventually("a replacement pod", || {
        pod_names(&sim.kubeconfig, "web-")
            .into_iter()
            .find(|p| !pods.contains(p))
    });
    t.wait_for(&format!("{replacement}/web joined"));
    t.keys(&["Escape"]);
    t.literal("&deleted");
    t.keys(&["Enter"]);
    t.wait_for(&format!("pod {victim} deleted"));
    t.literal("q");
    t.wait_for("KDECK_EXIT=0");
}

#[test]
fn pod_with_a_sidecar_asks_which_container() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim_scenario(home.path(), SCENARIO);
    let pod = pod_names(&sim.kubeconfig, "side-").remove(0);
    let t = open_tui(home.path(), &sim, "logs-picker");
    t.literal("/-l app=side");
    t.keys(&["Enter"]);
    t.wait_for("pods(shop)[1]");
    t.literal("l");
    let screen = t.wait_for("container (enter picks)");
    assert!(screen.contains("log-shipper"), "{screen}");
    t.keys(&["Down", "Enter"]);
    t.wait_for(&format!("logs pod/shop/{pod} [log-shipper]"));
    eventually("log-shipper lines", || {
        let s = t.capture();
        (s.contains("[log-shipper]") && !seqs(&s).is_empty()).then_some(())
    });
    // Enter on the pod opens its containers; enter on one opens its logs.
    t.keys(&["Escape"]);
    t.wait_for("pods(shop)[1]");
    t.keys(&["Enter"]);
    let screen = t.wait_for(&format!("containers(shop)[2] <pod/{pod}>"));
    assert!(screen.contains("Running"), "{screen}");
    t.keys(&["Enter"]);
    t.wait_for(&format!("logs pod/shop/{pod} [log-shipper]"));
    t.literal("q");
    t.wait_for("KDECK_EXIT=0");
}
