//! `kdeck ns` / `kubens` against a local API stand-in: listing (with paging), GET validation, `-f`, `-`,
//! history, the 403 fallback, and network failures that must end with an error instead of a hang.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test (or bench) may panic on what it sets up

mod common;

use std::time::{Duration, Instant};

use common::apiserver::{FakeApiServer, Mode};
use common::{Out, Sandbox, contexts_of};

fn setup(server: &FakeApiServer) -> (Sandbox, std::path::PathBuf) {
    let sb = Sandbox::new();
    let cfg = sb.write(
        "kube/config",
        &server.kubeconfig(&[("dev", None), ("ops", Some("monitoring"))], "dev"),
    );
    (sb, cfg)
}

fn namespace_in_file(path: &std::path::Path, context: &str) -> Option<String> {
    let doc = kdeck::kubeconfig::KubeconfigDoc::load(path).unwrap();
    doc.entry(kdeck::kubeconfig::Section::Contexts, context)
        .and_then(|c| c.get("namespace"))
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

#[test]
fn lists_namespaces_in_server_order_with_paging() {
    let many: Vec<String> = (0..620).map(|i| format!("ns-{i:04}")).collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let server = FakeApiServer::start(&refs, Mode::Normal);
    let (sb, cfg) = setup(&server);
    let out = sb.ns(&[&cfg], &[]);
    assert!(out.ok(), "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines, refs, "every page, in order, no colour when piped");
    let lists = server
        .requests()
        .iter()
        .filter(|r| r.starts_with("GET /api/v1/namespaces?"))
        .count();
    assert_eq!(lists, 2, "620 namespaces take two pages of 500");
}

#[test]
fn switch_validates_with_get_and_records_history() {
    let server = FakeApiServer::start(&["default", "kube-system", "web"], Mode::Normal);
    let (sb, cfg) = setup(&server);

    let out = sb.ns(&[&cfg], &["kube-system"]);
    assert!(out.ok(), "{out:?}");
    assert_eq!(out.stderr, "✔ Active namespace is \"kube-system\"\n");
    assert_eq!(
        namespace_in_file(&cfg, "dev").as_deref(),
        Some("kube-system")
    );
    assert!(
        server
            .requests()
            .contains(&"GET /api/v1/namespaces/kube-system?".to_string())
    );
    assert_eq!(sb.read("cache/kubens/dev"), "default");
    assert_eq!(sb.ns(&[&cfg], &["-c"]).stdout, "kube-system\n");

    let out = sb.ns(&[&cfg], &["web"]);
    assert!(out.ok(), "{out:?}");
    assert_eq!(sb.read("cache/kubens/dev"), "kube-system");
    let out = sb.ns(&[&cfg], &["-"]);
    assert!(out.ok(), "{out:?}");
    assert_eq!(
        namespace_in_file(&cfg, "dev").as_deref(),
        Some("kube-system")
    );
    assert_eq!(sb.read("cache/kubens/dev"), "web");
}

#[test]
fn missing_namespace_is_refused_and_nothing_changes() {
    let server = FakeApiServer::start(&["default"], Mode::Normal);
    let (sb, cfg) = setup(&server);
    let before = sb.snapshot("");
    let out = sb.ns(&[&cfg], &["nope"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.stderr,
        "error: no namespace exists with name \"nope\"\n"
    );
    assert_eq!(sb.snapshot(""), before);
}

#[test]
fn force_skips_the_check() {
    let server = FakeApiServer::start(&["default"], Mode::Normal);
    let (sb, cfg) = setup(&server);
    for args in [["nope", "-f"], ["--force", "nope2"]] {
        let out = sb.ns(&[&cfg], &args);
        assert!(out.ok(), "{out:?}");
    }
    assert_eq!(namespace_in_file(&cfg, "dev").as_deref(), Some("nope2"));
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

#[test]
fn previous_without_history_fails_like_kubens() {
    let server = FakeApiServer::start(&["default"], Mode::Normal);
    let (sb, cfg) = setup(&server);
    let out = sb.ns(&[&cfg], &["-"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "error: No previous namespace found for current context (dev)\n"
    );
}

#[test]
fn unset_writes_default_and_current_context_is_required() {
    let server = FakeApiServer::start(&["default"], Mode::Normal);
    let sb = Sandbox::new();
    let cfg = sb.write(
        "kube/config",
        &server.kubeconfig(&[("dev", Some("web"))], "dev"),
    );
    let out = sb.ns(&[&cfg], &["-u"]);
    assert!(out.ok(), "{out:?}");
    assert_eq!(out.stderr, "✔ Active namespace is \"default\".\n");
    assert_eq!(namespace_in_file(&cfg, "dev").as_deref(), Some("default"));

    let none = sb.write("kube/none", &server.kubeconfig(&[("dev", None)], ""));
    for args in [&[][..], &["-c"], &["x", "-f"]] {
        let out = sb.ns(&[&none], args);
        assert_eq!(out.code, 1, "{args:?} {out:?}");
        assert_eq!(out.stderr, "error: current-context is not set\n");
    }
}

#[test]
fn forbidden_list_falls_back_to_known_namespaces_with_a_note() {
    let server = FakeApiServer::start(&["default", "team-a"], Mode::ForbidList);
    let sb = Sandbox::new();
    let cfg = sb.write(
        "kube/config",
        &server.kubeconfig(
            &[("dev", Some("team-a")), ("dev-admin", Some("kube-system"))],
            "dev",
        ),
    );
    sb.write("cache/kubens/dev", "team-b");
    let out = sb.ns(&[&cfg], &[]);
    assert!(out.ok(), "{out:?}");
    assert_eq!(out.stdout, "kube-system\nteam-a\nteam-b\n");
    assert!(
        out.stderr
            .starts_with("note: not allowed to list namespaces in context \"dev\""),
        "{out:?}"
    );
    // GET is still allowed, so switching by name works.
    let out = sb.ns(&[&cfg], &["default"]);
    assert!(out.ok(), "{out:?}");
}

#[test]
fn forbidden_get_suggests_force() {
    let server = FakeApiServer::start(&["default"], Mode::ForbidAll);
    let (sb, cfg) = setup(&server);
    let before = sb.snapshot("");
    let out = sb.ns(&[&cfg], &["default"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.starts_with(
            "error: failed to query if namespace exists (is cluster accessible?): forbidden"
        ) && out.stderr.contains("use -f"),
        "{out:?}"
    );
    assert_eq!(sb.snapshot(""), before);
}

/// Runs a command that must finish on its own; kills it and fails the test if it does not finish
/// within a generous bound.
fn finishes(mut cmd: std::process::Command) -> Out {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("kdeck ns hung on an unresponsive server");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap().into()
}

#[test]
fn unresponsive_server_times_out_with_a_clear_error() {
    let server = FakeApiServer::start(&["default"], Mode::Hang);
    let (sb, cfg) = setup(&server);
    for args in [&[][..], &["default"]] {
        let mut cmd = sb.command(&common::kdeck_bin(), &[&cfg]);
        cmd.env("KDECK_REQUEST_TIMEOUT", "1").arg("ns").args(args);
        let out = finishes(cmd);
        assert_eq!(out.code, 1, "{out:?}");
        assert!(
            out.stderr.contains("did not answer within 1s") && out.stderr.contains(&server.url),
            "{out:?}"
        );
    }
}

#[test]
fn refused_connection_is_a_clear_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let sb = Sandbox::new();
    let cfg = sb.write(
        "kube/config",
        &format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {{server: 'http://127.0.0.1:{port}'}}\nusers:\n- name: u\n  user: {{token: x}}\ncontexts:\n- name: dev\n  context: {{cluster: c, user: u}}\ncurrent-context: dev\n"
        ),
    );
    let out = finishes({
        let mut c = sb.command(&common::kdeck_bin(), &[&cfg]);
        c.args(["ns"]);
        c
    });
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.starts_with(
            "error: could not list namespaces (is the cluster accessible?): failed to list namespaces from k8s API"
        ) && out.stderr.contains(&format!("127.0.0.1:{port}")),
        "{out:?}"
    );
}

#[test]
fn kubens_argv0_and_unsupported_arguments() {
    let server = FakeApiServer::start(&["default", "web"], Mode::Normal);
    let (sb, cfg) = setup(&server);
    let kubens = sb.alias("kubens");
    let run = |args: &[&str]| -> Out {
        sb.command(&kubens, &[&cfg])
            .args(args)
            .output()
            .unwrap()
            .into()
    };
    let out = run(&["web"]);
    assert!(out.ok(), "{out:?}");
    assert_eq!(run(&["-c"]).stdout, "web\n");
    assert!(run(&["--help"]).stdout.contains("kubens <NAME> --force/-f"));
    let out = run(&["a", "b"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stderr, "error: unsupported arguments [\"a\" \"b\"]\n");
    let out = run(&["-x"]);
    assert_eq!(out.stderr, "error: unsupported option \"-x\"\n");
    // The context entry keeps its other fields.
    let (names, current) = contexts_of(&cfg).unwrap();
    assert_eq!((names.len(), current.as_deref()), (2, Some("dev")));
}

#[test]
fn completion_names_come_from_the_cluster_or_from_what_kdeck_knows() {
    let server = FakeApiServer::start(&["default", "web"], Mode::Normal);
    let (sb, cfg) = setup(&server);
    let out = sb.kdeck(&[&cfg], &["__internal", "namespaces"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, "default\nweb\n"));

    let forbidden = FakeApiServer::start(&["default", "web"], Mode::ForbidList);
    let (sb, cfg) = setup(&forbidden);
    let out = sb.kdeck(&[&cfg], &["__internal", "namespaces"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "default\nmonitoring\n")
    );
    assert_eq!(out.stderr, "", "completion stays quiet");
}

/// The same face against the simulated cluster, with kubectl as the independent referee: the list
/// matches what kubectl lists, a switch is what kubectl then sees, and a missing namespace is refused.
#[test]
fn against_the_simulated_cluster_kubectl_agrees() {
    let Some(kubectl) = common::kubectl() else {
        return;
    };
    let sb = Sandbox::new();
    let cfg = sb.path("sim.kubeconfig");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt
        .block_on(kdeck::sim::start(kdeck::sim::SimOptions {
            listen: "127.0.0.1:0".parse().unwrap(),
            kubeconfig_out: Some(cfg.clone()),
            scenario: kdeck::sim::Scenario::with_pods(30),
        }))
        .unwrap();
    let kubectl_out = |args: &[&str]| {
        let out = std::process::Command::new(&kubectl)
            .args(args)
            .env("KUBECONFIG", &cfg)
            .output()
            .unwrap();
        assert!(out.status.success(), "kubectl {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };

    let listed = sb.ns(&[&cfg], &[]);
    assert!(listed.ok(), "{listed:?}");
    let mut ours: Vec<&str> = listed.stdout.lines().collect();
    ours.sort_unstable();
    let theirs = kubectl_out(&["get", "ns", "-o", "name"]);
    let mut theirs: Vec<&str> = theirs
        .lines()
        .map(|l| l.trim_start_matches("namespace/"))
        .collect();
    theirs.sort_unstable();
    assert_eq!(ours, theirs);

    let target = theirs
        .iter()
        .find(|n| n.starts_with("team-"))
        .expect("the seeded cluster has team namespaces")
        .to_string();
    let switched = sb.ns(&[&cfg], &[&target]);
    assert!(switched.ok(), "{switched:?}");
    let seen = kubectl_out(&["config", "view", "--minify", "-o", "jsonpath={..namespace}"]);
    assert_eq!(seen, target);
    // kubectl now works in that namespace without -n.
    assert!(
        !kubectl_out(&["get", "pods", "-o", "name"])
            .trim()
            .is_empty()
    );

    let before = std::fs::read(&cfg).unwrap();
    let missing = sb.ns(&[&cfg], &["no-such-namespace"]);
    assert!(!missing.ok(), "{missing:?}");
    assert!(missing.stderr.contains("no-such-namespace"), "{missing:?}");
    assert_eq!(
        std::fs::read(&cfg).unwrap(),
        before,
        "a refused switch writes nothing"
    );
    rt.block_on(sim.shutdown());
}

/// A kubeconfig whose context names are given as YAML (JSON-quoted, so any byte can be written).
fn hostile_kubeconfig(server: &FakeApiServer, names: &[&str], current: &str) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap();
    let quoted: Vec<String> = names.iter().map(|n| q(n)).collect();
    let pairs: Vec<(&str, Option<&str>)> = quoted.iter().map(|n| (n.as_str(), None)).collect();
    server.kubeconfig(&pairs, &q(current))
}

#[test]
fn history_of_hostile_context_names_stays_inside_kubens() {
    let server = FakeApiServer::start(&["default", "web"], Mode::Normal);
    let long = "x".repeat(300);
    let hostile = [
        "../../../planted",
        "/tmp/kdeck-absolute-plant",
        "..",
        "a/b",
        "nul\0byte",
        long.as_str(),
        "%2E%2E",
    ];
    for name in hostile {
        let sb = Sandbox::new();
        let cfg = sb.write("kube/config", &hostile_kubeconfig(&server, &[name], name));
        let before: Vec<_> = sb.snapshot("").into_keys().collect();
        let out = sb.ns(&[&cfg], &["web"]);
        assert!(out.ok(), "{name:?}: {out:?}");
        let after: Vec<_> = sb.snapshot("").into_keys().collect();
        let new: Vec<_> = after.iter().filter(|p| !before.contains(p)).collect();
        assert_eq!(new.len(), 1, "{name:?}: one history file, {new:?}");
        assert_eq!(
            new[0].parent(),
            Some(sb.cache().join("kubens").as_path()),
            "{name:?}"
        );
        assert_eq!(std::fs::read_to_string(new[0]).unwrap(), "default");
        // kdeck finds it again: `-` goes back.
        let back = sb.ns(&[&cfg], &["-"]);
        assert!(back.ok(), "{name:?}: {back:?}");
        assert_eq!(namespace_in_file(&cfg, name).as_deref(), Some("default"));
    }
    assert!(!std::path::Path::new("/tmp/kdeck-absolute-plant").exists());
}

#[test]
fn history_names_differ_for_names_that_encode_alike() {
    let server = FakeApiServer::start(&["default", "web", "ops"], Mode::Normal);
    let sb = Sandbox::new();
    // ".." is encoded, "%2E%2E" must not land on the same file.
    let cfg = sb.write(
        "kube/config",
        &hostile_kubeconfig(&server, &["..", "%2E%2E"], ".."),
    );
    assert!(sb.ns(&[&cfg], &["web"]).ok());
    let other = sb.write(
        "kube/other",
        &hostile_kubeconfig(&server, &["..", "%2E%2E"], "%2E%2E"),
    );
    assert!(sb.ns(&[&other], &["ops"]).ok());
    let files: Vec<_> = sb.snapshot("cache/kubens").into_keys().collect();
    assert_eq!(files.len(), 2, "{files:?}");
}

#[test]
fn a_symlink_planted_in_kubens_is_refused_before_anything_is_written() {
    let server = FakeApiServer::start(&["default", "web"], Mode::Normal);
    let sb = Sandbox::new();
    let cfg = sb.write(
        "kube/config",
        &hostile_kubeconfig(&server, &["evil"], "evil"),
    );
    let target = sb.write("outside/authorized_keys", "ssh-ed25519 KEEP\n");
    std::fs::create_dir_all(sb.cache().join("kubens")).unwrap();
    std::os::unix::fs::symlink(&target, sb.cache().join("kubens/evil")).unwrap();
    let before = std::fs::read(&cfg).unwrap();
    let out = sb.ns(&[&cfg], &["web"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("outside"), "{out:?}");
    assert_eq!(std::fs::read(&cfg).unwrap(), before, "kubeconfig untouched");
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "ssh-ed25519 KEEP\n"
    );
}

#[test]
fn empty_namespace_is_refused_even_with_force() {
    let server = FakeApiServer::start(&["default"], Mode::Normal);
    let (sb, cfg) = setup(&server);
    let before = sb.snapshot("");
    for args in [&["", "-f"][..], &["-f", ""], &[""]] {
        let out = sb.ns(&[&cfg], args);
        assert_eq!(out.code, 1, "{args:?}: {out:?}");
        assert!(
            out.stderr.starts_with("error: the namespace name is empty"),
            "{out:?}"
        );
    }
    assert_eq!(sb.snapshot(""), before);
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

#[test]
fn previous_without_history_asks_no_server() {
    let server = FakeApiServer::start(&["default"], Mode::Normal);
    let (sb, cfg) = setup(&server);
    for args in [&["-"][..], &["-", "-f"]] {
        let out = sb.ns(&[&cfg], args);
        assert_eq!(out.code, 1, "{out:?}");
        assert_eq!(
            out.stderr,
            "error: No previous namespace found for current context (dev)\n"
        );
    }
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

#[test]
fn invalid_request_timeout_is_an_error() {
    let server = FakeApiServer::start(&["default", "web"], Mode::Normal);
    let (sb, cfg) = setup(&server);
    for bad in ["ten", "0", "5x", "-1"] {
        for args in [&["web"][..], &[]] {
            let mut cmd = sb.command(&common::kdeck_bin(), &[&cfg]);
            cmd.env("KDECK_REQUEST_TIMEOUT", bad).arg("ns").args(args);
            let out: Out = cmd.output().unwrap().into();
            assert_eq!(out.code, 1, "{bad} {args:?}: {out:?}");
            assert!(
                out.stderr.contains(&format!(
                    "KDECK_REQUEST_TIMEOUT=\"{bad}\" is not a valid timeout"
                )),
                "{out:?}"
            );
        }
    }
    assert!(server.requests().is_empty(), "{:?}", server.requests());
    let mut ok = sb.command(&common::kdeck_bin(), &[&cfg]);
    ok.env("KDECK_REQUEST_TIMEOUT", "1500ms")
        .args(["ns", "web"]);
    let out: Out = ok.output().unwrap().into();
    assert!(out.ok(), "{out:?}");
}

#[test]
fn escape_sequences_in_names_are_shown_escaped() {
    let osc = "\x1b]0;owned\x07";
    // The stand-in server writes names into JSON unescaped, so the namespace carries a C1 CSI.
    let server = FakeApiServer::start(&["default", "\u{9b}2Jwipe"], Mode::Normal);
    let sb = Sandbox::new();
    let ctx = format!("dev{osc}");
    let cfg = sb.write(
        "kube/config",
        &hostile_kubeconfig(&server, &[&ctx, "b"], &ctx),
    );
    let listed = sb.ns(&[&cfg], &[]);
    assert!(listed.ok(), "{listed:?}");
    assert_eq!(listed.stdout, "default\n\\x9b2Jwipe\n");
    let switched = sb.ns(&[&cfg], &["\x1b[31mred", "-f"]);
    assert!(switched.ok(), "{switched:?}");
    assert_eq!(switched.stderr, "✔ Active namespace is \"\\x1b[31mred\"\n");
    assert_eq!(sb.ns(&[&cfg], &["-c"]).stdout, "\\x1b[31mred\n");
    let contexts = sb.ctx(&[&cfg], &[]);
    assert_eq!(contexts.stdout, "b\ndev\\x1b]0;owned\\x07\n");
    assert_eq!(sb.ctx(&[&cfg], &["-c"]).stdout, "dev\\x1b]0;owned\\x07\n");
    let missing = sb.ctx(&[&cfg], &[&format!("x{osc}")]);
    assert!(!missing.stderr.contains('\x1b'), "{missing:?}");
    assert!(
        missing.stderr.contains("x\\x1b]0;owned\\x07"),
        "{missing:?}"
    );
    for out in [&listed, &switched, &contexts, &missing] {
        let raw = |t: &str| t.chars().any(|c| c.is_control() && c != '\n');
        assert!(!raw(&out.stdout) && !raw(&out.stderr), "{out:?}");
    }
}
