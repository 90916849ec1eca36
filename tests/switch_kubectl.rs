//! kubectl as the referee for kdeck's kubeconfig rules. Each scenario (a set of kubeconfig files) is
//! copied twice; the same operation is applied with `kubectl config …` to one copy and `kdeck ctx/ns` to
//! the other. Both copies must then look the same to `kubectl config view --raw -o json`, the same files
//! must have changed, and both tools must agree on success. kubectl rewrites whole files (dropping unknown
//! fields and comments), so bytes are not compared, only what kubectl sees.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test (or bench) may panic on what it sets up

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::{Out, Sandbox};

const A: &str = "\
apiVersion: v1
kind: Config
clusters:
- name: c-a
  cluster: {server: 'https://a.example:6443', certificate-authority: certs/ca-a.crt}
users:
- name: u-a
  user: {client-certificate: ../shared/a.crt, client-key: ../shared/a.key}
contexts:
- name: shared
  context: {cluster: c-a, user: u-a, namespace: from-a}
- name: only-a
  context: {cluster: c-a, user: u-a}
";

const B: &str = "\
apiVersion: v1
kind: Config
clusters:
- name: c-b
  cluster: {server: 'https://b.example:6443', certificate-authority: ca-b.crt}
users:
- name: u-b
  user: {token: b-token}
contexts:
- name: shared
  context: {cluster: c-b, user: u-b, namespace: from-b}
- name: only-b
  context: {cluster: c-b, user: u-b, namespace: team-b}
";

/// A and B as kubectl itself writes files (block style): read by kdeck's fast scanner.
const A_BLOCK: &str = "\
apiVersion: v1
clusters:
- cluster:
    certificate-authority: certs/ca-a.crt
    server: https://a.example:6443
  name: c-a
contexts:
- context:
    cluster: c-a
    namespace: from-a
    user: u-a
  name: shared
- context:
    cluster: c-a
    user: u-a
  name: only-a
current-context: \"\"
kind: Config
users:
- name: u-a
  user:
    client-certificate: ../shared/a.crt
";

const B_BLOCK: &str = "\
apiVersion: v1
clusters:
- cluster:
    server: https://b.example:6443
  name: c-b
contexts:
- context:
    cluster: c-b
    namespace: from-b
    user: u-b
  name: shared
- context:
    cluster: c-b
    namespace: team-b
    user: u-b
  name: only-b
current-context: only-b
kind: Config
users:
- name: u-b
  user:
    token: b-token
";

struct Scenario {
    name: &'static str,
    /// Relative path and content (`None` = listed in KUBECONFIG but not existing).
    files: Vec<(&'static str, Option<String>)>,
}

fn scenarios() -> Vec<Scenario> {
    let with_current = |text: &str, cur: &str| format!("{text}current-context: {cur}\n");
    let single = format!(
        "{A}- name: only-b\n  context: {{cluster: c-a, user: u-a, namespace: team-b}}\ncurrent-context: shared\n"
    );
    vec![
        Scenario {
            name: "single file",
            files: vec![("kube/config", Some(single))],
        },
        Scenario {
            name: "entry in both files, current in the first",
            files: vec![
                ("kube/a", Some(with_current(A, "only-a"))),
                ("kube/b", Some(B.to_string())),
            ],
        },
        Scenario {
            name: "current-context only in the second file",
            files: vec![
                ("kube/a", Some(A.to_string())),
                ("kube/b", Some(with_current(B, "only-b"))),
            ],
        },
        Scenario {
            name: "first file does not exist yet",
            files: vec![
                ("kube/missing", None),
                ("kube/a", Some(A.to_string())),
                ("kube/b", Some(with_current(B, "shared"))),
            ],
        },
        Scenario {
            name: "relative cert paths in files of different directories",
            files: vec![
                ("one/dir/config", Some(with_current(A, "only-b"))),
                ("two/config", Some(with_current(B, "shared"))),
            ],
        },
        Scenario {
            name: "kubectl block style (fast path), current in the second file",
            files: vec![
                ("kube/a", Some(A_BLOCK.to_string())),
                ("kube/b", Some(B_BLOCK.to_string())),
            ],
        },
        Scenario {
            name: "kubectl block style (fast path), first file without current-context",
            files: vec![
                ("kube/missing", None),
                (
                    "kube/a",
                    Some(A_BLOCK.replace("current-context: \"\"\n", "")),
                ),
                ("kube/b", Some(B_BLOCK.to_string())),
            ],
        },
        Scenario {
            name: "no file exists",
            files: vec![("kube/x", None), ("kube/y", None)],
        },
    ]
}

/// (kubectl config args, kdeck args)
fn operations() -> Vec<(Vec<&'static str>, Vec<&'static str>)> {
    vec![
        (vec!["use-context", "only-a"], vec!["ctx", "only-a"]),
        (vec!["use-context", "only-b"], vec!["ctx", "only-b"]),
        (vec!["use-context", "shared"], vec!["ctx", "shared"]),
        (vec!["use-context", "nope"], vec!["ctx", "nope"]),
        (
            vec!["set-context", "--current", "--namespace=team-x"],
            vec!["ns", "-f", "team-x"],
        ),
        (
            vec!["rename-context", "shared", "renamed"],
            vec!["ctx", "renamed=shared"],
        ),
        (
            vec!["rename-context", "only-b", "renamed"],
            vec!["ctx", "renamed=only-b"],
        ),
        (
            vec!["delete-context", "shared"],
            vec!["ctx", "-d", "shared"],
        ),
        (
            vec!["delete-context", "only-b"],
            vec!["ctx", "-d", "only-b"],
        ),
        (vec!["unset", "current-context"], vec!["ctx", "-u"]),
    ]
}

fn materialize(sb: &Sandbox, sc: &Scenario) -> Vec<PathBuf> {
    sc.files
        .iter()
        .map(|(rel, content)| match content {
            Some(text) => sb.write(rel, text),
            None => sb.path(rel),
        })
        .collect()
}

/// kubectl's merged view of a copy, with the copy's directory replaced so two copies compare.
fn view(sb: &Sandbox, kubectl: &Path, files: &[PathBuf]) -> String {
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let out: Out = sb
        .command(kubectl, &refs)
        .args(["config", "view", "--raw", "-o", "json"])
        .output()
        .unwrap()
        .into();
    assert!(out.ok(), "kubectl config view failed: {out:?}");
    out.stdout
        .replace(&sb.root().display().to_string(), "<ROOT>")
}

fn changed(
    before: &BTreeMap<PathBuf, Vec<u8>>,
    after: &BTreeMap<PathBuf, Vec<u8>>,
    root: &Path,
) -> BTreeSet<String> {
    let keys: BTreeSet<&PathBuf> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| k.strip_prefix(root).unwrap_or(k).display().to_string())
        .collect()
}

