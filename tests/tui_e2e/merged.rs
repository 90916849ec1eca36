//! Lists merged across clusters on the real binary: `kdeck --context all` over `sim serve --clusters
//! 3` plus a context whose server never answers. One table with a CONTEXT column, the healthy clusters
//! complete while the hung one is still connecting (it slows no other cluster), a filter that spans
//! the clusters, a scale from the merged view that kubectl finds on the right cluster (and only there),
//! a change kubectl makes in one cluster showing up in its row, describe reading the row's cluster,
//! and an xray across two of them.

use super::harness::*;

fn rows<'a>(screen: &'a str, context: &str) -> Vec<&'a str> {
    rows_of(screen, context)
}

fn replicas(kubeconfig: &std::path::Path, context: &str) -> String {
    kubectl(
        kubeconfig,
        &[
            "--context",
            context,
            "get",
            "deployment",
            "-n",
            "team-00",
            "app-0001",
            "-o",
            "jsonpath={.spec.replicas}",
        ],
    )
}

#[test]
fn a_merged_list_spans_the_clusters_and_a_scale_lands_on_the_rows_cluster() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim_with(home.path(), &["--clusters", "3", "--pods", "12"]);
    // Accepts connections (the kernel's backlog) and never answers.
    let hung = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = hung.local_addr().unwrap().port();
    // The kubeconfig in use: the sim's three contexts, and kubectl adds the hung one.
    let kubeconfig = home.path().join("merged-config");
    std::fs::copy(&sim.kubeconfig, &kubeconfig).unwrap();
    let server = format!("--server=https://127.0.0.1:{port}");
    kubectl(&kubeconfig, &["config", "set-cluster", "hung", &server]);
    kubectl(
        &kubeconfig,
        &["config", "set-credentials", "hung", "--token=t"],
    );
    kubectl(
        &kubeconfig,
        &[
            "config",
            "set-context",
            "hung",
            "--cluster=hung",
            "--user=hung",
        ],
    );
    // Something only cluster 2 has.
    kubectl(
        &kubeconfig,
        &[
            "--context",
            "kdeck-sim-2",
            "create",
            "deployment",
            "only-on-two",
            "-n",
            "team-00",
            "--image=nginx:1.27",
        ],
    );
    let before: Vec<String> = (1..=3)
        .map(|i| replicas(&kubeconfig, &format!("kdeck-sim-{i}")))
        .collect();
    assert!(before.iter().all(|r| r != "5"), "{before:?}");

    let t = Tmux::start(
        &session_name("merged"),
        &kdeck_command(
            home.path(),
            &kubeconfig,
            "--context all -A --command deploy",
        ),
    );
    let screen = eventually("the three clusters' deployments", || {
        let s = t.capture();
        (1..=3)
            .all(|i| rows(&s, &format!("kdeck-sim-{i}")).len() >= 2)
            .then_some(s)
    });
    assert!(screen.contains("CONTEXT"), "{screen}");
    assert!(screen.contains("@all (4 clusters)"), "{screen}");
    let two = rows(&screen, "kdeck-sim-2");
    assert!(two.iter().any(|r| r.contains("only-on-two")), "{screen}");
    for i in [1, 3] {
        let other = rows(&screen, &format!("kdeck-sim-{i}"));
        assert!(!other.iter().any(|r| r.contains("only-on-two")), "{screen}");
    }
    // The hung cluster is still connecting (its first request waits for its timeout): it held back
    // no other cluster, and ends with its own error row.
    assert!(
        rows(&screen, "hung")
            .first()
            .is_some_and(|r| r.contains("connecting")),
        "{screen}"
    );
    eventually("the hung cluster says it is unreachable", || {
        rows(&t.capture(), "hung")
            .first()
            .is_some_and(|r| r.contains("unreachable"))
            .then_some(())
    });

    // A filter spans the clusters: app-0001 of each of the three.
    t.literal("/app-0001\r");
    let screen = t.wait_for("</app-0001>");
    for i in 1..=3 {
        let r = rows(&screen, &format!("kdeck-sim-{i}"));
        assert_eq!(r.len(), 1, "{screen}");
        assert!(r[0].contains("app-0001"), "{screen}");
    }
    assert!(!screen.contains("app-0000"), "{screen}");

    // The second row is cluster 2's: scale it to 5 from here.
    t.keys(&["j"]);
    t.keys(&["s"]);
    t.wait_for("scale @kdeck-sim-2");
    t.keys(&["BSpace", "BSpace", "BSpace"]);
    t.literal("5");
    t.keys(&["Enter"]);
    t.wait_for("@kdeck-sim-2 to 5 replicas");
    assert_eq!(replicas(&kubeconfig, "kdeck-sim-2"), "5");
    assert_eq!(replicas(&kubeconfig, "kdeck-sim-1"), before[0]);
    assert_eq!(replicas(&kubeconfig, "kdeck-sim-3"), before[2]);
    eventually("cluster 2's row shows 5 ready", || {
        rows(&t.capture(), "kdeck-sim-2")
            .first()
            .is_some_and(|r| r.contains(" 5/5 "))
            .then_some(())
    });

    // kubectl changes cluster 3: its row follows, the others do not move.
    kubectl(
        &kubeconfig,
        &[
            "--context",
            "kdeck-sim-3",
            "scale",
            "deployment",
            "-n",
            "team-00",
            "app-0001",
            "--replicas=1",
        ],
    );
    let screen = eventually("cluster 3's row shows 1 ready", || {
        let s = t.capture();
        rows(&s, "kdeck-sim-3")
            .first()
            .is_some_and(|r| r.contains(" 1/1 "))
            .then_some(s)
    });
    assert!(
        rows(&screen, "kdeck-sim-2")[0].contains(" 5/5 "),
        "{screen}"
    );
    // Describe on cluster 3's row reads cluster 3's object (the one kubectl just scaled to 1).
    t.keys(&["j"]);
    t.keys(&["d"]);
    let screen = t.wait_for("@kdeck-sim-3");
    eventually("cluster 3's deployment described", || {
        let s = t.capture();
        s.lines()
            .any(|l| l.contains("Replicas:") && l.contains("1 desired"))
            .then_some(())
    });
    assert!(screen.contains("app-0001"), "{screen}");
    t.keys(&["Escape"]);

    // An xray across two of the clusters: their trees, not the third's.
    t.literal(":xray deploy team-00 @kdeck-sim-1,kdeck-sim-3\r");
    t.wait_for("(2 clusters)");
    // The trees are long: the filter keeps the nodes named app-0000 (the deployments, their
    // containers).
    t.literal("/app-0000\r");
    let screen = eventually("both trees", || {
        let s = t.capture();
        [1, 3]
            .iter()
            .all(|i| {
                rows(&s, &format!("kdeck-sim-{i}"))
                    .iter()
                    .any(|r| r.contains("app-0000") && r.contains(" Deployment "))
            })
            .then_some(s)
    });
    assert!(rows(&screen, "kdeck-sim-2").is_empty(), "{screen}");
    assert!(screen.contains("(2 clusters)"), "{screen}");
    drop(hung);
}

