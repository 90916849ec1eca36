#![allow(clippy::unwrap_used, clippy::expect_used)]
//! kdeck never breaks a kubeconfig: what it writes loads in kubectl with the same values (YAML 1.1
//! scalars), a live kubectl lock is waited for, a killed kdeck leaves no temp file or lock, comments
//! survive a switch, the odd files kubectl accepts are accepted, and hostile files fail fast.
//! kubectl is the referee throughout.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use common::{Sandbox, kdeck_bin};

/// Strings a YAML 1.1 reader takes as something else when they are written plain.
const SPECIAL: &[&str] = &[
    "yes",
    "Yes",
    "YES",
    "no",
    "NO",
    "y",
    "Y",
    "n",
    "N",
    "on",
    "On",
    "off",
    "OFF",
    "true",
    "False",
    "null",
    "Null",
    "~",
    "",
    "1_000",
    "0x1F",
    "0o17",
    "017",
    "0b101",
    "1e3",
    "1.5",
    ".5",
    "+1",
    "-1",
    ".inf",
    "-.Inf",
    ".NaN",
    "+Inf",
    "190:20:30",
    "2001-12-14",
    "2001-12-14 21:59:43.10 -5",
    "=",
    "<<",
    "1.28.0",
    "0x1p-2",
];

/// `kubectl config view -o json --raw` of `file`, or None when kubectl is not there (skip/fail is
/// decided by `common::kubectl`).
fn kubectl_view(file: &Path) -> Option<serde_json::Value> {
    let kubectl = common::kubectl()?;
    let out = Command::new(kubectl)
        .args(["config", "view", "-o", "json", "--raw", "--kubeconfig"])
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kubectl cannot load what kdeck wrote: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        fs::read_to_string(file).unwrap()
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

#[test]
fn yaml_1_1_scalars_survive_every_rewriting_edit_as_kubectl_reads_them() {
    let sb = Sandbox::new();
    let args: Vec<String> = SPECIAL.iter().map(|s| json_string(s)).collect();
    let env: Vec<String> = SPECIAL
        .iter()
        .enumerate()
        .map(|(i, s)| format!("      - name: V{i}\n        value: {}\n", json_string(s)))
        .collect();
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://c.example\n    x-vendor: \"on\"\nusers:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: aws\n      args: [{}]\n      env:\n{}contexts:\n- name: a\n  context: {{cluster: c, user: u}}\n- name: \"no\"\n  context: {{cluster: c, user: u, namespace: \"off\"}}\ncurrent-context: a\n",
        args.join(", "),
        env.concat()
    );
    let cfg = sb.write("kube/config", &text);
    let Some(before) = kubectl_view(&cfg) else {
        return;
    };
    // Three re-serializing edits: set a namespace, rename, rename back.
    for args in [
        &["ns", "yes", "-f"][..],
        &["ctx", "1.5=a"],
        &["ctx", "a=1.5"],
    ] {
        let out = sb.kdeck(&[&cfg], args);
        assert!(out.ok(), "{args:?}: {out:?}");
    }
    let after = kubectl_view(&cfg).unwrap();
    let user = |v: &serde_json::Value| v["users"][0]["user"]["exec"].clone();
    assert_eq!(
        user(&after),
        user(&before),
        "exec args and env as kubectl reads them"
    );
    let ns_of = |v: &serde_json::Value, name: &str| {
        v["contexts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .map(|c| c["context"]["namespace"].clone())
    };
    assert_eq!(ns_of(&after, "a"), Some(serde_json::json!("yes")));
    assert_eq!(ns_of(&after, "no"), Some(serde_json::json!("off")));
    let written = fs::read_to_string(&cfg).unwrap();
    assert!(written.contains("x-vendor: \"on\""), "{written}");
}

/// A lock as client-go holds it: an empty `<file>.lock` created with O_EXCL.
fn hold_lock_as_kubectl(file: &Path) -> std::path::PathBuf {
    let lock = std::path::PathBuf::from(format!("{}.lock", file.display()));
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&lock)
        .unwrap();
    lock
}

