//! CPU/MEM columns on the real binary against the sim's metrics.k8s.io: the figures agree with
//! `kubectl top`, shift-c sorts on them, the header has the cluster's, and with the metrics API down
//! (a sim fault) the cells read `n/a` instead of an error.

use super::harness::*;

/// The text under `header` in the row whose line contains `name` (columns are found by the header's
/// offset, as the table aligns cells under their headers).
fn cell(screen: &str, name: &str, header: &str) -> Option<String> {
    let head = screen
        .lines()
        .find(|l| l.contains("NAME") && l.contains(header))?;
    let at = head.find(&format!(" {header} "))? + 1;
    let line = screen
        .lines()
        .find(|l| l.split_whitespace().any(|w| w.trim_matches('│') == name))?;
    let rest: String = line.chars().skip(head[..at].chars().count()).collect();
    rest.split_whitespace().next().map(str::to_string)
}

fn millicores(s: &str) -> Option<f64> {
    s.strip_suffix('m').and_then(|n| n.parse().ok())
}

fn mebibytes(s: &str) -> Option<f64> {
    s.strip_suffix("Mi").and_then(|n| n.parse().ok())
}

fn close(a: f64, b: f64) -> bool {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    hi <= (lo * 2.0).max(lo + 2.0)
}

#[test]
fn usage_columns_agree_with_kubectl_top_sort_and_go_na_without_metrics() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim(home.path(), 10);
    let t = Tmux::start(
        &session_name("usage"),
        &kdeck_command(home.path(), &sim.kubeconfig, "-n team-00"),
    );
    t.wait_for("pods(team-00)[10]");
    // Every pod `kubectl top` reports gets figures in kdeck's CPU and MEM columns.
    let (screen, top) = eventually("usage figures on screen", || {
        let s = t.capture();
        let top = kubectl(
            &sim.kubeconfig,
            &["top", "pod", "-n", "team-00", "--no-headers"],
        );
        let all = top.lines().all(|l| {
            let name = l.split_whitespace().next().unwrap_or_default();
            cell(&s, name, "CPU").and_then(|c| millicores(&c)).is_some()
        });
        all.then_some((s, top))
    });
    let mut compared = 0;
    for l in top.lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        let (name, cpu, mem) = (f[0], millicores(f[1]).unwrap(), mebibytes(f[2]).unwrap());
        let ours_cpu = millicores(&cell(&screen, name, "CPU").unwrap()).unwrap();
        let ours_mem = mebibytes(&cell(&screen, name, "MEM").unwrap()).unwrap();
        assert!(
            close(cpu, ours_cpu),
            "{name}: kubectl top {cpu}m, kdeck {ours_cpu}m\n{screen}"
        );
        assert!(
            close(mem, ours_mem),
            "{name}: kubectl top {mem}Mi, kdeck {ours_mem}Mi\n{screen}"
        );
        compared += 1;
    }
    assert!(compared > 0, "kubectl top listed no pods: {top}");
    // The header's cluster figures.
    let screen = t.wait_for("CPU: ");
    assert!(
        screen
            .lines()
            .any(|l| l.contains("CPU: ") && l.contains("%")),
        "{screen}"
    );

    // shift-c twice: busiest first.
    t.literal("CC");
    let screen = t.wait_for("<CPU↓>");
    let figures: Vec<f64> = screen
        .lines()
        .filter_map(|l| {
            let name = l
                .split_whitespace()
                .map(|w| w.trim_matches('│'))
                .find(|w| w.starts_with("team-00-") || top.contains(*w))?;
            cell(&screen, name, "CPU").and_then(|c| millicores(&c))
        })
        .collect();
    assert!(figures.len() >= compared, "{screen}");
    assert!(
        figures.windows(2).all(|w| w[0] >= w[1]),
        "{figures:?}\n{screen}"
    );

    // The metrics API goes down: a view opened now shows n/a, not an error.
    let out = std::process::Command::new(BIN)
        .arg("--kubeconfig")
        .arg(&sim.kubeconfig)
        .args(["sim", "fault", "set", "metricsUnavailable=true"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    t.literal(":nodes\r");
    t.wait_for("nodes(all)");
    let screen = eventually("n/a usage on every node", || {
        let s = t.capture();
        let nodes: Vec<String> = s
            .lines()
            .filter_map(|l| {
                l.split_whitespace()
                    .map(|w| w.trim_matches('│'))
                    .find(|w| w.starts_with("sim-node-"))
                    .map(str::to_string)
            })
            .collect();
        (!nodes.is_empty()
            && nodes
                .iter()
                .all(|n| cell(&s, n, "CPU").as_deref() == Some("n/a")))
        .then_some(s)
    });
    assert!(
        !screen.contains("metrics:"),
        "no error for a missing API: {screen}"
    );
    let shown = std::process::Command::new(BIN)
        .arg("--kubeconfig")
        .arg(&sim.kubeconfig)
        .args(["sim", "fault", "show"])
        .output()
        .unwrap();
    let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert!(
        shown["fired"]["metricsUnavailable"].as_u64() > Some(0),
        "the fault fired: {shown}"
    );
}
