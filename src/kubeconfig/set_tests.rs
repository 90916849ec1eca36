//! Unit tests of `set.rs`.
use super::*;
use std::fs;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    p
}

fn env_set(files: &[&Path]) -> KubeconfigSet {
    let joined = std::env::join_paths(files).unwrap();
    KubeconfigSet::load_resolution(Resolution::resolve(
        None,
        Some(&joined),
        Path::new("/nonexistent/home/config"),
    ))
    .unwrap()
}

const A: &str = "contexts:\n- name: shared\n  context: {cluster: from-a}\n- name: only-a\n  context: {cluster: a}\n";
const B: &str = "contexts:\n- name: shared\n  context: {cluster: from-b}\n- name: only-b\n  context: {cluster: b}\ncurrent-context: only-b\n";

#[test]
fn resolution_dedups_and_drops_empty() {
    let r = Resolution::resolve(None, Some(OsStr::new("/a::/b:/a")), Path::new("/h"));
    assert_eq!(r.files, [PathBuf::from("/a"), PathBuf::from("/b")]);
    assert_eq!(r.origin, Origin::Env);
    let r = Resolution::resolve(None, Some(OsStr::new("")), Path::new("/h"));
    assert_eq!(r.origin, Origin::Home);
    let r = Resolution::resolve(
        Some(Path::new("/x")),
        Some(OsStr::new("/a")),
        Path::new("/h"),
    );
    assert_eq!(
        (r.origin, r.files),
        (Origin::Explicit, vec![PathBuf::from("/x")])
    );
}

#[test]
fn first_file_wins_entries_and_current_context() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a", A);
    let b = write(dir.path(), "b", B);
    let set = env_set(&[&a, &b]);
    assert_eq!(
        set.context("shared").unwrap().cluster.as_deref(),
        Some("from-a")
    );
    assert_eq!(set.context("shared").unwrap().source, a);
    assert_eq!(set.context_names(), ["shared", "only-a", "only-b"]);
    assert_eq!(set.current_context(), Some("only-b"));
}

#[test]
fn current_context_goes_to_first_existing_file_and_skips_noop() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let a = write(dir.path(), "a", A);
    let b = write(dir.path(), "b", B);
    let mut set = env_set(&[&missing, &a, &b]);
    assert!(
        set.use_context("only-b").unwrap().is_empty(),
        "already in effect"
    );
    assert_eq!(set.use_context("only-a").unwrap(), std::slice::from_ref(&a));
    assert_eq!(fs::read_to_string(&b).unwrap(), B, "second file untouched");
    assert!(!missing.exists());
    let fresh = env_set(&[&missing, &a, &b]);
    assert_eq!(fresh.current_context(), Some("only-a"));
}

#[test]
fn no_existing_file_writes_the_last() {
    let dir = tempfile::tempdir().unwrap();
    let x = dir.path().join("x");
    let y = dir.path().join("y");
    let mut set = env_set(&[&x, &y]);
    set.upsert(Section::Contexts, "new", Value::Mapping(Mapping::new()))
        .unwrap();
    assert!(!x.exists());
    assert!(y.exists());
}

#[test]
fn edit_keeps_entries_written_by_others_since_load() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a", A);
    let mut set = env_set(&[&a]);
    // Another tool adds a context after we loaded the file.
    fs::write(
        &a,
        format!("{A}- name: added-later\n  context: {{cluster: z}}\n"),
    )
    .unwrap();
    set.use_context("only-a").unwrap();
    let fresh = env_set(&[&a]);
    assert_eq!(fresh.current_context(), Some("only-a"));
    assert!(
        fresh.has_context("added-later"),
        "{}",
        fs::read_to_string(&a).unwrap()
    );
    // The in-memory view is what is on disk now, so a second edit reuses it.
    assert!(set.has_context("added-later"));
}

#[test]
fn namespace_edit_goes_to_owning_file() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a", A);
    let b = write(dir.path(), "b", B);
    let mut set = env_set(&[&a, &b]);
    assert_eq!(
        set.set_namespace("only-b", Some("kube-system")).unwrap(),
        std::slice::from_ref(&b)
    );
    assert_eq!(fs::read_to_string(&a).unwrap(), A);
    assert_eq!(env_set(&[&a, &b]).namespace_of("only-b"), "kube-system");
}

#[test]
fn unset_clears_first_file_that_sets_it() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a", A);
    let b = write(dir.path(), "b", B);
    let mut set = env_set(&[&a, &b]);
    assert_eq!(
        set.unset_current_context().unwrap(),
        std::slice::from_ref(&b)
    );
    assert_eq!(env_set(&[&a, &b]).current_context(), None);
}

#[test]
fn rename_keeps_file_and_moves_current() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a", A);
    let b = write(dir.path(), "b", B);
    let mut set = env_set(&[&a, &b]);
    let written = set.rename_context("only-b", "renamed").unwrap();
    assert!(written.contains(&b) && written.contains(&a), "{written:?}");
    let fresh = env_set(&[&a, &b]);
    assert_eq!(fresh.context("renamed").unwrap().source, b);
    assert_eq!(fresh.current_context(), Some("renamed"));
    // Onto an existing name: that context is replaced (kubectx overwrites it).
    set.rename_context("renamed", "shared").unwrap();
    let fresh = env_set(&[&a, &b]);
    assert_eq!(fresh.context("shared").unwrap().source, b);
    assert_eq!(fresh.current_context(), Some("shared"));
    assert!(!fresh.has_context("renamed"));
    assert_eq!(
        fresh
            .context_names()
            .iter()
            .filter(|n| *n == "shared")
            .count(),
        1
    );
}

#[test]
fn relative_paths_resolve_against_their_file() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    fs::create_dir(&sub).unwrap();
    let a = write(
        &sub,
        "a",
        "clusters:\n- name: c\n  cluster: {certificate-authority: ca.crt}\nusers:\n- name: u\n  user: {client-key: ../k.key, exec: {command: ./bin/plugin}}\n",
    );
    let set = env_set(&[&a]);
    let merged = set.merged();
    let text = crate::yaml::to_string(&merged).unwrap();
    assert!(
        text.contains(&format!("{}/ca.crt", sub.display())),
        "{text}"
    );
    assert!(
        text.contains(&format!("{}/../k.key", sub.display())),
        "{text}"
    );
    assert!(
        text.contains(&format!("{}/./bin/plugin", sub.display())),
        "{text}"
    );
    // The file itself keeps its relative paths.
    assert!(
        fs::read_to_string(&a)
            .unwrap()
            .contains("certificate-authority: ca.crt")
    );
}

#[test]
fn broken_file_fails_the_load() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a", A);
    let bad = write(dir.path(), "bad", "contexts: [\n");
    let joined = std::env::join_paths([&a, &bad]).unwrap();
    let err =
        KubeconfigSet::load_resolution(Resolution::resolve(None, Some(&joined), Path::new("/h")))
            .unwrap_err();
    assert!(
        err.to_string().contains(&bad.display().to_string()),
        "{err}"
    );
}