#[test]
fn a_live_kubectl_lock_is_waited_for_and_its_write_is_kept() {
    let sb = Sandbox::new();
    let cfg = sb.write(
        "kube/config",
        &common::kubeconfig_with(&["a", "b"], Some("a")),
    );
    let lock = hold_lock_as_kubectl(&cfg);
    let mut kdeck = sb
        .command(&kdeck_bin(), &[&cfg])
        .args(["ctx", "b"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Four seconds is past the old 3 s lock breaking; kdeck must still be waiting.
    std::thread::sleep(Duration::from_secs(4));
    assert!(
        kdeck.try_wait().unwrap().is_none(),
        "kdeck must wait for a live lock"
    );
    // The lock holder ("kubectl") writes, then releases.
    let mut theirs = common::kubeconfig_with(&["a", "b", "from-kubectl"], Some("a"));
    theirs.push_str("# kubectl was here\n");
    fs::write(&cfg, &theirs).unwrap();
    fs::remove_file(&lock).unwrap();
    let out = kdeck.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let (names, current) = common::contexts_of(&cfg).unwrap();
    assert!(
        names.contains(&"from-kubectl".to_string()),
        "kubectl's write was lost: {names:?}"
    );
    assert_eq!(current.as_deref(), Some("b"));
    assert!(!lock.exists());
    if let Some(v) = kubectl_view(&cfg) {
        assert_eq!(v["current-context"], "b");
    }
}

#[test]
fn a_lock_older_than_two_minutes_is_broken_and_said_so() {
    let sb = Sandbox::new();
    let cfg = sb.write(
        "kube/config",
        &common::kubeconfig_with(&["a", "b"], Some("a")),
    );
    let lock = hold_lock_as_kubectl(&cfg);
    fs::File::options()
        .write(true)
        .open(&lock)
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs(121))
        .unwrap();
    let out = sb.ctx(&[&cfg], &["b"]);
    assert!(out.ok(), "{out:?}");
    assert!(out.stderr.contains("removed the stale lock"), "{out:?}");
    assert!(out.stderr.contains("config.lock"), "{out:?}");
    assert!(!lock.exists());
}

/// Starts `kdeck ctx b`, paused inside its write, and waits until its temp file is there. The caller
/// kills and waits for the child.
#[allow(clippy::zombie_processes)]
fn start_paused_write(sb: &Sandbox, cfg: &Path) -> (std::process::Child, std::path::PathBuf) {
    let child = sb
        .command(&kdeck_bin(), &[cfg])
        .env("KDECK_TEST_PAUSE_IN_WRITE", "30000")
        .args(["ctx", "b"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let dir = cfg.parent().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let tmp = fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with(".tmp"));
        if let Some(tmp) = tmp {
            let mode = fs::metadata(&tmp).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "temp kubeconfigs hold credentials");
            return (child, tmp);
        }
        assert!(Instant::now() < deadline, "kdeck never started its write");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp") || n.ends_with(".lock"))
        .collect()
}

#[test]
fn term_int_and_hup_mid_write_leave_no_temp_file_or_lock() {
    for signal in ["TERM", "INT", "HUP"] {
        let sb = Sandbox::new();
        let text = common::kubeconfig_with(&["a", "b"], Some("a"));
        let cfg = sb.write("kube/config", &text);
        let (mut child, tmp) = start_paused_write(&sb, &cfg);
        assert!(tmp.exists() && Path::new(&format!("{}.lock", cfg.display())).exists());
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = child.wait().unwrap();
        assert!(!status.success(), "SIG{signal} must end kdeck");
        assert_eq!(
            leftovers(cfg.parent().unwrap()),
            Vec::<String>::new(),
            "SIG{signal}"
        );
        assert_eq!(
            fs::read_to_string(&cfg).unwrap(),
            text,
            "the file is the old one"
        );
    }
}

#[test]
fn kill_9_mid_write_is_cleaned_up_by_the_next_command() {
    let sb = Sandbox::new();
    let text = common::kubeconfig_with(&["a", "b"], Some("a"));
    let cfg = sb.write("kube/config", &text);
    let (mut child, tmp) = start_paused_write(&sb, &cfg);
    child.kill().unwrap();
    child.wait().unwrap();
    // SIGKILL cannot be caught: the fault left both files behind.
    assert!(tmp.exists(), "the kill must land mid-write");
    let lock = std::path::PathBuf::from(format!("{}.lock", cfg.display()));
    assert!(lock.exists());
    assert_eq!(fs::read_to_string(&cfg).unwrap(), text);

    // A mere read (the context list) removes the dead kdeck's lock at once, so kubectl can write.
    let out = sb.ctx(&[&cfg], &[]);
    assert!(out.ok(), "{out:?}");
    assert!(!lock.exists(), "the dead holder's lock must go");
    if let Some(kubectl) = common::kubectl() {
        let st = Command::new(kubectl)
            .args(["config", "use-context", "b", "--kubeconfig"])
            .arg(&cfg)
            .output()
            .unwrap();
        assert!(st.status.success(), "{st:?}");
    }
    // The next write sweeps the orphaned temp file (its writer is gone, it is ours and old enough).
    std::thread::sleep(Duration::from_millis(2100));
    let out = sb.ctx(&[&cfg], &["a"]);
    assert!(out.ok(), "{out:?}");
    assert_eq!(leftovers(cfg.parent().unwrap()), Vec::<String>::new());
    assert_eq!(common::contexts_of(&cfg).unwrap().1.as_deref(), Some("a"));
}

#[test]
fn comments_survive_a_switch_with_a_trailing_comment_or_a_block_scalar() {
    let sb = Sandbox::new();
    let text = "# team clusters\napiVersion: v1\nkind: Config\nclusters:\n- name: c # main\n  cluster:\n    server: https://c.example\n    certificate-authority-data: |\n      QUJD\n      REVG\ncontexts:\n- name: a\n  context: {cluster: c}\n- name: b\n  context: {cluster: c}\ncurrent-context: a  # default\n# end\n";
    let cfg = sb.write("kube/config", text);
    let out = sb.ctx(&[&cfg], &["b"]);
    assert!(out.ok(), "{out:?}");
    assert_eq!(
        fs::read_to_string(&cfg).unwrap(),
        text.replace(
            "current-context: a  # default",
            "current-context: b  # default"
        )
    );
    // No current-context line at all: one is appended, the rest is untouched.
    let bare = text.replace("current-context: a  # default\n", "");
    fs::write(&cfg, &bare).unwrap();
    let out = sb.ctx(&[&cfg], &["a"]);
    assert!(out.ok(), "{out:?}");
    assert_eq!(
        fs::read_to_string(&cfg).unwrap(),
        format!("{bare}current-context: a\n")
    );
    if let Some(v) = kubectl_view(&cfg) {
        assert_eq!(v["current-context"], "a");
    }
}

#[test]
fn files_kubectl_accepts_are_accepted() {
    let sb = Sandbox::new();
    let cases = [
        (
            "bom",
            "\u{feff}apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: https://c}}]\ncontexts: [{name: a, context: {cluster: c}}, {name: b, context: {cluster: c}}]\ncurrent-context: a\n",
        ),
        (
            "multi",
            "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: https://c}}]\ncontexts: [{name: a, context: {cluster: c}}, {name: b, context: {cluster: c}}]\ncurrent-context: a\n---\ncurrent-context: z\n",
        ),
        (
            "nameless",
            "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: https://c}}]\ncontexts:\n- context: {cluster: c}\n- {name: a, context: {cluster: c}}\n- {name: b, context: {cluster: c}}\ncurrent-context: a\n",
        ),
    ];
    for (name, text) in cases {
        let cfg = sb.write(&format!("{name}/config"), text);
        let out = sb.ctx(&[&cfg], &[]);
        assert!(out.ok(), "{name}: {out:?}");
        if let Some(kubectl) = common::kubectl() {
            let theirs = Command::new(&kubectl)
                .args(["config", "get-contexts", "-o", "name", "--kubeconfig"])
                .arg(&cfg)
                .output()
                .unwrap();
            assert!(theirs.status.success(), "{name}: kubectl accepts it");
            let mut theirs: Vec<String> = String::from_utf8_lossy(&theirs.stdout)
                .lines()
                .map(str::to_string)
                .collect();
            let mut ours: Vec<String> = out.stdout.lines().map(str::to_string).collect();
            theirs.sort();
            ours.sort();
            assert_eq!(ours, theirs, "{name}: the same contexts");
        }
        let out = sb.ctx(&[&cfg], &["b"]);
        assert!(out.ok(), "{name}: {out:?}");
        if let Some(v) = kubectl_view(&cfg) {
            assert_eq!(v["current-context"], "b", "{name}");
        }
    }
}

#[test]
fn hostile_files_fail_fast_with_the_place() {
    let sb = Sandbox::new();
    let deep = sb.write("deep/config", &format!("a: {}", "[".repeat(100_000)));
    let out = sb.ctx(&[&deep], &[]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("nesting deeper than 1000 levels"),
        "{out:?}"
    );
    assert!(out.stderr.contains("line 1, column 1004"), "{out:?}");
    let prompt: common::Out = sb
        .command(&kdeck_bin(), &[&deep])
        .env("NO_COLOR", "1")
        .args(["prompt", "--format", "{context}:{namespace}"])
        .output()
        .unwrap()
        .into();
    assert_eq!(prompt.stdout.trim(), "N/A:N/A", "{prompt:?}");
    assert!(
        prompt.stderr.contains("nesting deeper"),
        "the reason: {prompt:?}"
    );

    let dup = sb.write(
        "dup/config",
        "apiVersion: v1\nkind: Config\ncontexts:\n- name: a\n  context: {}\ncurrent-context: a\ncurrent-context: b\n",
    );
    let out = sb.ctx(&[&dup], &[]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("line 7, column 1"), "{out:?}");
    assert_eq!(
        out.stderr.matches("kubeconfig").count(),
        1,
        "the context is stated once: {out:?}"
    );
}

#[test]
fn a_read_only_kubeconfig_is_refused_as_kubectl_refuses_it() {
    let sb = Sandbox::new();
    let text = common::kubeconfig_with(&["a", "b"], Some("a"));
    let cfg = sb.write("ro/config", &text);
    fs::set_permissions(&cfg, fs::Permissions::from_mode(0o444)).unwrap();
    // root may write any file (kubectl too), so run both as an unprivileged user when we are root.
    let uid = Command::new("id").arg("-u").output().unwrap();
    let root = String::from_utf8_lossy(&uid.stdout).trim() == "0";
    let dir = cfg.parent().unwrap();
    let as_user = |program: &Path, args: &[&str]| {
        let mut c = if root {
            fs::set_permissions(sb.root(), fs::Permissions::from_mode(0o755)).unwrap();
            Command::new("chown")
                .args(["-R", "65534:65534"])
                .arg(dir)
                .status()
                .unwrap();
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(program);
            c
        } else {
            Command::new(program)
        };
        c.args(args)
            .env("HOME", dir)
            .env("KUBECONFIG", &cfg)
            .output()
            .unwrap()
    };
    let out = as_user(&kdeck_bin(), &["ctx", "b"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("ermission denied"),
        "{out:?}"
    );
    assert_eq!(fs::read_to_string(&cfg).unwrap(), text);
    assert_eq!(
        fs::metadata(&cfg).unwrap().permissions().mode() & 0o777,
        0o444
    );
    if let Some(kubectl) = common::kubectl() {
        let theirs = as_user(&kubectl, &["config", "use-context", "b"]);
        assert!(!theirs.status.success(), "kubectl refuses too: {theirs:?}");
    }
}

#[test]
fn the_other_files_kdeck_writes_keep_yaml_1_1_words_as_strings() {
    let sb = Sandbox::new();
    // A per-shell overlay (a kubeconfig kubectl reads first) for a context and namespace named with
    // words YAML 1.1 reads as bools.
    let text = "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://c'}}]\ncontexts:\n- name: 'on'\n  context: {cluster: c, namespace: 'off'}\ncurrent-context: 'on'\n";
    let cfg = sb.write("kube/config", text);
    let set = kdeck::kubeconfig::KubeconfigSet::load(Some(&cfg)).unwrap();
    let target = kdeck::shell::state::Target {
        context: "on".into(),
        namespace: Some("no".into()),
        file: None,
    };
    let overlay = kdeck::shell::overlay::render(&set, &target).unwrap();
    let path = sb.path("run/overlay");
    kdeck::shell::overlay::write(&path, &overlay).unwrap();
    if let Some(v) = kubectl_view(&path) {
        assert_eq!(v["current-context"], "on", "{overlay}");
        assert_eq!(v["contexts"][0]["name"], "on");
        assert_eq!(v["contexts"][0]["context"]["namespace"], "no");
    }
    // Favourite namespaces: the names come back as the same strings.
    let fav = sb.path("data/favourites.yaml");
    let mut saved = kdeck::tui::favourites::Favourites::new();
    let words: Vec<String> = SPECIAL
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| s.to_string())
        .collect();
    // At most nine favourites per context: spread the words over contexts named with them too.
    for (i, chunk) in words.chunks(9).enumerate() {
        saved.insert(words[i].clone(), chunk.to_vec());
    }
    kdeck::tui::favourites::save(&fav, &saved).unwrap();
    assert_eq!(kdeck::tui::favourites::load(&fav).unwrap(), saved);
    let written = fs::read_to_string(&fav).unwrap();
    for word in ["yes", "off", "1_000", "017"] {
        assert!(
            written.contains(&format!("\"{word}\"")),
            "{word} must be quoted:\n{written}"
        );
    }
}
