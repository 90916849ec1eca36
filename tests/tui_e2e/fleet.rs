//! `:fleet` on the real binary over `sim serve --clusters 3` plus a kubeconfig directory (from
//! config.yaml) holding a context whose server never answers: every context gets a row, the healthy
//! clusters are complete while the hung one is still being probed (it slows no other row), a cluster
//! kubectl broke is flagged, the hung one ends as unreachable, and enter opens a cluster.

use super::harness::*;

/// kdeck's config.yaml in `home` names `dir` as its kubeconfig directory.
fn kubeconfig_dirs(home: &std::path::Path, dir: &std::path::Path) {
    let config = home.join(".config").join("kdeck");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.yaml"),
        format!("kubeconfig_dirs: [{}]\n", dir.display()),
    )
    .unwrap();
}

fn row<'a>(screen: &'a str, context: &str) -> Option<&'a str> {
    rows_of(screen, context).first().copied()
}

#[test]
fn the_fleet_page_shows_every_context_flags_the_broken_and_opens_one() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    // Accepts connections (the kernel's backlog) and never answers.
    let hung = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = hung.local_addr().unwrap().port();
    let dir = home.path().join("kubeconfigs");
    std::fs::create_dir_all(dir.join("lab")).unwrap();
    std::fs::write(
        dir.join("lab").join("hung.yaml"),
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: hung\n  cluster: {{server: https://127.0.0.1:{port}, insecure-skip-tls-verify: true}}\nusers:\n- name: u\n  user: {{token: t}}\ncontexts:\n- name: hung\n  context: {{cluster: hung, user: u}}\ncurrent-context: hung\n"
        ),
    )
    .unwrap();
    kubeconfig_dirs(home.path(), &dir);
    let sim = start_sim_with(home.path(), &["--clusters", "3", "--pods", "6"]);
    // kubectl breaks cluster 2: an image that cannot be pulled.
    kubectl(
        &sim.kubeconfig,
        &[
            "--context",
            "kdeck-sim-2",
            "create",
            "deployment",
            "broken",
            "--image=does-not-exist:1",
        ],
    );
    eventually("kubectl sees the broken pod", || {
        let s = kubectl(
            &sim.kubeconfig,
            &[
                "--context",
                "kdeck-sim-2",
                "get",
                "pods",
                "-l",
                "app=broken",
            ],
        );
        (s.contains("ErrImagePull") || s.contains("ImagePullBackOff")).then_some(())
    });

    let t = Tmux::start(
        &session_name("fleet"),
        &kdeck_command(home.path(), &sim.kubeconfig, "--command :fleet"),
    );
    let screen = eventually("the three clusters probed", || {
        let s = t.capture();
        ["kdeck-sim-1", "kdeck-sim-2", "kdeck-sim-3"]
            .iter()
            .all(|c| row(&s, c).is_some_and(|r| !r.contains("probing")))
            .then_some(s)
    });
    // The hung context is still being probed (its requests wait for their timeout): it held back
    // no other row.
    assert!(
        row(&screen, "hung").is_some_and(|r| r.contains("probing")),
        "{screen}"
    );
    assert!(
        row(&screen, "kdeck-sim-1").unwrap().contains(" ok "),
        "{screen}"
    );
    assert!(
        row(&screen, "kdeck-sim-3").unwrap().contains(" ok "),
        "{screen}"
    );
    assert!(
        row(&screen, "kdeck-sim-2").unwrap().contains("unhealthy"),
        "{screen}"
    );
    eventually("the hung context ends as unreachable", || {
        row(&t.capture(), "hung")
            .is_some_and(|r| r.contains("unreachable"))
            .then_some(())
    });

    // enter on kdeck-sim-3 opens that cluster.
    t.enter_filtered("kdeck-sim-3");
    eventually("connected to kdeck-sim-3", || {
        let s = t.capture();
        (s.contains("Context:   kdeck-sim-3")
            && s.contains("Cluster:   kdeck-sim-3")
            && s.contains("● connected"))
        .then_some(())
    });
    drop(hung);
}

#[test]
fn a_fleet_row_that_needs_a_login_logs_in_on_enter() {
    if skip_without_tools() {
        return;
    }
    let two = login_on_cluster_two("fleet-login", "--command :fleet");
    let (t, token) = (&two.t, &two.token);
    // The probe never runs a plugin that prompts: the row says so.
    let screen = eventually("cluster 2 needs login", || {
        let s = t.capture();
        row(&s, "kdeck-sim-2")
            .is_some_and(|r| r.contains("needs login"))
            .then_some(s)
    });
    assert!(!screen.contains("code?"), "{screen}");
    t.enter_filtered("kdeck-sim-2");
    t.wait_for("code?");
    assert!(
        !t.alternate_screen_on(),
        "the login prompts on the plain terminal"
    );
    t.literal("ok");
    t.keys(&["Enter"]);
    let screen = eventually("connected to kdeck-sim-2", || {
        let s = t.capture();
        (s.contains("Context:   kdeck-sim-2") && s.contains("● connected")).then_some(s)
    });
    assert!(t.alternate_screen_on());
    assert!(!screen.contains(token.as_str()), "the token is never shown");
}

#[test]
fn a_context_from_a_kubeconfig_directory_opens_in_a_kdeck_of_its_own_and_q_comes_back() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim_with(home.path(), &["--clusters", "2", "--pods", "3"]);
    // The kubeconfig in use has cluster 1; a file under the kubeconfig directory has cluster 2, as
    // context "lab" (kubectl edits both copies).
    let main = home.path().join("main.kubeconfig");
    std::fs::copy(&sim.kubeconfig, &main).unwrap();
    kubectl(&main, &["config", "delete-context", "kdeck-sim-2"]);
    let dir = home.path().join("kubeconfigs");
    std::fs::create_dir_all(&dir).unwrap();
    let lab = dir.join("lab.yaml");
    std::fs::copy(&sim.kubeconfig, &lab).unwrap();
    kubectl(&lab, &["config", "delete-context", "kdeck-sim-1"]);
    kubectl(&lab, &["config", "rename-context", "kdeck-sim-2", "lab"]);
    kubectl(&lab, &["config", "use-context", "lab"]);
    kubeconfig_dirs(home.path(), &dir);
    let t = Tmux::start(
        &session_name("fleet-dir"),
        &kdeck_command(home.path(), &main, "--command :fleet"),
    );
    eventually("the directory's context probed", || {
        row(&t.capture(), "lab")
            .is_some_and(|r| r.contains(" ok "))
            .then_some(())
    });
    t.enter_filtered("lab");
    // A kdeck of its own, on that file: its context, its cluster's pods.
    let screen = eventually("the nested kdeck on lab", || {
        let s = t.capture();
        (s.contains("Context:   lab") && s.contains("● connected")).then_some(s)
    });
    assert!(screen.contains("Cluster:   kdeck-sim-2"), "{screen}");
    t.keys(&["q"]);
    eventually("back on the fleet", || {
        let s = t.capture();
        (s.contains("Context:   kdeck-sim-1") && s.contains("fleet(")).then_some(())
    });
    // The file it opened is untouched by the visit.
    let contexts = kubectl(&lab, &["config", "get-contexts", "-o", "name"]);
    assert_eq!(contexts.trim(), "lab");
}
