//! `kdeck kubectl …` and the `kubectl` shim, driven through the real binary against a mirror served by
//! this test on 127.0.0.1. Every child gets its own HOME, XDG dirs, PATH and working directory.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test (or bench) may panic on what it sets up

mod kubectl_support;

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use kubectl_support::*;

#[test]
fn install_list_which_pin_uninstall() {
    let mirror = Mirror::start(good_routes(&[("1.29.4", 3), ("1.30.1", 0)]));
    let sb = Sandbox::new(&mirror);

    let out = sb.kdeck("home", &["kubectl", "install", "v1.29.4"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("Installed kubectl 1.29.4"),
        "{}",
        text(&out.stderr)
    );
    let bin = sb.p("data/kdeck/kubectl/1.29.4/kubectl");
    assert_eq!(std::fs::read(&bin).unwrap(), fake_kubectl("1.29.4", 3));
    assert_eq!(
        std::fs::metadata(&bin).unwrap().permissions().mode() & 0o777,
        0o755
    );
    assert!(
        sb.kdeck("home", &["kubectl", "install", "1.30.1"])
            .status
            .success()
    );
    assert_eq!(
        sb.store_entries(),
        ["1.29.4", "1.29.4/kubectl", "1.30.1", "1.30.1/kubectl"]
    );
    // Installing again is a no-op that asks the mirror nothing.
    let before = mirror.requests().len();
    let again = sb.kdeck("home", &["kubectl", "install", "1.29.4"]);
    assert!(again.status.success() && text(&again.stderr).contains("already installed"));
    assert_eq!(mirror.requests().len(), before);

    // A project with other tools and comments; pin edits only the kubectl line.
    sb.write(
        "project/.tool-versions",
        "# team tools\nnodejs 20.1.0\nkubectl 1.28.0   # old prod\n",
    );
    let out = sb.kdeck("project", &["kubectl", "pin", "1.29.4"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(sb.p("project/.tool-versions")).unwrap(),
        "# team tools\nnodejs 20.1.0\nkubectl 1.29.4   # old prod\n"
    );

    let list = text(&sb.kdeck("project/a/b", &["kubectl", "list"]).stdout);
    let lines: Vec<&str> = list.lines().collect();
    assert!(
        lines[0].starts_with("* 1.29.4") && lines[0].contains(".tool-versions line 3"),
        "{list}"
    );
    assert_eq!(lines[1], "  1.30.1", "{list}");

    let which = sb.kdeck("project/a/b", &["kubectl", "which"]);
    assert_eq!(text(&which.stdout).trim(), bin.display().to_string());
    let reason = text(&which.stderr);
    assert!(
        reason.contains(&format!(
            "{} line 3",
            sb.p("project/.tool-versions").display()
        )),
        "{reason}"
    );

    // Outside the project nothing is pinned: the system kubectl on PATH.
    let which = sb.kdeck("home", &["kubectl", "which"]);
    assert_eq!(
        text(&which.stdout).trim(),
        sb.p("sysbin/kubectl").display().to_string()
    );
    assert!(text(&which.stderr).contains("nothing pins kubectl here"));

    // A new .tool-versions gets mode 0644 and one line.
    let out = sb.kdeck("project/a", &["kubectl", "pin", "1.30.1"]);
    assert!(out.status.success());
    assert_eq!(
        std::fs::read_to_string(sb.p("project/a/.tool-versions")).unwrap(),
        "kubectl 1.30.1\n"
    );
    assert_eq!(
        std::fs::metadata(sb.p("project/a/.tool-versions"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o644
    );
    let out = sb.kdeck("project/a", &["kubectl", "pin", "1.31.0"]);
    assert!(
        text(&out.stderr).contains("kdeck kubectl install 1.31.0"),
        "{}",
        text(&out.stderr)
    );

    let out = sb.kdeck("home", &["kubectl", "uninstall", "1.30.1"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(sb.store_entries(), ["1.29.4", "1.29.4/kubectl"]);
    let out = sb.kdeck("home", &["kubectl", "uninstall", "1.30.1"]);
    assert!(
        !out.status.success() && text(&out.stderr).contains("not installed (installed: 1.29.4)")
    );
}

#[test]
fn invalid_versions_never_reach_the_mirror() {
    let mirror = Mirror::start(HashMap::new());
    let sb = Sandbox::new(&mirror);
    for bad in ["../../etc", "1.29", "latest", "1.29.4/x"] {
        let out = sb.kdeck("home", &["kubectl", "install", bad]);
        assert!(!out.status.success());
        assert!(
            text(&out.stderr).contains("is not a kubectl version"),
            "{}",
            text(&out.stderr)
        );
    }
    assert!(mirror.requests().is_empty(), "{:?}", mirror.requests());
}

#[test]
fn wrong_checksum_installs_nothing() {
    let bin = fake_kubectl("1.29.4", 0);
    let base = format!("/v1.29.4/{}", arch_path());
    let mut routes = HashMap::new();
    routes.insert(
        format!("{base}.sha256"),
        Reply::Body(format!("{}\n", sha_hex(b"something else")).into_bytes()),
    );
    routes.insert(base, Reply::Body(bin));
    let sb = Sandbox::new(&Mirror::start(routes));
    assert_installs_nothing(
        &sb,
        "1.29.4",
        &["checksum mismatch", &sha_hex(b"something else")],
    );
}

#[test]
fn not_found_fails_cleanly() {
    let sb = Sandbox::new(&Mirror::start(HashMap::new()));
    assert_installs_nothing(
        &sb,
        "1.99.0",
        &["kubectl 1.99.0 is not on the mirror", "404"],
    );
    // Checksum present, binary missing.
    let mut routes = HashMap::new();
    routes.insert(
        format!("/v1.29.4/{}.sha256", arch_path()),
        Reply::Body(sha_hex(b"x").into_bytes()),
    );
    let sb = Sandbox::new(&Mirror::start(routes));
    assert_installs_nothing(&sb, "1.29.4", &["404"]);
}

#[test]
fn truncated_and_cut_downloads_leave_nothing() {
    let bin = fake_kubectl("1.29.4", 0);
    let base = format!("/v1.29.4/{}", arch_path());
    let sum = Reply::Body(sha_hex(&bin).into_bytes());
    let half = bin[..bin.len() / 2].to_vec();
    let claimed = bin.len();
    let mut routes = HashMap::new();
    routes.insert(format!("{base}.sha256"), sum.clone());
    routes.insert(
        base.clone(),
        Reply::Truncated {
            body: half.clone(),
            claimed,
        },
    );
    let sb = Sandbox::new(&Mirror::start(routes));
    assert_installs_nothing(&sb, "1.29.4", &[&format!("of {claimed} bytes")]);

    let mut routes = HashMap::new();
    routes.insert(format!("{base}.sha256"), sum);
    routes.insert(base, Reply::Cut(half));
    let sb = Sandbox::new(&Mirror::start(routes));
    assert_installs_nothing(&sb, "1.29.4", &["connection broke"]);
}

#[test]
fn interrupted_install_leaves_nothing() {
    let base = format!("/v1.29.4/{}", arch_path());
    let mut routes = HashMap::new();
    routes.insert(
        format!("{base}.sha256"),
        Reply::Body(sha_hex(b"whatever").into_bytes()),
    );
    routes.insert(base, Reply::Stall(vec![b'x'; 4096]));
    let sb = Sandbox::new(&Mirror::start(routes));
    let path = format!("{}:{}", sb.shim_dir().display(), sb.p("sysbin").display());
    let child = sb
        .command(Path::new(KDECK), "home", &path)
        .args(["kubectl", "install", "1.29.4"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait (generously) until the download is under way: its staging directory exists.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while sb.store_entries().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the download never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        sb.store_entries()[0].starts_with(".staging-1.29.4-"),
        "{:?}",
        sb.store_entries()
    );
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("interrupted: kubectl 1.29.4 was not installed"));
    assert!(
        !sb.p("data/kdeck/kubectl").exists(),
        "{:?}",
        sb.store_entries()
    );
}

#[test]
fn redirects_are_followed_with_a_limit() {
    let mut routes = good_routes(&[("1.29.4", 0)]);
    let base = format!("/v1.29.4/{}", arch_path());
    let body = routes.remove(&base).unwrap();
    routes.insert(base.clone(), Reply::Redirect("/cdn/kubectl-1.29.4".into()));
    routes.insert("/cdn/kubectl-1.29.4".into(), body);
    let mirror = Mirror::start(routes);
    let sb = Sandbox::new(&mirror);
    let out = sb.kdeck("home", &["kubectl", "install", "1.29.4"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        mirror
            .requests()
            .contains(&"/cdn/kubectl-1.29.4".to_string())
    );

    let mut routes = HashMap::new();
    routes.insert(
        format!("/v1.30.0/{}.sha256", arch_path()),
        Reply::Redirect("/loop".into()),
    );
    routes.insert("/loop".to_string(), Reply::Redirect("/loop".into()));
    let sb = Sandbox::new(&Mirror::start(routes));
    assert_installs_nothing(&sb, "1.30.0", &["redirects"]);
}

#[test]
fn shim_runs_the_pinned_version_everywhere() {
    let sb = Sandbox::new(&Mirror::start(good_routes(&[
        ("1.29.4", 3),
        ("1.30.1", 0),
        ("1.28.2", 5),
    ])));
    for v in ["1.29.4", "1.30.1", "1.28.2"] {
        assert!(
            sb.kdeck("home", &["kubectl", "install", v])
                .status
                .success()
        );
    }
    sb.make_shim();
    let sys = sb.p("sysbin").display().to_string();
    let run =
        |cwd: &str, env: &[(&str, &str)]| sb.shim(cwd, &["get", "pods", "two words"], &sys, env);

    // Nothing pinned: the system kubectl, never the shim itself.
    let out = run("project/a/b/c", &[]);
    assert_eq!(
        text(&out.stdout),
        "fake kubectl system argv0=kubectl\narg:get\narg:pods\narg:two words\n"
    );

    // .tool-versions at the top applies in nested directories; args and exit code pass through.
    sb.write(
        "project/.tool-versions",
        "nodejs 20\nkubectl 1.29.4 # team\n",
    );
    let out = run("project/a/b/c", &[]);
    assert_eq!(
        text(&out.stdout),
        "fake kubectl 1.29.4 argv0=kubectl\narg:get\narg:pods\narg:two words\n"
    );
    assert_eq!(out.status.code(), Some(3));

    // An untrusted .kdeck.yaml changes nothing, and says so once (not at every kubectl run).
    sb.write("project/a/.kdeck.yaml", "context: dev\nkubectl: 1.30.1\n");
    let out = run("project/a/b", &[]);
    assert!(text(&out.stdout).starts_with("fake kubectl 1.29.4"));
    let note = "ignoring `kubectl: 1.30.1`";
    assert_eq!(
        text(&out.stderr).matches(note).count(),
        1,
        "{}",
        text(&out.stderr)
    );
    assert!(text(&out.stderr).contains("kdeck allow"));
    let again = run("project/a/b", &[]);
    assert!(text(&again.stdout).starts_with("fake kubectl 1.29.4"));
    assert!(
        !text(&again.stderr).contains(note),
        "{}",
        text(&again.stderr)
    );

    // Once allowed, the closer .kdeck.yaml wins over the farther .tool-versions.
    assert!(sb.kdeck("project/a", &["allow"]).status.success());
    let out = run("project/a/b", &[]);
    assert!(
        text(&out.stdout).starts_with("fake kubectl 1.30.1"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0));

    // An even closer .tool-versions with fallbacks: the first installed one wins.
    sb.write(
        "project/a/b/.tool-versions",
        "kubectl 1.31.0 1.28.2 1.29.4\n",
    );
    let out = run("project/a/b/c", &[]);
    assert!(text(&out.stdout).starts_with("fake kubectl 1.28.2"));
    assert_eq!(out.status.code(), Some(5));

    // `system` as a fallback.
    sb.write("project/a/b/.tool-versions", "kubectl 1.31.0 system\n");
    assert!(text(&run("project/a/b/c", &[]).stdout).starts_with("fake kubectl system"));

    // The environment variable beats every file.
    let out = run("project/a/b/c", &[("KDECK_KUBECTL_VERSION", "1.29.4")]);
    assert!(text(&out.stdout).starts_with("fake kubectl 1.29.4"));

    // $HOME/.tool-versions is the last resort outside any project.
    sb.write("home/.tool-versions", "kubectl 1.30.1\n");
    assert!(text(&run("sysbin", &[]).stdout).starts_with("fake kubectl 1.30.1"));

    // Pinned but not installed: a clear message and exit 1, nothing run.
    sb.write("project/a/b/.tool-versions", "kubectl 1.31.0\n");
    let out = run("project/a/b/c", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "");
    let err = text(&out.stderr);
    assert!(
        err.contains("kubectl 1.31.0 is pinned by") && err.contains("kdeck kubectl install 1.31.0"),
        "{err}"
    );
    assert!(
        err.contains(&sb.p("project/a/b/.tool-versions").display().to_string()),
        "{err}"
    );
}

#[test]
fn shim_never_recurses_into_itself() {
    let sb = Sandbox::new(&Mirror::start(HashMap::new()));
    sb.make_shim();
    // The only kubectl on PATH is the shim (also reachable through a second directory linking to kdeck).
    let alias = sb.p("alias");
    std::fs::create_dir(&alias).unwrap();
    std::os::unix::fs::symlink(KDECK, alias.join("kubectl")).unwrap();
    let out = sb.shim("home", &["version"], &alias.display().to_string(), &[]);
    assert_eq!(out.status.code(), Some(127));
    let err = text(&out.stderr);
    assert!(
        err.contains("no kubectl on PATH outside kdeck's shim directory"),
        "{err}"
    );

    // A wrapper script that calls `kubectl` again loops back through the shim: the depth guard stops it.
    let wrap = sb.p("wrap");
    std::fs::create_dir(&wrap).unwrap();
    std::fs::write(wrap.join("kubectl"), "#!/bin/sh\nexec kubectl \"$@\"\n").unwrap();
    std::fs::set_permissions(wrap.join("kubectl"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = sb.shim("home", &["version"], &wrap.display().to_string(), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("leads back to the shim"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn auto_and_which_server_use_the_server_version() {
    let mut routes = good_routes(&[("1.27.3", 0), ("1.29.4", 0), ("1.31.0", 0)]);
    routes.insert(
        "/version".into(),
        Reply::Body(br#"{"major":"1","minor":"29+","gitVersion":"v1.29.7-gke.100","gitCommit":"","gitTreeState":"","buildDate":"","goVersion":"","compiler":"","platform":"linux/amd64"}"#.to_vec()),
    );
    let mirror = Mirror::start(routes);
    let sb = Sandbox::new(&mirror);
    for v in ["1.27.3", "1.29.4", "1.31.0"] {
        assert!(
            sb.kdeck("home", &["kubectl", "install", v])
                .status
                .success()
        );
    }
    sb.make_shim();
    let kubeconfig = kubeconfig_for(&sb, &mirror.url);
    let env = [("KUBECONFIG", kubeconfig.as_str())];
    let version_calls = || {
        mirror
            .requests()
            .iter()
            .filter(|p| *p == "/version")
            .count()
    };

    sb.write("project/.tool-versions", "kubectl 1.27.3\n");
    let out = sb.kdeck_env("project", &["kubectl", "which", "--server"], &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("server: v1.29.7-gke.100 (context \"test\")"),
        "{err}"
    );
    assert!(
        err.contains("warning: kubectl 1.27.3 is 2 minor versions older than the server (1.29)"),
        "{err}"
    );

    sb.write(
        "project/.tool-versions",
        "kubectl 1.31.0 # too new for this cluster\n",
    );
    let out = sb.kdeck_env("project", &["kubectl", "which", "--server"], &env);
    assert!(
        text(&out.stderr).contains("2 minor versions newer"),
        "{}",
        text(&out.stderr)
    );

    // `auto`: the installed version closest to the server's 1.29; the answer is cached for the next run.
    sb.write("project/.tool-versions", "kubectl auto\n");
    let sys = sb.p("sysbin").display().to_string();
    // `which --server` above cached the answer; start the shim from an empty cache.
    std::fs::remove_dir_all(sb.p("cache/kdeck")).unwrap();
    let before = version_calls();
    let out = sb.shim("project", &["get", "ns"], &sys, &env);
    assert!(
        text(&out.stdout).starts_with("fake kubectl 1.29.4"),
        "{}",
        text(&out.stderr)
    );
    let after_first = version_calls();
    let out = sb.shim("project", &["get", "ns"], &sys, &env);
    assert!(text(&out.stdout).starts_with("fake kubectl 1.29.4"));
    assert_eq!(after_first, before + 1, "the first run asks the server");
    assert_eq!(
        version_calls(),
        after_first,
        "the second run must use the cached server version"
    );
    let which = sb.kdeck_env("project", &["kubectl", "which"], &env);
    assert!(
        text(&which.stderr).contains("auto: closest installed to the server's 1.29"),
        "{}",
        text(&which.stderr)
    );
}
