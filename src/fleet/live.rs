//! The fleet kept live for the TUI's `:fleet` view: every context is probed at once (bounded as
//! `kdeck fleet` bounds it), each row sent as soon as its cluster has answered, and the whole fleet
//! probed again every few seconds until the view closes (dropping the handle stops it).

use std::path::PathBuf;

use tokio::sync::mpsc::UnboundedSender;

use super::{REFRESH, rows, sources};
use crate::cluster::store::Delta;
use crate::cluster::watch::{WatchHandle, WatchMsg, WatchNote};
use crate::config::Config;
use crate::kubeconfig::KubeconfigSet;

pub fn spawn(
    set: KubeconfigSet,
    dirs: Vec<PathBuf>,
    config: Config,
    view: u64,
    tx: UnboundedSender<WatchMsg>,
) -> WatchHandle {
    WatchHandle::new(tokio::spawn(async move {
        let send = |d: Delta| {
            tx.send(WatchMsg {
                view,
                note: WatchNote::Delta(d),
            })
            .is_ok()
        };
        // Walking the directories reads files: off the async threads.
        let found =
            tokio::task::spawn_blocking(move || sources::collect_with(Ok(set), &dirs)).await;
        let Ok((sources, problems)) = found else {
            return;
        };
        let mut first: Vec<_> = sources.iter().map(rows::probing).collect();
        first.extend(problems.iter().map(|p| rows::problem(p)));
        if !send(Delta::Reset(first)) {
            return;
        }
        loop {
            let mut open = true;
            super::probe_each(&sources, &config, |h| {
                if let Some(s) = sources.iter().find(|s| s.name == h.context) {
                    open &= send(Delta::Upsert(rows::row(s, &h)));
                }
            })
            .await;
            if !open {
                return;
            }
            tokio::time::sleep(REFRESH).await;
        }
    }))
}
