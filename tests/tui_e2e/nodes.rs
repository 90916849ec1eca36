//! Node maintenance on the real binary: `c` cordons and `u` uncordons a node, `r` drains it through
//! the eviction API; kubectl checks the node and where the pods are.

use super::harness::*;

fn unschedulable(sim: &Sim, node: &str) -> String {
    kubectl(
        &sim.kubeconfig,
        &["get", "node", node, "-o", "jsonpath={.spec.unschedulable}"],
    )
}

/// The pods on `node` that a drain evicts (all but DaemonSet pods).
fn evictable_on(sim: &Sim, node: &str) -> usize {
    let out = kubectl(
        &sim.kubeconfig,
        &[
            "get",
            "pods",
            "-A",
            "--field-selector",
            &format!("spec.nodeName={node}"),
            "-o",
            "jsonpath={range .items[*]}{.metadata.ownerReferences[0].kind}{\"\\n\"}{end}",
        ],
    );
    out.lines().filter(|k| *k != "DaemonSet").count()
}

#[test]
fn cordon_uncordon_and_drain_a_node() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim(home.path(), 12);
    let node = "sim-node-001";
    assert!(evictable_on(&sim, node) > 0, "the node has pods to drain");
    let t = Tmux::start(
        &session_name("nodes"),
        &kdeck_command(home.path(), &sim.kubeconfig, "--command :nodes"),
    );
    t.wait_for("sim-node-002");
    t.literal(&format!("/{node}"));
    t.keys(&["Enter"]);
    t.wait_for(&format!("</{node}>"));

    t.literal("c");
    t.wait_for(&format!("Cordon node {node}?"));
    t.keys(&["Enter"]);
    t.wait_for(&format!("node/{node} cordoned"));
    eventually("kubectl sees the node cordoned", || {
        (unschedulable(&sim, node) == "true").then_some(())
    });

    t.literal("u");
    t.wait_for(&format!("Uncordon node {node}?"));
    t.keys(&["Enter"]);
    t.wait_for(&format!("node/{node} uncordoned"));
    eventually("kubectl sees the node schedulable", || {
        unschedulable(&sim, node).is_empty().then_some(())
    });

    t.literal("r");
    t.wait_for("ignore DaemonSets");
    t.keys(&["Enter"]);
    let screen = t.wait_for(&format!("node/{node} drained"));
    assert!(screen.contains("pods evicted"), "{screen}");
    assert_eq!(unschedulable(&sim, node), "true");
    eventually("no evictable pod left on the node", || {
        (evictable_on(&sim, node) == 0).then_some(())
    });
}