#[test]
fn a_cluster_that_needs_a_login_waits_in_its_row_and_enter_logs_in() {
    if skip_without_tools() {
        return;
    }
    // Cluster 2's user logs in through a plugin that prompts; cluster 1 keeps its static token.
    let two = login_on_cluster_two("merged-login", "--context all -A --command deploy");
    let (t, token) = (&two.t, &two.token);
    // Nothing prompts at start: cluster 1 lists, cluster 2's row waits for its login.
    let screen = eventually("cluster 1 listed, cluster 2 waiting", || {
        let s = t.capture();
        (!rows(&s, "kdeck-sim-1").is_empty()
            && rows(&s, "kdeck-sim-2")
                .first()
                .is_some_and(|r| r.contains("needs login")))
        .then_some(s)
    });
    assert!(t.alternate_screen_on(), "{screen}");
    assert!(!screen.contains("code?"), "{screen}");
    t.keys(&["G"]);
    t.keys(&["Enter"]);
    let screen = t.wait_for("code?");
    assert!(
        !t.alternate_screen_on(),
        "the TUI is suspended while the plugin prompts:\n{screen}"
    );
    assert!(screen.contains("logging in to kdeck-sim-2"), "{screen}");
    t.literal("ok");
    t.keys(&["Enter"]);
    let screen = eventually("cluster 2 listed after the login", || {
        let s = t.capture();
        rows(&s, "kdeck-sim-2")
            .iter()
            .any(|r| r.contains("app-0000"))
            .then_some(s)
    });
    assert!(t.alternate_screen_on());
    assert!(screen.contains("logged in to kdeck-sim-2"), "{screen}");
    assert!(!screen.contains(token.as_str()), "the token is never shown");
    // The connected context never changed.
    assert!(screen.contains("Context:   kdeck-sim-1"), "{screen}");
}
