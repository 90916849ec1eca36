//! An interactive exec credential plugin: it prompts before the TUI opens, and when its token is about
//! to expire the TUI suspends, the plugin prompts again on the plain terminal, and the TUI resumes with
//! its watches still live — never the plugin drawing under the TUI.

use super::harness::*;

const LOGIN: &str = r#"#!/bin/sh
n=$(( $(cat "$COUNT" 2>/dev/null || echo 0) + 1 ))
echo $n > "$COUNT"
printf 'kdeck-login: code for run %s? ' "$n" >&2
read -r code
[ "$code" = "ok$n" ] || { echo "kdeck-login: wrong code" >&2; exit 1; }
life=$LIFETIME
[ "$n" -ge 2 ] && life=3600
exp=$(date -u -d "+${life} seconds" +%Y-%m-%dT%H:%M:%SZ)
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"%s"}}\n' "$TOKEN" "$exp"
"#;

#[test]
fn an_interactive_plugin_runs_with_the_tui_suspended_and_watches_survive() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim(home.path(), 5);

    // The sim's kubeconfig, with its static token replaced by the login plugin.
    let count = home.path().join("count");
    let (kubeconfig, token) = with_exec_user(
        home.path(),
        &sim,
        "kdeck-sim-admin",
        LOGIN,
        &[
            ("COUNT", count.display().to_string()),
            ("LIFETIME", "8".to_string()),
        ],
    );

    let t = Tmux::start(
        &session_name("auth"),
        &kdeck_command(home.path(), &kubeconfig, "-n team-00 --context kdeck-sim"),
    );
    t.wait_for("code for run 1?");
    assert!(
        !t.alternate_screen_on(),
        "the first login runs before the TUI"
    );
    t.literal("ok1");
    t.keys(&["Enter"]);
    t.wait_for("pods(team-00)[5]");
    assert!(t.alternate_screen_on());

    // The 8 s credential is renewed before it expires, on the plain terminal.
    let screen = t.wait_for("code for run 2?");
    assert!(
        !t.alternate_screen_on(),
        "the TUI is suspended while the plugin prompts:\n{screen}"
    );
    assert!(screen.contains("running its login plugin"), "{screen}");
    t.literal("ok2");
    t.keys(&["Enter"]);
    let screen = t.wait_for("re-authenticated to kdeck-sim");
    assert!(t.alternate_screen_on());
    assert!(!screen.contains(&token), "the token is never shown");

    // The watch still works with the renewed token: a scale made by kubectl (through the sim's own
    // kubeconfig, so it never runs the plugin) shows up.
    let deploy = kubectl(
        &sim.kubeconfig,
        &[
            "get",
            "deploy",
            "-n",
            "team-00",
            "-o",
            "jsonpath={.items[0].metadata.name}",
        ],
    );
    let replicas: usize = kubectl(
        &sim.kubeconfig,
        &[
            "get",
            "deploy",
            "-n",
            "team-00",
            &deploy,
            "-o",
            "jsonpath={.spec.replicas}",
        ],
    )
    .parse()
    .unwrap();
    kubectl(
        &sim.kubeconfig,
        &[
            "scale",
            "deploy",
            "-n",
            "team-00",
            &deploy,
            &format!("--replicas={}", replicas + 2),
        ],
    );
    t.wait_for("pods(team-00)[7]");
    assert_eq!(std::fs::read_to_string(&count).unwrap().trim(), "2");
}
