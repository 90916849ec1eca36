//! Runs [`Effect`]s: the only place in the TUI that holds a client or spawns network work. Results
//! come back as [`Msg`]s on a channel; nothing here touches the app state or widgets.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::mpsc::{self, UnboundedSender};

use super::app::{Effect, Msg, ServerInfo};
use super::pages::ObjectRef;
use super::pages::logs::Saved;
use super::pages::text::Fetched;
use crate::cluster::discovery;
use crate::cluster::logs::{self, LineKind, LogEvent, LogLine, LogSession};
use crate::cluster::session::{self, Connected};
use crate::cluster::watch::{self, WatchHandle, WatchMsg};
use crate::kubeconfig::KubeconfigSet;
use kube::api::{Api, DynamicObject};

/// A finished connection attempt, before the event loop adopts its client.
pub struct ConnectDone {
    pub context: String,
    pub result: Result<Connected, String>,
}

/// The one log stream running (for the logs page on screen). The session outlives the channel so a
/// finished stream can still be saved; dropping it stops every task and removes the spool.
struct RunningLogs {
    page: u64,
    stream: u32,
    session: Arc<LogSession>,
    rx: Option<mpsc::Receiver<LogEvent>>,
}

pub struct EffectRunner {
    pub kubeconfig: KubeconfigSet,
    client: Option<kube::Client>,
    watch: Option<WatchHandle>,
    logs: Option<RunningLogs>,
    /// Connections made before the terminal was taken over (the first auth, exec plugins included).
    preconnected: HashMap<String, Result<Connected, String>>,
    msgs: UnboundedSender<Msg>,
    watches: UnboundedSender<WatchMsg>,
    connects: UnboundedSender<ConnectDone>,
}

/// What the event loop must do itself (it owns the terminal).
pub enum Followup {
    None,
    Quit,
    /// Connect with the TUI suspended: an interactive exec plugin may prompt.
    ConnectInTerminal(String),
    /// Write this to the clipboard through the terminal.
    Copy(String),
}

impl EffectRunner {
    pub fn new(
        kubeconfig: KubeconfigSet,
        msgs: UnboundedSender<Msg>,
        watches: UnboundedSender<WatchMsg>,
        connects: UnboundedSender<ConnectDone>,
    ) -> Self {
        EffectRunner {
            kubeconfig,
            client: None,
            watch: None,
            logs: None,
            preconnected: HashMap::new(),
            msgs,
            watches,
            connects,
        }
    }

    pub fn preconnect(&mut self, context: String, result: Result<Connected, String>) {
        self.preconnected.insert(context, result);
    }

    /// Adopts a finished connection and turns it into the app's message.
    pub fn adopt(&mut self, done: ConnectDone) -> Msg {
        let result = match done.result {
            Ok(c) => {
                self.client = Some(c.client);
                Ok(ServerInfo {
                    git_version: c.git_version,
                    kubectl: c.kubectl,
                })
            }
            Err(e) => {
                self.client = None;
                Err(e)
            }
        };
        Msg::Connected {
            context: done.context,
            result,
        }
    }

