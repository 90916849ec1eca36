//! `:fleet` on the real binary over `sim serve --clusters 3` plus a kubeconfig directory (from
//! config.yaml) holding a context whose server never answers: every context gets a row, the healthy
//! clusters are complete while the hung one is still being probed (it slows no other row), a cluster
//! kubectl broke is flagged, the hung one ends as unreachable, and enter opens a cluster.

use super::harness::*;

fn row<'a>(screen: &'a str, context: &str) -> Option<&'a str> {
    screen.lines().find(|l| {
        l.trim_start_matches('│')
            .split_whitespace()
            .next()
            .is_some_and(|w| w == context)
    })
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
    let config = home.path().join(".config").join("kdeck");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.yaml"),
        format!("kubeconfig_dirs: [{}]\n", dir.display()),
    )
    .unwrap();
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
    t.literal("/kdeck-sim-3\r");
    t.wait_for("</kdeck-sim-3>");
    t.keys(&["Enter"]);
    eventually("connected to kdeck-sim-3", || {
        let s = t.capture();
        (s.contains("Context:   kdeck-sim-3")
            && s.contains("Cluster:   kdeck-sim-3")
            && s.contains("● connected"))
        .then_some(())
    });
    drop(hung);
}
