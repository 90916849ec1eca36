//! Runs [`Effect`]s: the only place in the TUI that holds a client or spawns network work. Results
//! come back as [`Msg`]s on a channel; nothing here touches the app state or widgets.

mod logs;
mod ops;
mod requests;

use requests::{fetch_object, poll_cluster_usage, save_context};

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use super::msg::{Effect, Msg, ServerInfo};
use crate::cluster::ClientError;
use crate::cluster::discovery;
use crate::cluster::exec_auth::ExecAuthError;
use crate::cluster::forward::ForwardManager;
use crate::cluster::merged::ClientPool;
use crate::cluster::session::{self, Connected};
use crate::cluster::watch::{self, WatchHandle, WatchMsg};
use crate::kubeconfig::KubeconfigSet;
use crate::kubectl::KubectlNote;

pub use ops::suggest_local_port;

/// A finished connection attempt, before the event loop adopts its client.
pub struct ConnectDone {
    pub context: String,
    /// Which of the runner's connection attempts this answers (0 for one made before the runner).
    attempt: u64,
    /// The connection, and the kubectl that runs here with its skew against this server.
    pub result: Result<(Connected, Option<KubectlNote>), ClientError>,
}

impl ConnectDone {
    /// Connects to `context`; once connected, asks `kubectl/` for the skew note (it reads the disk, so
    /// off the UI task).
    pub async fn connect(set: &KubeconfigSet, context: String) -> ConnectDone {
        let result = match session::connect(set, &context).await {
            Ok(c) => {
                let minor = c.minor.clone();
                let note = tokio::task::spawn_blocking(move || crate::kubectl::skew_note(&minor))
                    .await
                    .ok()
                    .flatten();
                Ok((c, note))
            }
            Err(e) => Err(e),
        };
        ConnectDone {
            context,
            attempt: 0,
            result,
        }
    }
}

/// A task that ends when its handle is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub struct EffectRunner {
    pub kubeconfig: KubeconfigSet,
    client: Option<kube::Client>,
    /// The context `client` is connected to.
    connected: Option<String>,
    /// A client per context for merged views and the verbs on their rows (the connected context's
    /// own client among them).
    pool: Arc<ClientPool>,
    /// Port-forwards into contexts other than the connected one (from merged views' rows), by context.
    other_forwards: HashMap<String, Arc<ForwardManager>>,
    /// The interactive exec plugin kdeck runs for the connected context, if it has one.
    auth: Option<(String, session::ManagedAuth)>,
    last_reauth: Option<std::time::Instant>,
    watch: Option<WatchHandle>,
    /// `watch` is a merged view's (it does not use `client`).
    watch_merged: bool,
    /// The port-forwards of the adopted connection; replaced (and the old ones stopped) when the
    /// context changes, stopped on quit.
    forwards: Option<Arc<ForwardManager>>,
    logs: Option<logs::RunningLogs>,
    /// The watch on CRDs and APIServices of the connected cluster (ends with the connection).
    kind_sources: Option<AbortOnDrop>,
    /// The poll of the cluster's CPU/MEM use for the header (ends with the connection).
    cluster_usage: Option<AbortOnDrop>,
    /// Connections made before the terminal was taken over (the first auth, exec plugins included).
    preconnected: HashMap<String, ConnectDone>,
    /// The context being connected again with new credentials: its port-forwards move to the new client.
    reconnecting: Option<String>,
    /// The latest connection attempt: only its answer is adopted. An earlier one still in flight (a
    /// server that took its time) must not replace the client, nor answer for a later attempt at the
    /// same context.
    attempt: u64,
    msgs: UnboundedSender<Msg>,
    watches: UnboundedSender<WatchMsg>,
    connects: UnboundedSender<ConnectDone>,
}

/// What the event loop must do itself (it owns the terminal).
pub enum Followup {
    None,
    Quit,
    /// Write this to the clipboard through the terminal.
    Copy(String),
    /// Something that needs the terminal to itself while the TUI steps aside.
    Suspend(Suspended),
}

