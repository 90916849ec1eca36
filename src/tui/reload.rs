//! Kubeconfig hot reload: notify watches the parent directories of every file in effect (editors and
//! kubectl replace files by rename, which a watch on the file itself would miss), debounced ~150 ms.
//! [`credentials_changed`] tells the app when a reload changed what the connected context authenticates
//! with (a new token or CA from `aws eks update-kubeconfig` or an SSO login), so it reconnects.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc::UnboundedSender;

use super::msg::Msg;
use crate::kubeconfig::{KubeconfigSet, Section};

pub const DEBOUNCE: Duration = Duration::from_millis(150);

/// Keeps the watcher alive; dropping it stops reloading.
pub struct KubeconfigWatch {
    _watcher: notify::RecommendedWatcher,
    _task: tokio::task::JoinHandle<()>,
}

impl Drop for KubeconfigWatch {
    fn drop(&mut self) {
        self._task.abort();
    }
}

/// Starts watching the files of `set`; reloads send [`Msg::KubeconfigReloaded`].
pub fn watch(
    set: &KubeconfigSet,
    explicit: Option<PathBuf>,
    tx: UnboundedSender<Msg>,
) -> notify::Result<KubeconfigWatch> {
    let files: HashSet<PathBuf> = set.files().map(Path::to_path_buf).collect();
    let dirs: HashSet<PathBuf> = files
        .iter()
        .filter_map(|f| f.parent().map(Path::to_path_buf))
        .collect();
    let (raw_tx, mut raw_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let mut watcher = notify::recommended_watcher(move |ev: notify::Result<notify::Event>| {
        if let Ok(ev) = ev
            && ev.paths.iter().any(|p| files.contains(p))
        {
            let _ = raw_tx.send(());
        }
    })?;
    for d in &dirs {
        // A directory that does not exist yet cannot be watched; files there appear on restart.
        let _ = watcher.watch(d, RecursiveMode::NonRecursive);
    }
    let task = tokio::spawn(async move {
        while raw_rx.recv().await.is_some() {
            // Debounce: wait until the burst of events (temp file, rename, chmod) settles.
            loop {
                match tokio::time::timeout(DEBOUNCE, raw_rx.recv()).await {
                    Ok(Some(())) => continue,
                    Ok(None) => return,
                    Err(_) => break,
                }
            }
            let result = KubeconfigSet::load(explicit.as_deref()).map_err(|e| e.to_string());
            if tx.send(Msg::KubeconfigReloaded(result)).is_err() {
                return;
            }
        }
    });
    Ok(KubeconfigWatch {
        _watcher: watcher,
        _task: task,
    })
}

/// What changed in how `context` connects between `old` and `new`: which of its context entry, cluster
/// entry (server, CA, TLS options) or user entry (token, client certificate, exec plugin) differ, as the
/// status line names them (entry names only, never a value). None when nothing did, or when `new` no
/// longer has the context (the contexts view shows that).
pub fn credentials_changed(
    old: &KubeconfigSet,
    new: &KubeconfigSet,
    context: &str,
) -> Option<String> {
    let after = new.context(context)?;
    let before = old.context(context);
    let mut what = Vec::new();
    let entry = |set: &KubeconfigSet, section, name: &Option<String>| {
        name.as_deref()
            .and_then(|n| set.entry(section, n))
            .map(|e| e.value.clone())
    };
    if before.as_ref().map(|b| (&b.cluster, &b.user)) != Some((&after.cluster, &after.user)) {
        what.push(format!("context {context}"));
    }
    let old_cluster = before
        .as_ref()
        .and_then(|b| entry(old, Section::Clusters, &b.cluster));
    if old_cluster != entry(new, Section::Clusters, &after.cluster) {
        what.push(format!(
            "cluster {}",
            after.cluster.as_deref().unwrap_or("(none)")
        ));
    }
    let old_user = before
        .as_ref()
        .and_then(|b| entry(old, Section::Users, &b.user));
    if old_user != entry(new, Section::Users, &after.user) {
        what.push(format!(
            "user {}",
            after.user.as_deref().unwrap_or("(none)")
        ));
    }
    (!what.is_empty()).then(|| what.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(dir: &Path, name: &str, text: &str) -> KubeconfigSet {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        KubeconfigSet::load(Some(&p)).unwrap()
    }

    const BASE: &str = "apiVersion: v1
kind: Config
current-context: a
clusters:
- {name: c, cluster: {server: 'https://127.0.0.1:6443', certificate-authority-data: Q0E=}}
- {name: other, cluster: {server: 'https://127.0.0.1:7443'}}
users:
- {name: u, user: {token: old-token}}
- {name: v, user: {token: other-token}}
contexts:
- {name: a, context: {cluster: c, user: u}}
- {name: b, context: {cluster: other, user: v}}
";

    #[test]
    fn a_new_token_or_ca_for_the_context_is_a_change_and_other_entries_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let old = set(dir.path(), "old", BASE);
        let same = set(
            dir.path(),
            "same",
            &BASE.replace("current-context: a", "current-context: b"),
        );
        assert_eq!(credentials_changed(&old, &same, "a"), None);
        let token = set(dir.path(), "token", &BASE.replace("old-token", "new-token"));
        let what = credentials_changed(&old, &token, "a").unwrap();
        assert_eq!(what, "user u");
        assert!(!what.contains("token"), "values are never shown: {what}");
        let ca = set(dir.path(), "ca", &BASE.replace("Q0E=", "TkVX"));
        assert_eq!(
            credentials_changed(&old, &ca, "a").as_deref(),
            Some("cluster c")
        );
        // The other context's user changed: not the connected one's business.
        let other = set(dir.path(), "other", &BASE.replace("other-token", "x"));
        assert_eq!(credentials_changed(&old, &other, "a"), None);
        assert_eq!(
            credentials_changed(&old, &other, "b").as_deref(),
            Some("user v")
        );
        let moved = set(
            dir.path(),
            "moved",
            &BASE.replace("{cluster: c, user: u}", "{cluster: other, user: u}"),
        );
        assert_eq!(
            credentials_changed(&old, &moved, "a").as_deref(),
            Some("context a, cluster other")
        );
        let gone = set(
            dir.path(),
            "gone",
            &BASE.replace("- {name: a, context: {cluster: c, user: u}}\n", ""),
        );
        assert_eq!(credentials_changed(&old, &gone, "a"), None);
    }

    #[tokio::test]
    async fn a_context_added_by_another_tool_is_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config");
        std::fs::write(
            &p,
            "apiVersion: v1\nkind: Config\ncontexts: [{name: a, context: {cluster: c}}]\n",
        )
        .unwrap();
        let set = KubeconfigSet::load(Some(&p)).unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let _w = watch(&set, Some(p.clone()), tx).unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let tmp = dir.path().join(".config.tmp");
        std::fs::write(&tmp, "apiVersion: v1\nkind: Config\ncontexts: [{name: a, context: {cluster: c}}, {name: b, context: {cluster: c}}]\n").unwrap();
        std::fs::rename(&tmp, &p).unwrap();
        let msg = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .unwrap()
            .unwrap();
        match msg {
            Msg::KubeconfigReloaded(Ok(set)) => assert_eq!(set.context_names(), ["a", "b"]),
            other => panic!("{other:?}"),
        }
    }
}
