//! k9s's aliases.yaml and hotkeys.yaml, read from kdeck's config directory by the real binary: an alias
//! opens its view, a hotkey runs its command, and a malformed file is reported with its line and column
//! while kdeck starts with the rest.

use super::harness::*;

fn write(home: &std::path::Path, name: &str, text: &str) {
    let dir = home.join(".config/kdeck");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn an_alias_opens_its_view_and_a_hotkey_runs_its_command() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim(home.path(), 20);
    write(home.path(), "aliases.yaml", "aliases:\n  dp: deployments\n");
    write(
        home.path(),
        "hotkeys.yaml",
        "hotKeys:\n  shift-0:\n    shortCut: Shift-9\n    description: Services\n    command: services\n",
    );
    let deployments = kubectl(
        &sim.kubeconfig,
        &["get", "deploy", "-n", "team-00", "-o", "name"],
    )
    .lines()
    .count();
    let t = Tmux::start(
        &session_name("extensions"),
        &kdeck_command(home.path(), &sim.kubeconfig, "-n team-00"),
    );
    t.wait_for("pods(team-00)[20]");
    t.literal(":dp");
    t.keys(&["Enter"]);
    t.wait_for(&format!("deployments(team-00)[{deployments}]"));
    t.literal("(");
    t.wait_for("services(team-00)");
}

#[test]
fn a_malformed_alias_file_is_reported_and_kdeck_starts() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim(home.path(), 2);
    write(
        home.path(),
        "aliases.yaml",
        "aliases:\n  dp: [deployments\n",
    );
    let t = Tmux::start(
        &session_name("extensions-bad"),
        &kdeck_command(home.path(), &sim.kubeconfig, "-n team-00"),
    );
    let screen = t.wait_for("aliases not loaded");
    assert!(screen.contains("aliases.yaml:"), "{screen}");
    t.wait_for("pods(team-00)[2]");
}

#[test]
fn a_plugin_runs_on_the_selected_pod_with_k9s_variables() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim(home.path(), 2);
    write(
        home.path(),
        "plugins.yaml",
        "plugins:\n  show:\n    shortCut: Ctrl-E\n    description: Show the row\n    scopes: [pods]\n    confirm: true\n    background: false\n    command: sh\n    args:\n      - -c\n      - echo \"$NAME $NAMESPACE $CONTEXT $COL-STATUS\" > \"$HOME/plugin.out\"\n  bg:\n    shortCut: Ctrl-G\n    scopes: [all]\n    background: true\n    command: sh\n    args: [-c, 'echo \"$NAME\" > \"$HOME/plugin3.out\"']\n  ctr:\n    shortCut: Ctrl-T\n    scopes: [containers]\n    command: sh\n    args: [-c, 'echo \"$NAME $CONTAINER\" > \"$HOME/plugin2.out\"']\n",
    );
    let (t, pod) = kdeck_on_first_pod(home.path(), &sim, 2, "plugin");
    t.keys(&["C-e"]);
    t.wait_for(&format!("Run plugin show on pod team-00/{pod}?"));
    t.keys(&["Enter"]);
    t.wait_for("sh finished");
    let out = std::fs::read_to_string(home.path().join("plugin.out")).unwrap();
    assert_eq!(out.trim(), format!("{pod} team-00 kdeck-sim Running"));
    // A background plugin runs without taking the terminal: kdeck stays on screen.
    t.keys(&["C-g"]);
    t.wait_for("started sh in the background");
    let out = eventually("the background plugin wrote its file", || {
        std::fs::read_to_string(home.path().join("plugin3.out"))
            .ok()
            .filter(|o| !o.is_empty())
    });
    assert_eq!(out.trim(), pod);
    t.wait_for(&format!("pods(team-00)[1] </{pod}>"));
    // In the pod's containers view a `containers` plugin runs on the pod with $CONTAINER set.
    let container = kubectl(
        &sim.kubeconfig,
        &[
            "get",
            "pod",
            &pod,
            "-n",
            "team-00",
            "-o",
            "jsonpath={.spec.containers[0].name}",
        ],
    );
    t.keys(&["Enter"]);
    t.wait_for(&format!("<pod/{pod}>"));
    t.keys(&["C-t"]);
    eventually("the containers plugin wrote its file", || {
        std::fs::read_to_string(home.path().join("plugin2.out")).ok()
    });
    let out = std::fs::read_to_string(home.path().join("plugin2.out")).unwrap();
    assert_eq!(out.trim(), format!("{pod} {container}"));
}
