//! shift-j on the real binary: a pod's owner is its ReplicaSet, whose owner is its Deployment; the
//! names match what kubectl reads from the ownerReferences.

use super::harness::*;

#[test]
fn shift_j_walks_from_a_pod_to_its_replicaset_and_deployment() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim(home.path(), 3);
    let (t, pod) = kdeck_on_first_pod(home.path(), &sim, 3, "owner");
    let rs = kubectl(
        &sim.kubeconfig,
        &[
            "get",
            "pod",
            &pod,
            "-n",
            "team-00",
            "-o",
            "jsonpath={.metadata.ownerReferences[0].name}",
        ],
    );
    let deploy = kubectl(
        &sim.kubeconfig,
        &[
            "get",
            "rs",
            &rs,
            "-n",
            "team-00",
            "-o",
            "jsonpath={.metadata.ownerReferences[0].name}",
        ],
    );
    t.literal("J");
    let screen = t.wait_for(&format!("replicasets(team-00)[1] <owner of {pod}>"));
    assert!(screen.contains(&rs), "{screen}");
    t.literal("J");
    let screen = t.wait_for(&format!("deployments(team-00)[1] <owner of {rs}>"));
    assert!(screen.contains(&deploy), "{screen}");
    // A deployment has no owner: it says so and stays.
    t.literal("J");
    t.wait_for(&format!("{deploy} has no owner"));
}
