//! What flows into the app's update ([`Msg`]: input and the results of effects) and what flows out of it
//! ([`Effect`]: work for the runner in [`super::effects`]), with the result types they carry.
//!
//! Owns: plain data. Must not: depend on any TUI component (pages, dialogs, views, widgets) or the app;
//! everything here is made of `cluster` types (and the kubeconfig and describe data they carry), so the
//! components and the runner can both speak it.

use std::path::PathBuf;

use crossterm::event::KeyEvent;
use serde_json::Value;

use crate::cluster::actions::{DeleteOptions, ObjectRef};
use crate::cluster::forward::{ForwardInfo, ForwardSpec};
use crate::cluster::kinds::KindSpec;
use crate::cluster::watch::{WatchMsg, WatchTarget};
use crate::kubeconfig::KubeconfigSet;

/// Messages into the app: input, and results of effects.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Resize {
        width: u16,
        height: u16,
    },
    Watch(WatchMsg),
    Connected {
        context: String,
        result: Result<ServerInfo, String>,
    },
    Discovered(Vec<KindSpec>),
    /// A CRD or APIService changed: discovery is asked again.
    KindsChanged,
    /// The connected cluster's CPU and memory use, for the header.
    ClusterUsage {
        context: String,
        usage: crate::cluster::metrics::ClusterUsage,
    },
    Namespaces(Result<Vec<String>, String>),
    KubeconfigReloaded(Result<KubeconfigSet, String>),
    /// The shell in a container ended: how, for the flash.
    ShellEnded(Result<String, String>),
    /// An `e` edit ended (the TUI is back): what to flash, or what went wrong.
    EditEnded(Result<crate::tui::edit::Outcome, String>),
    /// `:use` wrote kubeconfig: what to flash, or what went wrong.
    ContextSaved(Result<String, String>),
    /// A merged view's cluster logged in (`Effect::Login`): its context, or what went wrong.
    LoggedIn(Result<String, String>),
    /// The exec plugin ran again: Ok(context) or what went wrong.
    Reauthenticated(Result<String, String>),
    /// An object fetched for a describe/YAML page.
    Fetched {
        page: u64,
        result: Box<Result<Fetched, String>>,
    },
    /// A batch of lines (and notices) from the log stream `stream` of the logs page `page`; the event
    /// loop drains the stream in batches so a flood of lines costs one message per batch, not per line.
    Logs {
        page: u64,
        stream: u32,
        events: Vec<crate::cluster::logs::LogEvent>,
    },
    /// A `ctrl-s` save finished: the file and the lines written, or what went wrong.
    LogsSaved(Result<Saved, String>),
    /// Advances the loading spinner; sent only while a view is loading.
    Tick,
    /// A scale, restart or delete finished: the message to flash (success, or the server's refusal).
    ActionDone {
        dialog: u64,
        result: Result<String, String>,
    },
    /// One row's result in a running bulk verb.
    BulkProgress {
        dialog: u64,
        index: usize,
        result: Result<String, String>,
    },
    /// One pod's step in a running drain.
    DrainProgress {
        dialog: u64,
        pod: String,
        step: crate::cluster::nodes::PodStep,
    },
    /// A port-forward started (or could not: the error goes back into its dialog).
    ForwardStarted {
        dialog: u64,
        result: Result<ForwardInfo, String>,
    },
    /// The local port the forward dialog should offer for `remote` (free, and not privileged).
    LocalPortSuggested {
        dialog: u64,
        remote: u16,
        local: u16,
    },
    /// The running port-forwards, for the `:pf` page.
    Forwards {
        page: u64,
        list: Vec<ForwardInfo>,
    },
    /// Time to refresh the `:pf` page; sent about once a second, only while it is open.
    RefreshForwards,
    /// After a reconnect with new credentials: the port-forwards restarted on the new client (same local
    /// ports), and those that could not be, with why.
    ForwardsMoved {
        moved: usize,
        failed: Vec<String>,
    },
}

/// What one fetch brought back: the object as the server has it (managedFields included), and for
/// describe the events and related objects kubectl would show.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub object: Value,
    pub events: Vec<Value>,
    pub related: crate::describe::Related,
    /// When it was fetched and the zone to show times in (describe ages are relative to this).
    pub now: jiff::Timestamp,
    pub tz: jiff::tz::TimeZone,
}

/// What a log save wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub path: PathBuf,
    pub lines: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerInfo {
    pub git_version: String,
    pub kubectl: Option<crate::kubectl::KubectlNote>,
}

