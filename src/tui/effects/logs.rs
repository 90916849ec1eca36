//! The logs page's effects: the one log stream the runner holds (started, replaced, stopped with its
//! page), the containers view's pod watch, and saving the whole stream off the UI task.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::mpsc;

use super::EffectRunner;
use crate::cluster::logs::{self, LineKind, LogEvent, LogLine, LogSession};
use crate::cluster::watch;
use crate::tui::msg::{Effect, Msg, Saved};

/// The one log stream running (for the logs page on screen). The session outlives the channel so a
/// finished stream can still be saved; dropping it stops every task and removes the spool.
pub(super) struct RunningLogs {
    page: u64,
    stream: u32,
    session: Arc<LogSession>,
    rx: Option<mpsc::Receiver<LogEvent>>,
}

impl EffectRunner {
    pub(super) fn run_logs(&mut self, effect: Effect) {
        match effect {
            Effect::WatchContainers {
                view,
                namespace,
                pod,
            } => {
                self.watch = None;
                if let Some(c) = &self.client {
                    self.watch = Some(watch::spawn_containers(
                        c.clone(),
                        &namespace,
                        &pod,
                        view,
                        self.watches.clone(),
                    ));
                }
            }
            Effect::StartLogs {
                page,
                stream,
                source,
                opts,
                context,
            } => {
                // Stop the old stream before the new one opens its requests.
                self.logs = None;
                let started = self.client_for(context.as_deref()).and_then(|c| {
                    logs::start(c, source, opts, crate::tui::pages::logs::CHANNEL)
                        .map_err(|e| e.to_string())
                });
                match started {
                    Ok((session, rx)) => {
                        self.logs = Some(RunningLogs {
                            page,
                            stream,
                            session: Arc::new(session),
                            rx: Some(rx),
                        });
                    }
                    Err(e) => {
                        let _ = self.msgs.send(Msg::Logs {
                            page,
                            stream,
                            events: vec![failed_line(format!("cannot stream logs: {e}"))],
                        });
                    }
                }
            }
            Effect::StopLogs => self.logs = None,
            Effect::SaveLogs { page, stream, stem } => match &self.logs {
                Some(l) if l.page == page && l.stream == stream => {
                    let session = l.session.clone();
                    let tx = self.msgs.clone();
                    // Copying a big spool is blocking file I/O: keep it off the UI task.
                    tokio::task::spawn_blocking(move || {
                        let dir = crate::paths::data_dir().join("logs");
                        let _ = tx.send(Msg::LogsSaved(save_logs(&session, &dir, &stem)));
                    });
                }
                _ => {
                    let _ = self.msgs.send(Msg::LogsSaved(Err(
                        "this log stream is no longer running".to_string(),
                    )));
                }
            },
            _ => {}
        }
    }

    /// Whether a log stream has lines to deliver (the event loop polls [`Self::next_logs`] only then).
    pub fn logs_open(&self) -> bool {
        self.logs.as_ref().is_some_and(|l| l.rx.is_some())
    }

    /// The next batch of at most `limit` log events, as one message; waits for at least one. None when
    /// the stream's channel closed (the session is kept for saving).
    pub async fn next_logs(&mut self, limit: usize) -> Option<Msg> {
        let l = self.logs.as_mut()?;
        let rx = l.rx.as_mut()?;
        let mut events = Vec::new();
        if rx.recv_many(&mut events, limit).await == 0 {
            l.rx = None;
            return None;
        }
        Some(Msg::Logs {
            page: l.page,
            stream: l.stream,
            events,
        })
    }
}

fn failed_line(text: String) -> LogEvent {
    LogEvent::Line(LogLine {
        pod: "".into(),
        container: "".into(),
        timestamp: None,
        text,
        kind: LineKind::Failed,
    })
}

/// Saves the whole stream to `<dir>/<stem>_<UTC time>.log` (0600, in a 0700 directory), never over an
/// existing file.
pub fn save_logs(session: &LogSession, dir: &Path, stem: &str) -> Result<Saved, String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)))
        .map_err(|e| {
            format!(
                "cannot create {}: {e} (check XDG_DATA_HOME and the disk)",
                dir.display()
            )
        })?;
    let time = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    // The stem holds namespace, pod and container names from the server: confined to `dir`.
    let file = |name: String| crate::paths::confined(dir, &name).map_err(|e| e.to_string());
    let mut path: PathBuf = file(format!("{stem}_{time}.log"))?;
    let mut n = 2;
    while path.symlink_metadata().is_ok() {
        path = file(format!("{stem}_{time}-{n}.log"))?;
        n += 1;
    }
    let report = session.save_all(&path).map_err(|e| e.to_string())?;
    Ok(Saved {
        path,
        lines: report.lines,
    })
}