    pub fn run(&mut self, effects: Vec<Effect>) -> Vec<Followup> {
        let mut out = Vec::new();
        for e in effects {
            match e {
                Effect::Quit => {
                    self.watch = None;
                    self.logs = None;
                    out.push(Followup::Quit);
                }
                Effect::StopWatch => self.watch = None,
                Effect::Watch { view, target } => {
                    self.watch = None;
                    if let Some(c) = &self.client {
                        self.watch =
                            Some(watch::spawn(c.clone(), &target, view, self.watches.clone()));
                    }
                }
                Effect::Connect { context } => {
                    self.watch = None;
                    self.logs = None;
                    if let Some(result) = self.preconnected.remove(&context) {
                        let _ = self.connects.send(ConnectDone { context, result });
                    } else if session::needs_terminal(&self.kubeconfig, &context) {
                        out.push(Followup::ConnectInTerminal(context));
                    } else {
                        let set = self.kubeconfig.clone();
                        let tx = self.connects.clone();
                        tokio::spawn(async move {
                            let result = session::connect(&set, &context).await;
                            let _ = tx.send(ConnectDone { context, result });
                        });
                    }
                }
                Effect::Discover => {
                    if let Some(c) = self.client.clone() {
                        let tx = self.msgs.clone();
                        tokio::spawn(async move {
                            if let Ok(kinds) = discovery::discover(&c).await {
                                let _ = tx.send(Msg::Discovered(kinds));
                            }
                        });
                    }
                }
                Effect::FetchObject {
                    page,
                    target,
                    with_related,
                } => match self.client.clone() {
                    Some(c) => {
                        let tx = self.msgs.clone();
                        tokio::spawn(async move {
                            let result = fetch_object(&c, &target, with_related).await;
                            let _ = tx.send(Msg::Fetched {
                                page,
                                result: Box::new(result),
                            });
                        });
                    }
                    None => {
                        let _ = self.msgs.send(Msg::Fetched {
                            page,
                            result: Box::new(Err("not connected".to_string())),
                        });
                    }
                },
                Effect::Copy(text) => out.push(Followup::Copy(text)),
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
                } => {
                    // Stop the old stream before the new one opens its requests.
                    self.logs = None;
                    let started = match &self.client {
                        Some(c) => {
                            logs::start(c.clone(), source, opts, super::pages::logs::CHANNEL)
                                .map_err(|e| e.to_string())
                        }
                        None => Err("not connected".to_string()),
                    };
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
                Effect::ListNamespaces => {
                    if let Some(c) = self.client.clone() {
                        let tx = self.msgs.clone();
                        tokio::spawn(async move {
                            let _ = tx.send(Msg::Namespaces(session::namespace_names(&c).await));
                        });
                    }
                }
            }
        }
        out
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

    /// Connects in the foreground (the TUI is suspended by the caller).
    pub async fn connect_now(&mut self, context: String) -> Msg {
        let result = session::connect(&self.kubeconfig, &context).await;
        self.adopt(ConnectDone { context, result })
    }
}

/// GETs one object (and, for describe, its events and related objects) as JSON.
async fn fetch_object(
    client: &kube::Client,
    target: &ObjectRef,
    with_related: bool,
) -> Result<Fetched, String> {
    let resource = target.kind.api_resource();
    let api: Api<DynamicObject> = match &target.namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &resource),
        None => Api::all_with(client.clone(), &resource),
    };
    let obj = api.get(&target.name).await.map_err(|e| match e {
        kube::Error::Api(s) => format!("{} ({})", s.message, s.code),
        other => format!("cannot get {}: {other}", target.display()),
    })?;
    let mut object = serde_json::to_value(&obj).map_err(|e| e.to_string())?;
    // DynamicObject drops apiVersion/kind when the server omits them (it never does for a GET, but a
    // describe needs them): fill them from the kind.
    if let Some(o) = object.as_object_mut() {
        o.entry("apiVersion")
            .or_insert_with(|| target.kind.api_version().into());
        o.entry("kind")
            .or_insert_with(|| target.kind.kind.clone().into());
    }
    let (events, related) = if with_related {
        let ns = target.namespace.as_deref();
        (
            crate::describe::fetch_events(client, &target.kind.kind, &object, ns).await,
            crate::describe::fetch_related(client, &target.kind.kind, &object, ns).await,
        )
    } else {
        (Vec::new(), Default::default())
    };
    Ok(Fetched {
        object,
        events,
        related,
        now: jiff::Timestamp::now(),
        tz: jiff::tz::TimeZone::system(),
    })
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
    let mut path: PathBuf = dir.join(format!("{stem}_{time}.log"));
    let mut n = 2;
    while path.exists() {
        path = dir.join(format!("{stem}_{time}-{n}.log"));
        n += 1;
    }
    let report = session.save_all(&path).map_err(|e| e.to_string())?;
    Ok(Saved {
        path,
        lines: report.lines,
    })
}