/// Work for the event loop. Results come back as [`Msg`]s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Build a client for `context` and ask the server its version (short timeouts).
    Connect {
        context: String,
    },
    /// The kubeconfig changed the credentials of `context`, the one in use: connect again with them, and
    /// move the running port-forwards to the new client (answers [`Msg::Connected`], then
    /// [`Msg::ForwardsMoved`]). The app restarts the watch and the log stream once connected.
    Reconnect {
        context: String,
    },
    /// Start watching for view `view`, replacing any running watch.
    Watch {
        view: u64,
        target: WatchTarget,
    },
    /// Start the xray of `kind` for view `view`, replacing any running watch.
    WatchXray {
        view: u64,
        root: crate::cluster::xray::Root,
        namespace: Option<String>,
    },
    /// Watch `inner` in each of `contexts` for the merged view `view` (one table, rows keyed by
    /// context), replacing any running watch.
    WatchMerged {
        view: u64,
        contexts: Vec<String>,
        inner: crate::cluster::merged::Inner,
    },
    /// Probe every context for the `:fleet` view `view` (the kubeconfig's, and those under `dirs`),
    /// again and again while it is open, replacing any running watch.
    WatchFleet {
        view: u64,
        dirs: Vec<std::path::PathBuf>,
        config: Box<crate::config::Config>,
    },
    /// Stop the running watch (the view closed or shows local data).
    StopWatch,
    Discover,
    ListNamespaces,
    /// Run the interactive login (exec plugin) of `context`, a cluster of a merged view, with the TUI
    /// suspended; answers [`Msg::LoggedIn`].
    Login {
        context: String,
    },
    /// GET one object for a describe/YAML page; `with_related` adds its events and related objects.
    FetchObject {
        page: u64,
        target: ObjectRef,
        with_related: bool,
    },
    /// Put text on the clipboard (OSC 52, which tmux and most terminals honour).
    Copy(String),
    /// Set the replica count through the scale subresource; answers [`Msg::ActionDone`].
    Scale {
        dialog: u64,
        target: ObjectRef,
        replicas: i32,
    },
    /// `kubectl rollout restart`; answers [`Msg::ActionDone`].
    Restart {
        dialog: u64,
        target: ObjectRef,
    },
    /// One verb on every marked row, one after another; reports [`Msg::BulkProgress`] per row, then
    /// answers [`Msg::ActionDone`].
    Bulk {
        dialog: u64,
        op: crate::tui::dialogs::bulk::BulkOp,
        targets: Vec<ObjectRef>,
    },
    /// Set container images (`kubectl set image`); answers [`Msg::ActionDone`].
    SetImage {
        dialog: u64,
        target: ObjectRef,
        images: Vec<(String, String)>,
    },
    /// Create a Job from a CronJob now; answers [`Msg::ActionDone`].
    Trigger {
        dialog: u64,
        target: ObjectRef,
    },
    /// Cordon (`on`) or uncordon a node; answers [`Msg::ActionDone`].
    Cordon {
        dialog: u64,
        target: ObjectRef,
        on: bool,
    },
    /// Drain a node; reports [`Msg::DrainProgress`] per pod, then answers [`Msg::ActionDone`].
    Drain {
        dialog: u64,
        target: ObjectRef,
        options: crate::cluster::nodes::DrainOptions,
    },
    /// Delete an object; answers [`Msg::ActionDone`].
    Delete {
        dialog: u64,
        target: ObjectRef,
        options: DeleteOptions,
    },
    /// Start a port-forward; answers [`Msg::ForwardStarted`].
    StartForward {
        dialog: u64,
        spec: ForwardSpec,
        /// The context to forward into (None: the connected one).
        context: Option<String>,
    },
    /// Probe which local port to offer for `port`; answers [`Msg::LocalPortSuggested`].
    SuggestLocalPort {
        dialog: u64,
        addr: std::net::IpAddr,
        port: u16,
    },
    /// Stop one port-forward by id.
    StopForward(u64),
    /// List the running port-forwards; answers [`Msg::Forwards`].
    ListForwards {
        page: u64,
    },
    /// Run the context's interactive exec plugin again (the server said 401).
    Reauthenticate,
    /// Write kubeconfig's current-context (`:use`), as `kdeck ctx NAME` does.
    SaveContext(String),
    /// Run a plugin's command: in the background, or with the TUI suspended; a foreground run answers
    /// [`Msg::ShellEnded`] with how it ended.
    Plugin {
        command: String,
        args: Vec<String>,
        env: Vec<(String, String)>,
        background: bool,
    },
    /// Edit an object in the user's editor, with the TUI suspended; answers [`Msg::EditEnded`].
    Edit(ObjectRef),
    /// A shell in a container (or, with `attach`, the container's own process), with the TUI
    /// suspended; answers [`Msg::ShellEnded`].
    Exec {
        namespace: String,
        pod: String,
        /// None: the pod's default container.
        container: Option<String>,
        attach: bool,
        /// The pod's context (None: the connected one).
        context: Option<String>,
    },
    /// Watch one pod for the containers view `view`, replacing any running watch.
    WatchContainers {
        view: u64,
        namespace: String,
        pod: String,
    },
    /// Start streaming logs for a logs page, replacing (and stopping) any running log stream. Lines
    /// come back as [`Msg::Logs`] tagged with `page` and `stream`.
    StartLogs {
        page: u64,
        stream: u32,
        source: crate::cluster::logs::LogSource,
        opts: crate::cluster::logs::LogOptions,
        /// The pods' context (None: the connected one).
        context: Option<String>,
    },
    /// Stop the running log stream (its page closed).
    StopLogs,
    /// Save the whole running stream to `${XDG_DATA_HOME}/kdeck/logs/<stem>_<UTC time>.log` (0600);
    /// the result comes back as [`Msg::LogsSaved`].
    SaveLogs {
        page: u64,
        stream: u32,
        stem: String,
    },
    Quit,
}
