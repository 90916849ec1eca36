//! Per-shell overlay kubeconfigs in `${XDG_RUNTIME_DIR:-/tmp}/kdeck-$UID/` (dir 0700, files 0600).
//!
//! An overlay holds only `current-context` and that one context entry (with the chosen namespace); it is
//! put first in `KUBECONFIG`, ahead of the files that were in effect. Users and clusters keep coming from
//! the original files, so a token that kubectl or an exec plugin refreshes is written where it always
//! lived, and no credential is ever copied.
//!
//! Files are named `<shell pid>-<shell start time>.<kind>`: `kdeck gc` removes those whose shell is gone,
//! and the start time keeps a recycled PID from keeping a dead shell's files alive.

use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::kubeconfig::{KubeconfigSet, Section};
use crate::yaml::{Mapping, Value};

use super::state::Target;

/// The files of one shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellFiles {
    pub overlay: PathBuf,
    pub stamp: PathBuf,
}

/// The shell's start time in clock ticks since boot (field 22 of `/proc/<pid>/stat`), `0` when unknown.
pub fn start_time(pid: u32) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0;
    };
    // The command name (field 2) may hold spaces and parentheses; fields after the last ')' are plain.
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(19))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

pub fn shell_files(dir: &Path, pid: u32) -> ShellFiles {
    let stem = format!("{pid}-{}", start_time(pid));
    ShellFiles {
        overlay: dir.join(format!("{stem}.kubeconfig")),
        stamp: dir.join(format!("{stem}.stamp")),
    }
}

/// Creates the runtime directory with mode 0700 (and tightens it if it exists).
pub fn ensure_dir(dir: &Path) -> io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

/// The overlay document for `target`, built from the context entry that wins in `base`.
pub fn render(base: &KubeconfigSet, target: &Target) -> Option<String> {
    let entry = base.entry(Section::Contexts, &target.context)?;
    let mut body = match entry.value {
        Value::Mapping(m) => m.clone(),
        _ => Mapping::new(),
    };
    if let Some(ns) = &target.namespace {
        body.insert("namespace".into(), Value::String(ns.clone()));
    }
    let mut ctx = Mapping::new();
    ctx.insert("name".into(), Value::String(target.context.clone()));
    ctx.insert("context".into(), Value::Mapping(body));
    let mut root = Mapping::new();
    root.insert("apiVersion".into(), "v1".into());
    root.insert("kind".into(), "Config".into());
    root.insert(
        "current-context".into(),
        Value::String(target.context.clone()),
    );
    root.insert(
        "contexts".into(),
        Value::Sequence(vec![Value::Mapping(ctx)]),
    );
    crate::yaml::to_string(&Value::Mapping(root)).ok()
}

/// Writes the overlay (0600, atomically, so a prompt never reads half a file).
pub fn write(path: &Path, text: &str) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        ensure_dir(dir)?;
    }
    crate::kubeconfig::write::atomic_write(path, text.as_bytes(), 0o600)
}

pub fn remove(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Whether the shell that owns a file named `<pid>-<start>.<kind>` still runs. Unparseable names are
/// not ours and count as alive, so gc never touches them.
fn owner_alive(name: &str) -> bool {
    let Some((stem, _kind)) = name.split_once('.') else {
        return true;
    };
    let Some((pid, start)) = stem.split_once('-') else {
        return true;
    };
    let (Ok(pid), Ok(start)) = (pid.parse::<u32>(), start.parse::<u64>()) else {
        return true;
    };
    Path::new(&format!("/proc/{pid}")).exists() && start_time(pid) == start
}

/// Removes the files of shells that are gone; returns what was removed.
pub fn gc(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut removed = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = name.ends_with(".kubeconfig") || name.ends_with(".stamp");
        if ours && !owner_alive(&name) {
            remove(&entry.path())?;
            removed.push(entry.path());
        }
    }
    removed.sort();
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_time_of_self_is_known_and_stable() {
        let me = std::process::id();
        let t = start_time(me);
        assert!(t > 0);
        assert_eq!(start_time(me), t);
    }

    #[test]
    fn gc_removes_only_dead_shells() {
        let dir = tempfile::tempdir().unwrap();
        let live = shell_files(dir.path(), std::process::id());
        std::fs::write(&live.overlay, "x").unwrap();
        std::fs::write(&live.stamp, "").unwrap();
        let recycled = dir
            .path()
            .join(format!("{}-1.kubeconfig", std::process::id()));
        std::fs::write(&recycled, "x").unwrap();
        let dead = dir.path().join("999999999-5.kubeconfig");
        std::fs::write(&dead, "x").unwrap();
        let other = dir.path().join("notes.txt");
        std::fs::write(&other, "x").unwrap();

        let removed = gc(dir.path()).unwrap();
        assert_eq!(removed, {
            let mut v = vec![recycled.clone(), dead.clone()];
            v.sort();
            v
        });
        assert!(live.overlay.exists() && live.stamp.exists() && other.exists());
    }

    #[test]
    fn overlay_copies_context_entry_only() {
        let dir = tempfile::tempdir().unwrap();
        let kc = dir.path().join("config");
        std::fs::write(
            &kc,
            "apiVersion: v1\nkind: Config\ncurrent-context: a\nclusters:\n- name: c\n  cluster: {server: https://x}\n\
             users:\n- name: u\n  user: {token: secret}\ncontexts:\n- name: a\n  context: {cluster: c, user: u, namespace: one}\n",
        )
        .unwrap();
        let set = KubeconfigSet::load(Some(&kc)).unwrap();
        let text = render(
            &set,
            &Target {
                context: "a".into(),
                namespace: Some("two".into()),
                file: None,
            },
        )
        .unwrap();
        assert!(
            !text.contains("secret") && !text.contains("https://x"),
            "{text}"
        );
        let v = crate::yaml::parse_value(&text).unwrap();
        assert_eq!(v.get("current-context").and_then(Value::as_str), Some("a"));
        let ctx = &v.get("contexts").unwrap()[0]["context"];
        assert_eq!(ctx.get("namespace").and_then(Value::as_str), Some("two"));
        assert_eq!(ctx.get("user").and_then(Value::as_str), Some("u"));
        assert!(
            render(
                &set,
                &Target {
                    context: "nope".into(),
                    namespace: None,
                    file: None,
                }
            )
            .is_none()
        );
    }
}
