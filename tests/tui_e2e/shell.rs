//! `s` on a pod: the TUI suspends, a shell in the container takes the terminal (checked by what the
//! container answers and by kubectl seeing the same pod), `exit` brings the TUI back where it was.

use super::harness::*;

#[test]
fn a_shell_in_a_pod_suspends_the_tui_and_exit_returns_to_it() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim(home.path(), 3);
    let (t, pod) = kdeck_on_first_pod(home.path(), &sim, 3, "shell");

    t.literal("s");
    let screen = t.wait_for(&format!("root@{pod}:/#"));
    assert!(!t.alternate_screen_on(), "the TUI is suspended:\n{screen}");
    t.literal("hostname");
    t.keys(&["Enter"]);
    // The answer comes from the container, and kubectl agrees on who answers.
    let from_kubectl = kubectl(
        &sim.kubeconfig,
        &["exec", "-n", "team-00", &pod, "--", "hostname"],
    );
    assert_eq!(from_kubectl.trim(), pod);
    let screen = t.wait_for(&format!("hostname\n{pod}"));
    // Keys the TUI would take (q quits it) go to the shell instead.
    t.literal("echo q");
    t.keys(&["Enter"]);
    t.wait_for("echo q\nq");
    assert!(!screen.contains("KDECK_EXIT"), "{screen}");

    t.literal("exit");
    t.keys(&["Enter"]);
    let screen = t.wait_for(&format!("shell in team-00/{pod} ended"));
    assert!(t.alternate_screen_on(), "the TUI is back:\n{screen}");
    assert!(
        screen.contains(&format!("pods(team-00)[1] </{pod}>")),
        "{screen}"
    );
    t.keys(&["q"]);
    t.wait_for("KDECK_EXIT=0");
}
