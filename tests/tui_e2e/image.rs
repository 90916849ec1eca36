//! `i` set image on the real binary: the deployment's container shows its image, the new one typed
//! over it lands as `kubectl set image` would put it; kubectl reads it back.

use super::harness::*;

const SCENARIO: &str = "nodes: 2
logRate: 0
namespaces:
  - name: ops
    deployments:
      - { name: web, replicas: 1, ports: [8080] }
";

#[test]
fn i_sets_a_containers_image() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim_scenario(home.path(), SCENARIO);
    let get = |path: &str| {
        kubectl(
            &sim.kubeconfig,
            &[
                "get",
                "deploy",
                "web",
                "-n",
                "ops",
                "-o",
                &format!("jsonpath={path}"),
            ],
        )
    };
    let (container, image) = (
        get("{.spec.template.spec.containers[0].name}"),
        get("{.spec.template.spec.containers[0].image}"),
    );
    let t = Tmux::start(
        &session_name("image"),
        &kdeck_command(home.path(), &sim.kubeconfig, "-n ops --command :deploy"),
    );
    t.wait_for("deployments(ops)[1]");
    t.literal("i");
    t.wait_for(&container);
    t.wait_for(&image);
    // Clear the field and type the new image.
    for _ in 0..image.chars().count() {
        t.keys(&["BSpace"]);
    }
    t.literal("nginx:1.99");
    t.keys(&["Enter"]);
    t.wait_for(&format!("image {container}=nginx:1.99"));
    assert_eq!(
        get("{.spec.template.spec.containers[0].image}"),
        "nginx:1.99"
    );
}
