//! `a` attach on the real binary: the TUI suspends and the terminal joins the container's own process
//! (a shell started with stdin and a tty, answering what is typed), `ctrl-p ctrl-q` detaches and the
//! TUI returns, and kubectl sees the container still running, never restarted. A container started
//! without stdin is refused with the reason instead of hanging.

use super::harness::*;

const CONSOLE: &str = "apiVersion: v1
kind: Pod
metadata: {name: console, namespace: default}
spec:
  containers:
  - {name: shell, image: busybox, command: [sh], stdin: true, tty: true}
  - {name: quiet, image: nginx}
";

#[test]
fn attach_joins_the_containers_process_and_detaches_leaving_it_running() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim(home.path(), 2);
    let manifest = home.path().join("console.yaml");
    std::fs::write(&manifest, CONSOLE).unwrap();
    kubectl(
        &sim.kubeconfig,
        &["apply", "-f", manifest.to_str().unwrap()],
    );
    eventually("the console pod runs", || {
        let phase = kubectl(
            &sim.kubeconfig,
            &["get", "pod", "console", "-o", "jsonpath={.status.phase}"],
        );
        (phase == "Running").then_some(())
    });
    let t = Tmux::start(
        &session_name("attach"),
        &kdeck_command(home.path(), &sim.kubeconfig, "-n default"),
    );
    t.wait_for("pods(default)[1]");
    t.literal("a");
    t.wait_for("attaching to default/console");
    assert!(!t.alternate_screen_on(), "the TUI is suspended");
    t.literal("echo attached-ok");
    t.keys(&["Enter"]);
    // The command echoed by the tty, then the process's answer.
    t.wait_for("echo attached-ok\nattached-ok");
    t.keys(&["C-p", "C-q"]);
    let screen = t.wait_for("detached from default/console (shell); it keeps running");
    assert!(t.alternate_screen_on(), "the TUI is back:\n{screen}");
    let state = kubectl(
        &sim.kubeconfig,
        &[
            "get",
            "pod",
            "console",
            "-o",
            "jsonpath={.status.phase} {.status.containerStatuses[?(@.name==\"shell\")].restartCount}",
        ],
    );
    assert_eq!(
        state, "Running 0",
        "the container keeps running after a detach"
    );

    // The pod's containers view: the one without stdin is refused, with the reason.
    t.keys(&["Enter"]);
    t.wait_for("containers(default)");
    t.literal("/quiet\r");
    t.wait_for("</quiet>");
    t.literal("a");
    t.wait_for("cannot attach to default/console (quiet): it was not started with stdin");
}
