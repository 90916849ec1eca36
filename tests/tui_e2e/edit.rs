//! `e` edit on the real binary, with a scripted editor standing in for the user: a saved change lands
//! (kubectl reads the new replicas); an invalid one is refused by the server and the editor opens again
//! with the server's message at the top; saving that unchanged drops the edit and changes nothing.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::harness::*;

const SCENARIO: &str = "nodes: 2
logRate: 0
namespaces:
  - name: ops
    deployments:
      - { name: web, replicas: 2, ports: [8080] }
";

/// An editor script: on the first open it rewrites `replicas: 2` to `replicas: <to>`; opened again
/// (the buffer then starts with kdeck's `#` lines) it copies those lines to `header` and saves
/// nothing.
fn editor(dir: &Path, to: &str) -> std::path::PathBuf {
    let script = dir.join(format!("edit-to-{to}.sh"));
    let header = dir.join("header");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n# The file is the last argument (after the flags the variable carries).\n\
             for f in \"$@\"; do :; done\n\
             if grep -q '^# ' \"$f\"; then grep '^#' \"$f\" > {h}; exit 0; fi\n\
             sed -i 's/^  replicas: 2$/  replicas: {to}/' \"$f\"\n",
            h = header.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

fn replicas(sim: &Sim) -> String {
    kubectl(
        &sim.kubeconfig,
        &[
            "get",
            "deploy",
            "web",
            "-n",
            "ops",
            "-o",
            "jsonpath={.spec.replicas}",
        ],
    )
}

fn start(home: &Path, sim: &Sim, script: &Path, test: &str) -> Tmux {
    let cmd = format!(
        "EDITOR='{} --wait' {}",
        script.display(),
        kdeck_command(home, &sim.kubeconfig, "-n ops --command :deploy")
    );
    let t = Tmux::start(&session_name(test), &cmd);
    t.wait_for("deployments(ops)[1]");
    t
}

#[test]
fn an_edit_saved_in_the_editor_replaces_the_object() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim_scenario(home.path(), SCENARIO);
    // The variable may carry arguments (`code --wait`): it runs through the shell, as kubectl runs it.
    let script = editor(home.path(), "5");
    let t = start(home.path(), &sim, &script, "edit");
    t.literal("e");
    t.wait_for("edited deployment/ops/web");
    assert_eq!(replicas(&sim), "5");
    // The buffer was written in kdeck's runtime directory, and is gone once the edit is applied.
    let dirs = edit_dirs(home.path());
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    assert_eq!(std::fs::read_dir(&dirs[0]).unwrap().count(), 0);
}

/// kdeck's `edit` directories under the test's XDG_RUNTIME_DIR.
fn edit_dirs(home: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(home.join("run"))
        .unwrap()
        .flatten()
        .map(|e| e.path().join("edit"))
        .filter(|p| p.is_dir())
        .collect()
}

#[test]
fn an_invalid_edit_reopens_with_the_servers_message_and_changes_nothing() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim_scenario(home.path(), SCENARIO);
    let script = editor(home.path(), "-1");
    let t = start(home.path(), &sim, &script, "edit-invalid");
    t.literal("e");
    let screen = t.wait_for("edit dropped");
    assert!(screen.contains("your text is kept in"), "{screen}");
    let header = std::fs::read_to_string(home.path().join("header")).unwrap();
    assert!(
        header.contains("spec.replicas: Invalid value: -1: must be greater than or equal to 0"),
        "{header}"
    );
    assert_eq!(replicas(&sim), "2");
    // The user's text is kept, readable only by them, with the server's message on top.
    let dirs = edit_dirs(home.path());
    let kept: Vec<_> = std::fs::read_dir(&dirs[0]).unwrap().flatten().collect();
    assert_eq!(kept.len(), 1);
    let meta = kept[0].metadata().unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let text = std::fs::read_to_string(kept[0].path()).unwrap();
    assert!(
        text.contains("replicas: -1") && text.starts_with("# "),
        "{text}"
    );
}
