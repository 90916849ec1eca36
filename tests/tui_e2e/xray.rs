//! `:xray` on the real binary: the tree of a deployment holds exactly the pods kubectl lists for it,
//! a verb on a pod node acts on that pod (kubectl sees it go), and a change kubectl makes (an image
//! that cannot be pulled) rolls up to the deployment's row while the view is open.

use super::harness::*;

fn pod_names(kubeconfig: &std::path::Path) -> Vec<String> {
    kubectl(
        kubeconfig,
        &[
            "get",
            "pods",
            "-n",
            "team-00",
            "-l",
            "app=app-0000",
            "-o",
            "jsonpath={.items[*].metadata.name}",
        ],
    )
    .split_whitespace()
    .map(str::to_string)
    .collect()
}

/// The screen line that holds `what` as a word.
fn line_of<'a>(screen: &'a str, what: &str) -> Option<&'a str> {
    screen.lines().find(|l| {
        l.split(|c: char| c.is_whitespace() || "│├└─".contains(c))
            .any(|w| w == what)
    })
}

#[test]
fn xray_shows_a_deployments_pods_acts_on_a_node_and_rolls_status_up() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim(home.path(), 3);
    let t = Tmux::start(
        &session_name("xray"),
        &kdeck_command(home.path(), &sim.kubeconfig, "-n team-00"),
    );
    t.wait_for("pods(team-00)[3]");
    t.literal(":xray deploy team-00\r");
    let pods = pod_names(&sim.kubeconfig);
    assert_eq!(pods.len(), 3, "{pods:?}");
    let screen = eventually("every pod of the deployment in the tree", || {
        let s = t.capture();
        pods.iter()
            .all(|p| line_of(&s, p).is_some_and(|l| l.contains("Pod")))
            .then_some(s)
    });
    let deploy = line_of(&screen, "app-0000").expect("the deployment's row");
    assert!(
        deploy.contains("Deployment") && deploy.contains("3/3"),
        "{screen}"
    );
    assert!(screen.contains("xray(team-00)"), "{screen}");
    // Each pod has its container and its ServiceAccount below it.
    assert_eq!(screen.matches("Container").count(), 3, "{screen}");
    assert_eq!(screen.matches("ServiceAccount").count(), 3, "{screen}");

    // The first pod node: top, then past the deployment and its replicaset.
    t.literal("g");
    t.keys(&["Down", "Down"]);
    t.keys(&["C-d"]);
    let screen = t.wait_for("Delete pod team-00/");
    let victim = pods
        .iter()
        .find(|p| screen.contains(&format!("Delete pod team-00/{p}?")))
        .unwrap_or_else(|| panic!("the dialog names one of {pods:?}: {screen}"))
        .clone();
    t.keys(&["Enter"]);
    eventually("kubectl no longer lists the deleted pod", || {
        (!pod_names(&sim.kubeconfig).contains(&victim)).then_some(())
    });

    // An image that cannot be pulled: the new pods fail, and the deployment's row says so.
    kubectl(
        &sim.kubeconfig,
        &[
            "set",
            "image",
            "-n",
            "team-00",
            "deployment/app-0000",
            "*=registry.example/does-not-exist:1",
        ],
    );
    eventually("the failure rolled up to the deployment", || {
        let s = t.capture();
        line_of(&s, "app-0000")
            .is_some_and(|l| l.contains("ErrImagePull") || l.contains("ImagePullBackOff"))
            .then_some(())
    });
}