/// Work that runs on the plain terminal, with the TUI suspended.
pub enum Suspended {
    /// Connect: an interactive exec plugin may prompt.
    Connect(String),
    /// Log in to a cluster of a merged view (its interactive exec plugin), without switching to it.
    Login(String),
    /// Run the context's interactive exec plugin again (its token expires, or the server answered 401).
    Reauthenticate,
    /// Hand the terminal to a plugin's command.
    Plugin {
        command: String,
        args: Vec<String>,
        env: Vec<(String, String)>,
    },
    /// Hand the terminal to the user's editor on one object (`e`).
    Edit {
        client: kube::Client,
        target: Box<crate::cluster::actions::ObjectRef>,
    },
    /// Hand the terminal to a shell in a container, or (`attach`) to the container's own process.
    Shell {
        client: kube::Client,
        namespace: String,
        pod: String,
        container: Option<String>,
        attach: bool,
    },
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
            connected: None,
            pool: ClientPool::new(),
            other_forwards: HashMap::new(),
            auth: None,
            last_reauth: None,
            watch: None,
            watch_merged: false,
            forwards: None,
            logs: None,
            preconnected: HashMap::new(),
            kind_sources: None,
            cluster_usage: None,
            reconnecting: None,
            attempt: 0,
            msgs,
            watches,
            connects,
        }
    }

    pub fn preconnect(&mut self, done: ConnectDone) {
        self.preconnected.insert(done.context.clone(), done);
    }

    /// Adopts a finished connection and turns it into the app's message; None for an answer to an
    /// attempt that a later one replaced (it is dropped, its client with it).
    pub fn adopt(&mut self, done: ConnectDone) -> Option<Msg> {
        (done.attempt == self.attempt).then(|| self.adopt_latest(done))
    }

    fn adopt_latest(&mut self, done: ConnectDone) -> Msg {
        // Forwards belong to the context they were made in: a switch ends them, and new credentials for
        // the same context move them to the new client.
        let carry = self.reconnecting.take().filter(|c| *c == done.context);
        let old = self.forwards.take();
        let result = match done.result {
            Ok((c, kubectl)) => {
                let manager = Arc::new(ForwardManager::new(c.client.clone()));
                match (old, carry) {
                    (Some(old), Some(_)) => self.move_forwards(old, manager.clone()),
                    (Some(old), None) => old.stop_all(),
                    (None, _) => {}
                }
                self.forwards = Some(manager);
                // Kinds that appear later (a CRD applied now) reach command mode without a restart.
                let tx = self.msgs.clone();
                let client = c.client.clone();
                self.kind_sources = Some(AbortOnDrop(tokio::spawn(async move {
                    crate::cluster::discovery::watch_kind_sources(client, move || {
                        let _ = tx.send(Msg::KindsChanged);
                    })
                    .await;
                })));
                self.cluster_usage = Some(AbortOnDrop(tokio::spawn(poll_cluster_usage(
                    c.client.clone(),
                    done.context.clone(),
                    self.msgs.clone(),
                ))));
                self.pool.insert(&done.context, c.client.clone());
                self.client = Some(c.client);
                self.connected = Some(done.context.clone());
                self.auth = c.auth.map(|a| (done.context.clone(), a));
                Ok(ServerInfo {
                    git_version: c.git_version,
                    kubectl,
                })
            }
            Err(e) => {
                if let Some(old) = old {
                    old.stop_all();
                }
                self.kind_sources = None;
                self.cluster_usage = None;
                self.client = None;
                self.connected = None;
                self.auth = None;
                Err(crate::error::chain(&e))
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
            if matches!(
                e,
                Effect::Watch { .. }
                    | Effect::WatchXray { .. }
                    | Effect::WatchContainers { .. }
                    | Effect::WatchFleet { .. }
                    | Effect::StopWatch
                    | Effect::Quit
            ) {
                // Whatever replaces the watch is not a merged view's (that arm says so itself).
                self.watch_merged = false;
            }
            match e {
                Effect::Quit => {
                    self.watch = None;
                    if let Some(f) = &self.forwards {
                        f.stop_all();
                    }
                    for f in self.other_forwards.values() {
                        f.stop_all();
                    }
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
                Effect::WatchXray {
                    view,
                    root,
                    namespace,
                } => {
                    self.watch = None;
                    if let Some(c) = &self.client {
                        self.watch = Some(crate::cluster::xray::spawn(
                            c.clone(),
                            root,
                            namespace,
                            view,
                            self.watches.clone(),
                        ));
                    }
                }
                Effect::WatchMerged {
                    view,
                    contexts,
                    inner,
                } => {
                    self.watch = None;
                    self.watch_merged = true;
                    self.watch = Some(crate::cluster::merged::spawn(
                        self.pool.clone(),
                        self.kubeconfig.clone(),
                        contexts,
                        inner,
                        view,
                        self.watches.clone(),
                    ));
                }
                Effect::Login { context } => out.push(Followup::Suspend(Suspended::Login(context))),
                Effect::WatchFleet { view, dirs, config } => {
                    self.watch = Some(crate::fleet::live::spawn(
                        self.kubeconfig.clone(),
                        dirs,
                        *config,
                        view,
                        self.watches.clone(),
                    ));
                }
                Effect::Connect { context } => {
                    self.reconnecting = None;
                    out.extend(self.connect(context));
                }
                Effect::Reconnect { context } => {
                    // A connection made with the old credentials must not answer for the new ones.
                    self.preconnected.clear();
                    self.reconnecting = Some(context.clone());
                    out.extend(self.connect(context));
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
                } => match self.client_for(target.context.as_deref()) {
                    Ok(c) => {
                        let tx = self.msgs.clone();
                        tokio::spawn(async move {
                            let result = fetch_object(&c, &target, with_related).await;
                            let _ = tx.send(Msg::Fetched {
                                page,
                                result: Box::new(result),
                            });
                        });
                    }
                    Err(e) => {
                        let _ = self.msgs.send(Msg::Fetched {
                            page,
                            result: Box::new(Err(e)),
                        });
                    }
                },
                Effect::Copy(text) => out.push(Followup::Copy(text)),
                Effect::Plugin {
                    command,
                    args,
                    env,
                    background,
                } => {
                    if background {
                        let spawned = tokio::process::Command::new(&command)
                            .args(&args)
                            .envs(env)
                            .stdin(std::process::Stdio::null())
                            .stdout(std::process::Stdio::null())
                            .stderr(std::process::Stdio::null())
                            .spawn();
                        let note = match spawned {
                            Ok(mut child) => {
                                // Reaped on its own task; its output goes nowhere, as in k9s.
                                tokio::spawn(async move {
                                    let _ = child.wait().await;
                                });
                                Ok(format!("started {command} in the background"))
                            }
                            Err(e) => Err(format!("cannot run {command}: {e}")),
                        };
                        let _ = self.msgs.send(Msg::ShellEnded(note));
                    } else {
                        out.push(Followup::Suspend(Suspended::Plugin { command, args, env }));
                    }
                }
                Effect::Edit(target) => match self.client_for(target.context.as_deref()) {
                    Ok(client) => out.push(Followup::Suspend(Suspended::Edit {
                        client,
                        target: Box::new(target),
                    })),
                    Err(e) => {
                        let _ = self.msgs.send(Msg::EditEnded(Err(e)));
                    }
                },
                Effect::Exec {
                    namespace,
                    pod,
                    container,
                    attach,
                    context,
                } => match self.client_for(context.as_deref()) {
                    Ok(client) => out.push(Followup::Suspend(Suspended::Shell {
                        client,
                        namespace,
                        pod,
                        container,
                        attach,
                    })),
                    Err(e) => {
                        let _ = self.msgs.send(Msg::ShellEnded(Err(e)));
                    }
                },
                e @ (Effect::Scale { .. }
                | Effect::Restart { .. }
                | Effect::Cordon { .. }
                | Effect::Trigger { .. }
                | Effect::Bulk { .. }
                | Effect::SetImage { .. }
                | Effect::Drain { .. }
                | Effect::Delete { .. }
                | Effect::StartForward { .. }
                | Effect::SuggestLocalPort { .. }
                | Effect::StopForward(_)
                | Effect::ListForwards { .. }) => self.run_op(e),
                Effect::SaveContext(name) => {
                    let mut set = self.kubeconfig.clone();
                    let tx = self.msgs.clone();
                    tokio::task::spawn_blocking(move || {
                        let _ = tx.send(Msg::ContextSaved(save_context(&mut set, &name)));
                    });
                }
                Effect::Reauthenticate => {
                    // A watch retrying with backoff reports 401 again and again: prompt at most
                    // once a minute.
                    let recent = self
                        .last_reauth
                        .is_some_and(|t| t.elapsed() < std::time::Duration::from_secs(60));
                    if self.auth.is_some() && !recent {
                        out.push(Followup::Suspend(Suspended::Reauthenticate));
                    }
                }
                e @ (Effect::WatchContainers { .. }
                | Effect::StartLogs { .. }
                | Effect::StopLogs
                | Effect::SaveLogs { .. }) => self.run_logs(e),
                Effect::ListNamespaces => {
                    if let Some(c) = self.client.clone() {
                        let tx = self.msgs.clone();
                        tokio::spawn(async move {
                            let names = session::namespace_names(&c).await;
                            let _ = tx.send(Msg::Namespaces(names.map_err(|e| e.to_string())));
                        });
                    }
                }
            }
        }
        out
    }

    /// Stops the watch and the log stream (they belong to the old client) and connects to `context`
    /// with what kubeconfig says now; the result comes back through `connects`.
    fn connect(&mut self, context: String) -> Option<Followup> {
        // A merged view's watch connects on its own (the pool): it outlives the connected context.
        if !self.watch_merged {
            self.watch = None;
        }
        self.logs = None;
        self.attempt += 1;
        let attempt = self.attempt;
        if let Some(mut done) = self.preconnected.remove(&context) {
            done.attempt = attempt;
            let _ = self.connects.send(done);
        } else if session::needs_terminal(&self.kubeconfig, &context) {
            return Some(Followup::Suspend(Suspended::Connect(context)));
        } else {
            let set = self.kubeconfig.clone();
            let tx = self.connects.clone();
            tokio::spawn(async move {
                let done = ConnectDone::connect(&set, context).await;
                let _ = tx.send(ConnectDone { attempt, ..done });
            });
        }
        None
    }

    /// The client for requests about an object of `context` (None: the connected context): the
    /// connected client, or the one a merged view made for that context.
    pub(super) fn client_for(&self, context: Option<&str>) -> Result<kube::Client, String> {
        match context {
            None => self
                .client
                .clone()
                .ok_or_else(|| "not connected".to_string()),
            Some(c) if self.connected.as_deref() == Some(c) => self
                .client
                .clone()
                .ok_or_else(|| "not connected".to_string()),
            Some(c) => self
                .pool
                .get(c)
                .ok_or_else(|| format!("not connected to {c} (open it in a merged view first)")),
        }
    }

    /// Logs in to `context` in the foreground (the TUI is suspended by the caller) and keeps the client
    /// for merged views; the connected context stays as it is.
    pub async fn login_now(&mut self, context: String) -> Msg {
        match session::connect(&self.kubeconfig, &context).await {
            Ok(c) => {
                self.pool.insert(&context, c.client);
                Msg::LoggedIn(Ok(context))
            }
            Err(e) => Msg::LoggedIn(Err(format!("{context}: {}", crate::error::chain(&e)))),
        }
    }

    /// When the running plugin's credential should be renewed.
    pub fn reauth_at(&self) -> Option<jiff::Timestamp> {
        self.auth.as_ref().and_then(|(_, a)| a.refresh_at)
    }

    /// Runs the plugin again in the foreground (the TUI is suspended by the caller). Every clone of the
    /// client picks the new token up at once.
    pub async fn reauthenticate(&mut self) -> Msg {
        self.last_reauth = Some(std::time::Instant::now());
        let Some((context, auth)) = self.auth.take() else {
            return Msg::Reauthenticated(Err("no exec plugin to run".into()));
        };
        let mut running = auth.clone();
        let result =
            tokio::task::spawn_blocking(move || running.reauthenticate().map(|()| running))
                .await
                .map_err(ExecAuthError::Interrupted)
                .and_then(|r| r);
        match result {
            Ok(renewed) => {
                self.auth = Some((context.clone(), renewed));
                Msg::Reauthenticated(Ok(context))
            }
            Err(e) => {
                // Keep the old credential; the next 401 (or `:ctx`) tries again.
                self.auth = Some((
                    context.clone(),
                    session::ManagedAuth {
                        refresh_at: None,
                        ..auth
                    },
                ));
                Msg::Reauthenticated(Err(format!("{context}: {}", crate::error::chain(&e))))
            }
        }
    }

    /// Connects in the foreground (the TUI is suspended by the caller).
    pub async fn connect_now(&mut self, context: String) -> Msg {
        let done = ConnectDone::connect(&self.kubeconfig, context).await;
        self.adopt_latest(done)
    }
}

#[cfg(test)]
mod tests;
