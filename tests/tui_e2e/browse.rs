//! Browsing: open pods and check the title count against the sim's own list, switch to deployments,
//! filter, drill down, switch namespace and context, quit, and check the terminal was restored.

use super::harness::*;

#[test]
fn browse_filter_drill_down_switch_and_quit() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim(home.path(), 300);
    let count = server_pod_count(&sim.kubeconfig);
    assert_eq!(count, 300);

    let session = session_name("browse");
    let h = home.path().display();
    let cmd = format!(
        "env -u KUBECONFIG -u NO_COLOR HOME={h} XDG_CONFIG_HOME={h}/.config XDG_CACHE_HOME={h}/.cache \
         XDG_DATA_HOME={h}/.local/share XDG_RUNTIME_DIR={h}/run {BIN} --kubeconfig {} -A; \
         echo KDECK_EXIT=$?; sleep 120",
        sim.kubeconfig.display()
    );
    let t = Tmux::start(&session, &cmd);

    let screen = t.wait_for(&format!("pods(all)[{count}]"));
    assert!(screen.contains("Context:   kdeck-sim"), "{screen}");
    assert!(
        screen.contains("NAMESPACE") && screen.contains("team-00"),
        "{screen}"
    );
    assert!(t.alternate_screen_on());

    t.literal(":deploy");
    t.keys(&["Enter"]);
    t.wait_for("deployments(all)[30]");

    t.literal("/app-0003");
    t.keys(&["Enter"]);
    let screen = t.wait_for("deployments(all)[1] </app-0003>");
    assert!(screen.contains("10/10"), "{screen}");

    t.keys(&["Enter"]);
    let screen = t.wait_for("pods(team-00)[10] <deployment/app-0003>");
    assert!(screen.contains("app-0003-"), "{screen}");

    t.keys(&["Escape"]);
    t.wait_for("deployments(all)[1] </app-0003>");

    t.literal(":pods team-00");
    t.keys(&["Enter"]);
    t.wait_for("pods(team-00)[300]");

    t.literal(":ns default");
    t.keys(&["Enter"]);
    t.wait_for("pods(default)[0]");

    t.literal(":ctx kdeck-sim-viewer");
    t.keys(&["Enter"]);
    let screen = t.wait_for("Context:   kdeck-sim-viewer");
    assert!(screen.contains("pods(default)"), "{screen}");
    t.literal(":pods all");
    t.keys(&["Enter"]);
    t.wait_for(&format!("pods(all)[{count}]"));

    t.keys(&["q"]);
    let screen = t.wait_for("KDECK_EXIT=0");
    assert!(
        !t.alternate_screen_on(),
        "the alternate screen is still on:\n{screen}"
    );
    assert!(
        !screen.contains("Context:"),
        "the TUI was left on screen:\n{screen}"
    );
    // The context switch happened inside kdeck only.
    let kc = std::fs::read_to_string(&sim.kubeconfig).unwrap();
    assert!(
        kc.contains("current-context: kdeck-sim\n")
            || kc.contains("\"current-context\": \"kdeck-sim\""),
        "{kc}"
    );
    // Favourite namespaces are kept per context for the next run.
    let fav =
        std::fs::read_to_string(home.path().join(".local/share/kdeck/favourites.yaml")).unwrap();
    assert!(fav.contains("kdeck-sim:\n- default\n- team-00"), "{fav}");
    let t = Tmux::start(
        &session_name("browse-again"),
        &kdeck_command(home.path(), &sim.kubeconfig, ""),
    );
    t.wait_for("<1> default  <2> team-00");
}

#[test]
fn unreachable_cluster_opens_the_contexts_view_quickly() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let kc = home.path().join("kc");
    std::fs::write(
        &kc,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: gone\nclusters: [{{name: gone, cluster: {{server: 'https://127.0.0.1:{port}'}}}}]\n\
             users: [{{name: u, user: {{token: t}}}}]\ncontexts: [{{name: gone, context: {{cluster: gone, user: u}}}}, {{name: other, context: {{cluster: gone, user: u}}}}]\n"
        ),
    )
    .unwrap();
    let h = home.path().display();
    let session = format!("kdeck-e2e-dead-{}", std::process::id());
    let t = Tmux::start(
        &session,
        &format!(
            "env -u KUBECONFIG HOME={h} XDG_CONFIG_HOME={h}/.config {BIN} --kubeconfig {}; echo KDECK_EXIT=$?; sleep 60",
            kc.display()
        ),
    );
    let screen = t.wait_for("contexts(all)[2]");
    assert!(screen.contains("Cannot connect: gone"), "{screen}");
    // A context added by another tool shows up without a restart.
    let text = std::fs::read_to_string(&kc).unwrap().replace(
        "{name: other,",
        "{name: added-by-kubectl, context: {cluster: gone, user: u}}, {name: other,",
    );
    std::fs::write(&kc, text).unwrap();
    t.wait_for("contexts(all)[3]");
    t.keys(&["C-c"]);
    t.wait_for("KDECK_EXIT=0");
}

#[test]
fn use_writes_current_context_as_kubectl_sees_it_and_ctx_does_not() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim(home.path(), 3);
    let before = std::fs::read(&sim.kubeconfig).unwrap();
    let t = Tmux::start(
        &session_name("use"),
        &kdeck_command(home.path(), &sim.kubeconfig, "-A"),
    );
    t.wait_for("pods(all)[3]");
    t.literal(":ctx kdeck-sim-viewer");
    t.keys(&["Enter"]);
    t.wait_for("Context:   kdeck-sim-viewer");
    assert_eq!(
        std::fs::read(&sim.kubeconfig).unwrap(),
        before,
        ":ctx switches inside kdeck only"
    );
    t.literal(":use");
    t.keys(&["Enter"]);
    t.wait_for("current-context is now \"kdeck-sim-viewer\"");
    assert_eq!(
        kubectl(&sim.kubeconfig, &["config", "current-context"]).trim(),
        "kdeck-sim-viewer"
    );
    // kubectx's history knows where we came from.
    let history = std::fs::read_to_string(home.path().join(".cache/kubectx")).unwrap();
    assert_eq!(history.trim(), "kdeck-sim");
}
