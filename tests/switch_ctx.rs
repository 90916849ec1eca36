//! `kdeck ctx` / `kubectx` driven as a user drives it: kubectx's messages, exit codes and history file,
//! argv[0] dispatch, passthrough of unknown fields and comments, and bad input that must change nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test (or bench) may panic on what it sets up

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;

use common::terminal::on_a_terminal;
use common::{Jitter, Out, Sandbox, contexts_of, entries, kubeconfig_with};

#[test]
fn switch_previous_current_and_history_file() {
    let sb = Sandbox::new();
    let cfg = sb.write(
        "kube/config",
        &kubeconfig_with(&["dev", "prod"], Some("dev")),
    );

    let out = sb.ctx(&[&cfg], &["prod"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""));
    assert_eq!(out.stderr, "✔ Switched to context \"prod\".\n");
    assert_eq!(
        sb.read("cache/kubectx"),
        "dev",
        "kubectx's file, no newline"
    );
    assert_eq!(sb.ctx(&[&cfg], &["-c"]).stdout, "prod\n");

    let out = sb.ctx(&[&cfg], &["-"]);
    assert!(out.ok(), "{out:?}");
    assert_eq!(out.stderr, "✔ Switched to context \"dev\".\n");
    assert_eq!(sb.read("cache/kubectx"), "prod");

    // Switching to the context in effect changes neither the kubeconfig nor the history.
    let before = sb.snapshot("");
    assert!(sb.ctx(&[&cfg], &["dev"]).ok());
    assert_eq!(sb.snapshot(""), before);
}

#[test]
fn history_defaults_to_home_kube_without_xdg_cache_home() {
    let sb = Sandbox::new();
    let cfg = sb.write("kube/config", &kubeconfig_with(&["a", "b"], Some("a")));
    let out: Out = sb
        .command(&common::kdeck_bin(), &[&cfg])
        .env_remove("XDG_CACHE_HOME")
        .args(["ctx", "b"])
        .output()
        .unwrap()
        .into();
    assert!(out.ok(), "{out:?}");
    assert_eq!(
        fs::read_to_string(sb.home().join(".kube/kubectx")).unwrap(),
        "a"
    );
}

#[test]
fn list_is_natural_order_plain_when_piped_and_coloured_when_forced() {
    let sb = Sandbox::new();
    let cfg = sb.write(
        "kube/config",
        &kubeconfig_with(&["dev10", "dev2", "prod", "dev1"], Some("dev2")),
    );
    let out = sb.ctx(&[&cfg], &[]);
    assert_eq!(out.stdout, "dev1\ndev2\ndev10\nprod\n");
    let completion = sb.kdeck(&[&cfg], &["__internal", "contexts"]);
    assert_eq!(completion.stdout, "dev1\ndev2\ndev10\nprod\n");
    let forced: Out = sb
        .command(&common::kdeck_bin(), &[&cfg])
        .env("_KUBECTX_FORCE_COLOR", "1")
        .arg("ctx")
        .output()
        .unwrap()
        .into();
    assert_eq!(forced.stdout, "dev1\n\x1b[32;1mdev2\x1b[0m\ndev10\nprod\n");
    let legacy: Out = sb
        .command(&common::kdeck_bin(), &[&cfg])
        .env("_KUBECTX_FORCE_COLOR", "1")
        .env("KUBECTX_CURRENT_FGCOLOR", "\x1b[36m")
        .arg("ctx")
        .output()
        .unwrap()
        .into();
    assert!(legacy.stdout.contains("\x1b[36mdev2\x1b[0m"), "{legacy:?}");
}

#[test]
fn argv0_kubectx_symlink() {
    let sb = Sandbox::new();
    let cfg = sb.write("kube/config", &kubeconfig_with(&["a", "b"], Some("a")));
    let kubectx = sb.alias("kubectx");
    let run = |args: &[&str]| -> Out {
        sb.command(&kubectx, &[&cfg])
            .args(args)
            .output()
            .unwrap()
            .into()
    };
    assert_eq!(run(&[]).stdout, "a\nb\n");
    let out = run(&["b"]);
    assert_eq!(out.stderr, "✔ Switched to context \"b\".\n");
    assert_eq!(run(&["-c"]).stdout, "b\n");
    let help = run(&["-h"]);
    assert!(
        help.ok() && help.stdout.contains("kubectx <NEW_NAME>=<NAME>"),
        "{help:?}"
    );
    assert_eq!(
        run(&["-V"]).stdout,
        format!("{}\n", env!("CARGO_PKG_VERSION"))
    );
    let out = run(&["-d", "."]);
    assert!(
        out.stderr
            .contains("Use \"kubectx\" to select a new context."),
        "{out:?}"
    );
}

