//! A sim whose kubelets cannot be reached (the `kubeletUnreachable` fault): the log page shows the
//! server's own error with the retry delay, instead of "waiting for log lines…" forever, and the TUI
//! stays usable.

use super::harness::*;

const SCENARIO: &str = "nodes: 1
logRate: 20
namespaces:
  - name: shop
    deployments:
      - { name: web, replicas: 1 }
faults:
  kubeletUnreachable: [sim-node-000, sim-node-001]
";

#[test]
fn logs_say_why_there_are_none_when_the_kubelet_is_unreachable() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim_scenario(home.path(), SCENARIO);
    let t = Tmux::start(
        &session_name("kubelet"),
        &kdeck_command(home.path(), &sim.kubeconfig, "-n shop"),
    );
    t.wait_for("pods(shop)[1]");
    // kubectl sees the same refusal the page will show.
    let pod = kubectl(
        &sim.kubeconfig,
        &[
            "get",
            "pods",
            "-n",
            "shop",
            "-o",
            "jsonpath={.items[0].metadata.name}",
        ],
    );
    t.literal("l");
    t.wait_for(&format!("logs pod/shop/{pod}"));
    let screen = t.wait_for("connect: connection refused");
    assert!(screen.contains(":10250"), "{screen}");
    let screen = t.wait_for("retrying in");
    assert!(!screen.contains("waiting for log lines"), "{screen}");
    // The page closes and the table is still live.
    t.keys(&["Escape"]);
    t.wait_for("pods(shop)[1]");
}
