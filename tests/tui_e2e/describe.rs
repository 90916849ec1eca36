//! Describe, YAML, reveal and copy on the real binary, checked against kubectl on the same sim objects.

use super::harness::*;

/// The top-level lines of a describe (`Name:`, `Containers:` …) as (key, value), in order.
fn top_level(lines: impl Iterator<Item = String>) -> Vec<(String, String)> {
    lines
        .filter(|l| !l.starts_with(' ') && l.contains(':'))
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            Some((k.to_string(), v.trim().to_string()))
        })
        .collect()
}

/// The text inside the page's border on screen, one line per row.
fn page_lines(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter_map(|l| l.strip_prefix('│'))
        .map(|l| l.trim_end().trim_end_matches('│').trim_end().to_string())
        .collect()
}

#[test]
fn describe_yaml_and_copy_match_kubectl() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim(home.path(), 20);
    let (t, pod) = kdeck_on_first_pod(home.path(), &sim, 20, "describe");

    t.literal("d");
    let screen = t.wait_for("Containers:");
    assert!(
        screen.contains(&format!("describe pod/team-00/{pod}")),
        "{screen}"
    );
    let ours = top_level(page_lines(&screen).into_iter());
    let theirs = top_level(
        kubectl(&sim.kubeconfig, &["describe", "pod", "-n", "team-00", &pod])
            .lines()
            .map(String::from),
    );
    assert!(ours.len() >= 10, "too little on screen: {ours:?}\n{screen}");
    // Same sections in the same order; same values except times, which kubectl renders in its zone.
    for (i, (key, value)) in ours.iter().enumerate() {
        let (tk, tv) = &theirs[i];
        assert_eq!(key, tk, "section {i}: ours {ours:?}\nkubectl {theirs:?}");
        if !matches!(key.as_str(), "Start Time" | "CreationTimestamp") {
            assert_eq!(value, tv, "value of {key}");
        }
    }

    t.keys(&["Escape"]);
    t.wait_for(&format!("pods(team-00)[1] </{pod}>"));
    t.literal("y");
    let screen = t.wait_for("kind: Pod");
    assert!(screen.contains(&format!("name: {pod}")), "{screen}");
    assert!(
        !page_lines(&screen)
            .iter()
            .any(|l| l.contains("managedFields")),
        "{screen}"
    );
    let node = kubectl(
        &sim.kubeconfig,
        &[
            "get",
            "pod",
            "-n",
            "team-00",
            &pod,
            "-o",
            "jsonpath={.spec.nodeName}",
        ],
    );
    t.literal("/nodeName");
    t.keys(&["Enter"]);
    let screen = t.wait_for("/nodeName 1/1");
    assert!(screen.contains(&format!("nodeName: {node}")), "{screen}");

    t.keys(&["Escape"]);
    t.wait_for(&format!("pods(team-00)[1] </{pod}>"));
    // OSC 52 reaches tmux's paste buffer when set-clipboard is on.
    let st = std::process::Command::new("tmux")
        .args(["set", "-s", "set-clipboard", "on"])
        .status()
        .unwrap();
    assert!(st.success());
    t.literal("c");
    t.wait_for(&format!("copied {pod}"));
    let buffer = eventually("the copied name in tmux's buffer", || {
        let o = std::process::Command::new("tmux")
            .args(["show-buffer"])
            .output()
            .ok()?;
        let b = String::from_utf8_lossy(&o.stdout).into_owned();
        (b == pod).then_some(b)
    });
    assert_eq!(buffer, pod);
}

#[test]
fn secrets_stay_masked_and_read_only_refuses_reveal() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim(home.path(), 1);
    kubectl(
        &sim.kubeconfig,
        &[
            "create",
            "secret",
            "generic",
            "db",
            "-n",
            "team-00",
            "--from-literal=password=hunter2-e2e",
        ],
    );
    for (args, session, revealed) in [
        ("-n team-00", "secret-rw", true),
        ("-n team-00 --readonly", "secret-ro", false),
    ] {
        let t = Tmux::start(
            &session_name(session),
            &kdeck_command(home.path(), &sim.kubeconfig, args),
        );
        t.wait_for("pods(team-00)");
        t.literal(":secrets");
        t.keys(&["Enter"]);
        t.wait_for("secrets(team-00)[1]");
        t.literal("y");
        let screen = t.wait_for("kind: Secret");
        assert!(screen.contains("<11 bytes, hidden: x reveals>"), "{screen}");
        assert!(!screen.contains("hunter2-e2e"), "{screen}");
        t.literal("x");
        if revealed {
            let screen = t.wait_for("password: hunter2-e2e");
            assert!(screen.contains("[revealed]"), "{screen}");
        } else {
            let screen = t.wait_for("cannot reveal secret values: read-only");
            assert!(!screen.contains("hunter2-e2e"), "{screen}");
        }
    }
}