#[test]
fn unknown_context_suggests_nearest_and_changes_nothing() {
    let sb = Sandbox::new();
    let cfg = sb.write(
        "kube/config",
        &kubeconfig_with(&["prod-eu", "prod-ap", "staging"], Some("staging")),
    );
    let before = sb.snapshot("");
    let out = sb.ctx(&[&cfg], &["prod-ue"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "error: failed to switch context: no context exists with the name: \"prod-ue\"\ndid you mean \"prod-eu\"?\n"
    );
    let out = sb.ctx(&[&cfg], &["-d", "stagin"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "error: error deleting context \"stagin\": context does not exist\ndid you mean \"staging\"?\n"
    );
    assert_eq!(sb.snapshot(""), before);
}

#[test]
fn rename_moves_current_and_overwrites_existing_names_as_kubectx() {
    let sb = Sandbox::new();
    let cfg = sb.write("kube/config", &kubeconfig_with(&["a", "b"], Some("a")));
    let out = sb.ctx(&[&cfg], &["x=."]);
    assert!(out.ok(), "{out:?}");
    assert_eq!(out.stderr, "✔ Context a renamed to x.\n");
    assert_eq!(
        contexts_of(&cfg).unwrap(),
        (
            vec!["x".to_string(), "b".to_string()],
            Some("x".to_string())
        )
    );

    // kubectx b=x when b exists: b is replaced by x, with a warning, exit 0.
    let out = sb.ctx(&[&cfg], &["b=x"]);
    assert!(out.ok(), "{out:?}");
    assert_eq!(
        out.stderr,
        "warning: context b exists, overwriting it.\n✔ Context x renamed to b.\n"
    );
    assert_eq!(
        contexts_of(&cfg).unwrap(),
        (vec!["b".to_string()], Some("b".to_string()))
    );
    if let Some(kubectl) = common::kubectl() {
        let seen = std::process::Command::new(kubectl)
            .args([
                "--kubeconfig",
                cfg.to_str().unwrap(),
                "config",
                "get-contexts",
                "-o",
                "name",
            ])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&seen.stdout), "b\n");
    }

    let before = sb.snapshot("");
    let out = sb.ctx(&[&cfg], &["y=nope"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "error: context \"nope\" not found, can't rename it\n"
    );
    assert_eq!(sb.snapshot(""), before);
}

#[test]
fn delete_current_context_deletes_and_warns_like_kubectx() {
    let sb = Sandbox::new();
    let cfg = sb.write("kube/config", &kubeconfig_with(&["a", "b", "c"], Some("a")));
    let out = sb.ctx(&[&cfg], &["-d", ".", "b"]);
    assert!(out.ok(), "{out:?}");
    assert_eq!(
        out.stderr,
        "warning: You deleted the current context. Use \"kdeck ctx\" to select a new context.\n✔ Deleted context a.\n✔ Deleted context b.\n"
    );
    // current-context still names the deleted context, as with kubectx and kubectl.
    assert_eq!(
        contexts_of(&cfg).unwrap(),
        (vec!["c".to_string()], Some("a".to_string()))
    );
    let text = sb.read("kube/config");
    assert!(
        text.contains("a-cluster") && text.contains("a-user"),
        "clusters and users stay"
    );

    let out = sb.ctx(&[&cfg], &["-u"]);
    assert_eq!(out.stderr, "✔ Active context unset for kubectl.\n");
    let out = sb.ctx(&[&cfg], &["-d", "."]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "error: error deleting context \"\": can't use '.' as the no active context is set\n"
    );
    let out = sb.ctx(&[&cfg], &["-c"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (1, "error: current-context is not set\n")
    );
    let out = sb.ctx(&[&cfg], &["-"]);
    assert_eq!(
        out.stderr,
        "error: failed to switch context: no previous context found\n"
    );
}

#[test]
fn unknown_fields_and_comments_survive() {
    let sb = Sandbox::new();
    let text = "\
# my kubeconfig, hand-edited
apiVersion: v1
kind: Config
x-top-level: {keep: me}
preferences: {colors: true}
clusters:
- name: c
  cluster:
    server: https://c.example:6443
    x-cluster-field: 1
users:
- name: u
  user:
    token: secret # the token
contexts:
- name: a # first
  context:
    cluster: c
    user: u
    x-context-field: [1, 2]
- name: b
  context: {cluster: c, user: u}
current-context: a
";
    let cfg = sb.write("kube/config", text);
    assert!(sb.ctx(&[&cfg], &["b"]).ok());
    let after = sb.read("kube/config");
    assert_eq!(
        after,
        text.replace("current-context: a", "current-context: b"),
        "a switch is a one-line edit"
    );

    // A namespace edit re-serializes the file: every field survives (comments cannot).
    assert!(sb.ns(&[&cfg], &["team", "-f"]).ok());
    let after = sb.read("kube/config");
    for needle in [
        "x-top-level",
        "keep: me",
        "colors: true",
        "x-cluster-field: 1",
        "x-context-field",
        "token: secret",
        "namespace: team",
    ] {
        assert!(after.contains(needle), "{needle} lost:\n{after}");
    }
    assert_eq!(
        fs::metadata(&cfg).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn malformed_yaml_names_file_line_and_column() {
    let sb = Sandbox::new();
    let good = sb.write("kube/good", &kubeconfig_with(&["a"], Some("a")));
    let bad = sb.write(
        "kube/bad",
        "apiVersion: v1\ncontexts:\n- name: b\n  context: {cluster: c\ncurrent-context: b\n",
    );
    let before = sb.snapshot("");
    for args in [&["a"][..], &[], &["-c"], &["-u"], &["x=a"], &["-d", "a"]] {
        let out = sb.ctx(&[&good, &bad], args);
        assert_eq!(out.code, 1, "{args:?} {out:?}");
        assert!(
            out.stderr.contains(&format!(
                "kubeconfig {} is not valid YAML at line",
                bad.display()
            )) && out.stderr.contains("column"),
            "{args:?} {out:?}"
        );
    }
    assert_eq!(
        sb.snapshot(""),
        before,
        "a broken set of files is never written"
    );
}

#[test]
fn kubeconfig_that_is_a_directory() {
    let sb = Sandbox::new();
    let dir = sb.path("kube/config");
    fs::create_dir_all(&dir).unwrap();
    let out = sb.ctx(&[&dir], &["a"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains(&format!("cannot read kubeconfig {}", dir.display()))
            && out.stderr.contains("directory"),
        "{out:?}"
    );
}

/// Root ignores file modes, so "cannot write" is produced honestly another way: a kubeconfig whose name
/// is so long (250 bytes) that it can be read and locked, but the temp file of the atomic write would
/// exceed NAME_MAX. The write fails for real, and the file must stay as it was.
#[test]
fn failed_write_leaves_the_file_unchanged() {
    let sb = Sandbox::new();
    let name = format!("kube/{}", "k".repeat(245));
    let cfg = sb.write(&name, &kubeconfig_with(&["a", "b"], Some("a")));
    let before = sb.snapshot("kube");
    let out = sb.ctx(&[&cfg], &["b"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.starts_with(
            "error: failed to switch context: failed to save kubeconfig: cannot write kubeconfig"
        ) && out.stderr.contains("File name too long"),
        "{out:?}"
    );
    assert_eq!(
        sb.snapshot("kube"),
        before,
        "no temp or lock file left either"
    );
    assert!(
        !sb.path("cache/kubectx").exists(),
        "history is written only after a switch"
    );
}

#[test]
fn no_kubeconfig_and_empty_kubeconfig_variable() {
    let sb = Sandbox::new();
    // KUBECONFIG="" means ~/.kube/config, which does not exist.
    let run = |args: &[&str]| -> Out {
        sb.command(&common::kdeck_bin(), &[])
            .env("KUBECONFIG", "")
            .arg("ctx")
            .args(args)
            .output()
            .unwrap()
            .into()
    };
    let out = run(&[]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (0, "warning: kubeconfig file not found\n")
    );
    let out = run(&["a"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains(&format!(
            "kubeconfig file not found: {}",
            sb.home().join(".kube/config").display()
        )),
        "{out:?}"
    );
    assert!(!sb.home().join(".kube/config").exists());

    // An empty file is an empty kubeconfig: no contexts, and switching fails cleanly.
    sb.write("home/.kube/config", "");
    assert_eq!(run(&[]).stdout, "");
    let out = run(&["a"]);
    assert_eq!(
        out.stderr,
        "error: failed to switch context: no context exists with the name: \"a\"\n"
    );
    assert_eq!(sb.read("home/.kube/config"), "");
}

#[test]
fn unsupported_arguments_use_kubectx_wording() {
    let sb = Sandbox::new();
    let cfg = sb.write("kube/config", &kubeconfig_with(&["a"], Some("a")));
    for (args, msg) in [
        (&["-x"][..], "error: unsupported option '-x'\n"),
        (&["a", "b"], "error: too many arguments\n"),
        (&["-d"], "error: '-d' needs arguments\n"),
    ] {
        let out = sb.ctx(&[&cfg], args);
        assert_eq!((out.code, out.stderr.as_str()), (1, msg), "{args:?}");
    }
}

#[test]
fn sigkill_at_random_points_never_breaks_the_kubeconfig() {
    use std::os::unix::process::CommandExt;
    let sb = Sandbox::new();
    let names: Vec<String> = (0..30).map(|i| format!("ctx-{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let cfg = sb.write("kube/config", &kubeconfig_with(&refs, Some("ctx-0")));
    // Switches (one-line patch) and namespace edits (whole-file rewrite), forever, until killed.
    let script = r#"while :; do for c in ctx-1 ctx-2 ctx-3; do
        "$KDECK" ctx "$c" >/dev/null 2>&1; "$KDECK" ns -f "ns-$c" >/dev/null 2>&1
    done; done"#;
    let mut jitter = Jitter::new();
    let mut seen_current = std::collections::BTreeSet::new();
    for round in 0..25 {
        let mut child = sb
            .command(std::path::Path::new("/bin/sh"), &[&cfg])
            .env("KDECK", common::kdeck_bin())
            .args(["-c", script])
            .process_group(0)
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5 + jitter.below(70)));
        let killed = std::process::Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{}", child.id())])
            .status()
            .unwrap();
        assert!(killed.success());
        child.wait().unwrap();
        let found = entries(&cfg).unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert_eq!(
            found, names,
            "round {round}: an entry was lost or duplicated"
        );
        let (_, current) = contexts_of(&cfg).unwrap();
        seen_current.insert(current);
    }
    // The next ordinary switch works at once: locks left by killed writers are recognised as dead.
    let out = sb.ctx(&[&cfg], &["ctx-9"]);
    assert!(out.ok(), "{out:?}");
    assert_eq!(contexts_of(&cfg).unwrap().1.as_deref(), Some("ctx-9"));
    assert!(!seen_current.is_empty());
}

#[test]
fn twenty_concurrent_writers_lose_nothing() {
    let sb = Sandbox::new();
    let names: Vec<String> = (0..20).map(|i| format!("c-{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let cfg = sb.write("kube/config", &kubeconfig_with(&refs, Some("c-0")));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(4);
    std::thread::scope(|scope| {
        for i in 0..20 {
            let (sb, cfg) = (&sb, &cfg);
            scope.spawn(move || {
                for round in 0..40 {
                    if std::time::Instant::now() > deadline {
                        break;
                    }
                    // Half switch contexts; half rename their own context away and back, which would
                    // leave a stray name behind if any writer ever lost another's update.
                    let outs = if i < 10 {
                        vec![sb.ctx(&[cfg], &[&format!("c-{}", (i + round) % 10)])]
                    } else {
                        vec![
                            sb.ctx(&[cfg], &[&format!("renamed-{i}=c-{i}")]),
                            sb.ctx(&[cfg], &[&format!("c-{i}=renamed-{i}")]),
                        ]
                    };
                    for out in outs {
                        assert!(out.ok(), "writer {i} round {round}: {out:?}");
                    }
                }
            });
        }
    });
    assert_eq!(entries(&cfg).unwrap(), names);
}

#[test]
fn picker_on_a_terminal_switches_and_restores_the_terminal() {
    let sb = Sandbox::new();
    let cfg = sb.write(
        "kube/config",
        &kubeconfig_with(&["dev", "prod-eu", "prod-us"], Some("dev")),
    );
    let Some(screen) = on_a_terminal(&sb, &cfg, b"peu\r") else {
        return;
    };
    assert!(screen.contains("Switched to context"), "{screen}");
    assert!(screen.contains("rc=0"), "{screen}");
    assert_eq!(contexts_of(&cfg).unwrap().1.as_deref(), Some("prod-eu"));
    let modes = screen.rsplit("rc=0").next().unwrap();
    assert!(
        modes.contains(" icanon") && modes.contains(" echo ") && !modes.contains("-icanon"),
        "terminal left in raw mode: {modes}"
    );
    assert!(screen.contains("\x1b[?25h"), "cursor shown again");
}

#[test]
fn picker_cancel_changes_nothing_and_restores_the_terminal() {
    let sb = Sandbox::new();
    let cfg = sb.write(
        "kube/config",
        &kubeconfig_with(&["dev", "prod", "test"], Some("dev")),
    );
    let before = sb.snapshot("kube");
    let Some(screen) = on_a_terminal(&sb, &cfg, b"pr\x03") else {
        return;
    };
    assert!(
        screen.contains("you did not choose any of the options") && screen.contains("rc=1"),
        "{screen}"
    );
    let modes = screen.rsplit("rc=1").next().unwrap();
    assert!(
        modes.contains(" icanon") && !modes.contains("-icanon"),
        "{modes}"
    );
    assert_eq!(sb.snapshot("kube"), before);
}

#[test]
fn picker_ends_when_its_terminal_goes_away() {
    // A closed window or tmux pane leaves the picker reading endless EOF: it must end, not spin.
    let Some(tmux) = common::tools::need(common::tools::Tool::Tmux) else {
        return;
    };
    let sb = Sandbox::new();
    let cfg = sb.write(
        "kube/config",
        &kubeconfig_with(&["dev", "prod", "test"], Some("dev")),
    );
    let name = format!("kdeck-picker-hup-{}", std::process::id());
    let inner = format!(
        "exec env -u KUBECTX_IGNORE_FZF HOME='{}' XDG_CACHE_HOME='{}' '{}' --kubeconfig '{}' ctx",
        sb.home().display(),
        sb.cache().display(),
        common::kdeck_bin().display(),
        cfg.display()
    );
    let tmux_ok = |args: &[&str]| {
        std::process::Command::new(&tmux)
            .args(args)
            .output()
            .unwrap()
    };
    assert!(
        tmux_ok(&["new", "-d", "-s", &name, "-x", "80", "-y", "20", &inner])
            .status
            .success()
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let screen = tmux_ok(&["capture-pane", "-p", "-t", &name]);
        if String::from_utf8_lossy(&screen.stdout).contains("/3") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the picker never appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let pid =
        String::from_utf8_lossy(&tmux_ok(&["display", "-p", "-t", &name, "#{pane_pid}"]).stdout)
            .trim()
            .to_string();
    // A lone escape (the start of a key sequence as far as the reader knows), then the pane goes.
    tmux_ok(&["send-keys", "-t", &name, "Escape"]);
    tmux_ok(&["kill-session", "-t", &name]);
    let proc = std::path::PathBuf::from(format!("/proc/{pid}"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while proc.exists()
        && !std::fs::read_to_string(proc.join("stat"))
            .unwrap_or_default()
            .contains(") Z")
    {
        if std::time::Instant::now() > deadline {
            let _ = std::process::Command::new("kill")
                .args(["-9", &pid])
                .status();
            panic!("the picker (pid {pid}) outlived its terminal");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn kdeck_ctx_picker_offers_the_contexts_of_kubeconfig_dirs_and_points_at_kdeck_use() {
    let sb = Sandbox::new();
    let cfg = sb.write("kube/config", &kubeconfig_with(&["dev"], Some("dev")));
    let dir = sb.path("clusters");
    sb.write(
        "clusters/eu/lab.yaml",
        &kubeconfig_with(&["dev", "lab-1"], None),
    );
    sb.write(
        "config/kdeck/config.yaml",
        &format!("kubeconfig_dirs: ['{}']\n", dir.display()),
    );
    let before = sb.snapshot("kube");
    // Three to pick from: the shared `dev`, and the directory's `eu/dev` (renamed: taken) and `lab-1`.
    let Some(screen) = on_a_terminal(&sb, &cfg, b"lab-1\r") else {
        return;
    };
    assert!(screen.contains("eu/dev"), "{screen}");
    assert!(
        screen.contains("\"lab-1\" is in") && screen.contains("`kdeck use lab-1`"),
        "{screen}"
    );
    assert!(screen.contains("rc=1"), "{screen}");
    assert_eq!(
        sb.snapshot("kube"),
        before,
        "the shared kubeconfig is untouched"
    );
    assert!(
        sb.cache().join("kdeck/contexts-index.json").exists(),
        "the index was written"
    );
}
