//! Marks and a bulk verb on the real binary: two pods marked with space are deleted after one
//! confirmation that lists them; kubectl no longer finds either.

use super::harness::*;

#[test]
fn two_marked_pods_are_deleted_after_one_confirmation() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim(home.path(), 4);
    let t = Tmux::start(
        &session_name("marks"),
        &kdeck_command(home.path(), &sim.kubeconfig, "-n team-00"),
    );
    t.wait_for("pods(team-00)[4]");
    t.keys(&["Space"]);
    t.keys(&["Space"]);
    t.wait_for("<2 marked>");
    t.keys(&["C-d"]);
    let screen = t.wait_for("Delete 2 marked pods?");
    let names = kubectl(
        &sim.kubeconfig,
        &[
            "get",
            "pods",
            "-n",
            "team-00",
            "-o",
            "jsonpath={.items[*].metadata.name}",
        ],
    );
    let listed: Vec<&str> = names
        .split_whitespace()
        .filter(|n| screen.matches(n).count() >= 2)
        .collect();
    assert_eq!(listed.len(), 2, "the dialog lists both: {screen}");
    t.keys(&["Enter"]);
    t.wait_for("deleted 2 of 2");
    eventually("kubectl finds neither marked pod", || {
        let now = kubectl(
            &sim.kubeconfig,
            &[
                "get",
                "pods",
                "-n",
                "team-00",
                "-o",
                "jsonpath={.items[*].metadata.name}",
            ],
        );
        listed
            .iter()
            .all(|n| !now.split_whitespace().any(|m| m == *n))
            .then_some(())
    });
}