#[test]
fn kdeck_and_kubectl_agree_on_every_edit() {
    let Some(kubectl) = common::kubectl() else {
        return;
    };
    // Scenarios run side by side (each in its own sandboxes); kubectl is the slow part.
    let checked = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for sc in scenarios() {
            let (kubectl, checked) = (&kubectl, &checked);
            scope.spawn(move || {
                for (kubectl_args, kdeck_args) in operations() {
                    check_one(kubectl, &sc, &kubectl_args, &kdeck_args);
                    checked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            });
        }
    });
    assert_eq!(checked.into_inner(), scenarios().len() * operations().len());
}

/// Applies one operation with kubectl to one copy of `sc` and with kdeck to another, and compares.
fn check_one(kubectl: &Path, sc: &Scenario, kubectl_args: &[&str], kdeck_args: &[&str]) {
    let what = format!("[{}] kubectl config {}", sc.name, kubectl_args.join(" "));
    let left = Sandbox::new();
    let right = Sandbox::new();
    let left_files = materialize(&left, sc);
    let right_files = materialize(&right, sc);
    let left_before = left.snapshot("");
    let right_before = right.snapshot("");

    let left_refs: Vec<&Path> = left_files.iter().map(PathBuf::as_path).collect();
    let by_kubectl: Out = left
        .command(kubectl, &left_refs)
        .arg("config")
        .args(kubectl_args)
        .output()
        .unwrap()
        .into();
    let right_refs: Vec<&Path> = right_files.iter().map(PathBuf::as_path).collect();
    let by_kdeck = right.kdeck(&right_refs, kdeck_args);

    let none_exist = sc.files.iter().all(|(_, c)| c.is_none());
    if none_exist {
        // kubectx refuses every edit when no kubeconfig exists ("kubeconfig file not found");
        // kdeck keeps kubectx's behaviour where kubectl would report success for a no-op unset.
        assert!(
            !by_kdeck.ok() && by_kdeck.stderr.contains("kubeconfig file not found"),
            "{what}: {by_kdeck:?}"
        );
    } else {
        assert_eq!(
            by_kubectl.ok(),
            by_kdeck.ok(),
            "{what}: success differs\nkubectl: {by_kubectl:?}\nkdeck: {by_kdeck:?}"
        );
    }
    // The kubectx history file is kdeck's own business; compare the kubeconfig files only.
    let strip_state = |m: BTreeMap<PathBuf, Vec<u8>>, sb: &Sandbox| {
        m.into_iter()
            .filter(|(p, _)| !p.starts_with(sb.cache()))
            .collect::<BTreeMap<_, _>>()
    };
    let left_changed = changed(
        &left_before,
        &strip_state(left.snapshot(""), &left),
        left.root(),
    );
    let right_changed = changed(
        &right_before,
        &strip_state(right.snapshot(""), &right),
        right.root(),
    );
    assert_eq!(
        left_changed, right_changed,
        "{what}: different files written\nkubectl: {by_kubectl:?}\nkdeck: {by_kdeck:?}"
    );
    if sc.files.iter().any(|(_, c)| c.is_some()) {
        assert_eq!(
            view(&left, kubectl, &left_files),
            view(&right, kubectl, &right_files),
            "{what}: kubectl sees different kubeconfigs\nkdeck said: {by_kdeck:?}"
        );
    }
}
