//! Kubeconfig hot reload: notify watches the parent directories of every file in effect (editors and
//! kubectl replace files by rename, which a watch on the file itself would miss), debounced ~150 ms.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc::UnboundedSender;

use super::msg::Msg;
use crate::kubeconfig::KubeconfigSet;

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

#[cfg(test)]
mod tests {
    use super::*;

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
