//! Views merged across clusters (`:pods @all`, `:deploy @prod-*`, `:svc @a,b`): one watch per context,
//! each on its own connection, feeding one table whose rows are keyed by context.
//!
//! Owns: choosing the contexts of a `@` selection ([`select`]), the [`ClientPool`] (a client per
//! context, shared with whatever acts on a merged view's rows), and [`spawn`], which runs one
//! per-cluster watch for each context and turns its notes into the merged view's: a relist replaces only
//! that cluster's rows ([`Delta::ResetGroup`]), and a cluster that is connecting, unreachable, forbidden
//! or needs a login shows that in a row of its own instead of failing the view. At most
//! [`CONCURRENCY`] connections are set up at once, each with the session's timeouts, so a hung cluster
//! holds back no other one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use super::ClientError;
use super::metrics::MetricsNote;
use super::rows::{Cell, Row, RowKey, Tone};
use super::session;
use super::store::Delta;
use super::watch::{self, Peers, WatchFailure, WatchHandle, WatchMsg, WatchNote, WatchTarget};
use crate::kubeconfig::KubeconfigSet;

/// Connections being set up at once (the others wait their turn; a connected cluster holds no slot).
pub const CONCURRENCY: usize = 16;

/// How a cluster row that waits for an interactive login begins.
pub const NEEDS_LOGIN: &str = "needs login";

/// The first wait before connecting again to a cluster that could not be reached; doubles up to
/// [`RETRY_MAX`].
const RETRY_FIRST: Duration = Duration::from_secs(10);
const RETRY_MAX: Duration = Duration::from_secs(60);

/// The contexts a `@` selection names, in kubeconfig order: `all`, a glob (`prod-*`), or a list
/// (`a,b`, each item a name or a glob). None when `selection` names one context plainly (that is a
/// switch, not a merge); an error when it matches nothing or a listed name does not exist.
pub fn select(selection: &str, contexts: &[String]) -> Option<Result<Vec<String>, String>> {
    let is_glob = |s: &str| s.contains(['*', '?', '[']);
    if selection != "all" && !selection.contains(',') && !is_glob(selection) {
        return None;
    }
    let mut chosen: Vec<String> = Vec::new();
    let items: Vec<&str> = selection.split(',').map(str::trim).collect();
    for item in &items {
        if item.is_empty() {
            return Some(Err(format!("empty context name in \"@{selection}\"")));
        }
        let matched: Vec<&String> = if *item == "all" {
            contexts.iter().collect()
        } else if is_glob(item) {
            match glob::Pattern::new(item) {
                Ok(p) => contexts.iter().filter(|c| p.matches(c)).collect(),
                Err(e) => return Some(Err(format!("bad context pattern \"{item}\": {e}"))),
            }
        } else if contexts.iter().any(|c| c == item) {
            contexts.iter().filter(|c| c == item).collect()
        } else {
            return Some(Err(format!("no context exists with the name: \"{item}\"")));
        };
        if matched.is_empty() {
            return Some(Err(format!("no context matches \"{item}\"")));
        }
        chosen.extend(matched.into_iter().cloned());
    }
    // Kubeconfig order, each context once.
    let chosen: std::collections::HashSet<String> = chosen.into_iter().collect();
    let order: Vec<String> = contexts
        .iter()
        .filter(|c| chosen.contains(*c))
        .cloned()
        .collect();
    Some(Ok(order))
}

/// A client per context, made once and shared: by the merged views' watches and by the verbs on their
/// rows, which must reach the row's own cluster.
pub struct ClientPool {
    clients: Mutex<HashMap<String, kube::Client>>,
    setup: tokio::sync::Semaphore,
}

impl ClientPool {
    pub fn new() -> Arc<Self> {
        Arc::new(ClientPool {
            clients: Mutex::new(HashMap::new()),
            setup: tokio::sync::Semaphore::new(CONCURRENCY),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, kube::Client>> {
        // The map holds no invariant a panicking holder could break: use it as it is.
        self.clients.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The client made for `context`, if any.
    pub fn get(&self, context: &str) -> Option<kube::Client> {
        self.lock().get(context).cloned()
    }

    /// Adopts `client` for `context` (the connected context's own client, or one after a login).
    pub fn insert(&self, context: &str, client: kube::Client) {
        self.lock().insert(context.to_string(), client);
    }

    /// The pooled client for `context`, or a new one that has answered its first request. Waits for
    /// one of [`CONCURRENCY`] setup slots.
    pub async fn connect(
        &self,
        set: &KubeconfigSet,
        context: &str,
    ) -> Result<kube::Client, ClientError> {
        if let Some(c) = self.get(context) {
            return Ok(c);
        }
        let _slot = self.setup.acquire().await;
        if let Some(c) = self.get(context) {
            return Ok(c);
        }
        let connected = session::connect(set, context).await?;
        self.insert(context, connected.client.clone());
        Ok(connected.client)
    }
}

/// What each cluster of a merged view watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inner {
    Resource(WatchTarget),
    Xray {
        root: super::xray::Root,
        namespace: Option<String>,
    },
    Containers {
        namespace: String,
        pod: String,
    },
}

impl Inner {
    fn start(
        &self,
        client: kube::Client,
        peers: Peers,
        tx: UnboundedSender<WatchMsg>,
    ) -> WatchHandle {
        match self {
            Inner::Resource(t) => watch::spawn_in(client, t, 0, tx, peers),
            Inner::Xray { root, namespace } => {
                super::xray::spawn(client, *root, namespace.clone(), 0, tx)
            }
            Inner::Containers { namespace, pod } => {
                watch::spawn_containers(client, namespace, pod, 0, tx)
            }
        }
    }
}

/// The label of a cluster row that holds its whole message (the cell shows the start of it).
pub const MESSAGE_LABEL: &str = "kdeck.dev/cluster-message";

/// How much of a cluster row's message its cell shows.
const SHOWN: usize = 56;

/// The row that stands for cluster `context` while it has no rows to show, or while its watch fails.
/// The start of `text` goes in the first column (NAME in every kind's table); all of it in
/// [`MESSAGE_LABEL`], for `enter`.
pub fn cluster_row(context: &Arc<str>, text: String, tone: Tone) -> Row {
    let shown = match text.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.clone(),
    };
    Row {
        key: RowKey::cluster(context.clone()),
        cells: vec![Cell::Text(shown)],
        tone,
        labels: [(MESSAGE_LABEL.to_string(), text)].into(),
        selector: None,
        object: None,
    }
}

/// What a cluster row says for a watch failure.
fn failure_text(f: &WatchFailure) -> String {
    match f.code {
        Some(403) => format!("forbidden: {}", f.message),
        Some(401) => format!("needs login: {}", f.message),
        Some(code) => format!("error {code}: {}", f.message),
        None if f.unusable => format!("unusable answer: {}", f.message),
        None => format!("unreachable: {}", f.message),
    }
}

/// Starts the merged view `view` of `contexts`, each watching `inner`. Dropping the handle stops every
/// cluster's watch and connection attempt.
pub fn spawn(
    pool: Arc<ClientPool>,
    set: KubeconfigSet,
    contexts: Vec<String>,
    inner: Inner,
    view: u64,
    tx: UnboundedSender<WatchMsg>,
) -> WatchHandle {
    WatchHandle::new(tokio::spawn(async move {
        let mut clusters = tokio::task::JoinSet::new();
        let n = contexts.len();
        let (all_tx, all_rx) = tokio::sync::watch::channel(n == 0);
        let waiting = Arc::new(Waiting {
            left: std::sync::atomic::AtomicUsize::new(n),
            all: all_tx,
        });
        for c in contexts {
            let cluster = Cluster {
                pool: pool.clone(),
                set: set.clone(),
                context: Arc::from(c.as_str()),
                inner: inner.clone(),
                peers: Peers {
                    clusters: n,
                    all_listed: Some(all_rx.clone()),
                },
                waiting: waiting.clone(),
                counted: false,
                view,
                tx: tx.clone(),
            };
            clusters.spawn(cluster.run());
        }
        // Dropping the set (when this task is aborted) aborts every cluster's task.
        while clusters.join_next().await.is_some() {}
    }))
}

/// One cluster of a merged view.
struct Cluster {
    pool: Arc<ClientPool>,
    set: KubeconfigSet,
    context: Arc<str>,
    inner: Inner,
    /// The other clusters of the view, for the usage poll.
    peers: Peers,
    /// Counts the clusters that have not listed (or failed to) yet.
    waiting: Arc<Waiting>,
    /// This cluster has been counted in `waiting`.
    counted: bool,
    view: u64,
    tx: UnboundedSender<WatchMsg>,
}

/// How many clusters of a merged view have not yet listed (or failed to), and the signal that all have.
struct Waiting {
    left: std::sync::atomic::AtomicUsize,
    all: tokio::sync::watch::Sender<bool>,
}

impl Cluster {
    /// This cluster has listed, or failed to: once every cluster has, the usage polls start.
    fn settled(&mut self) {
        if std::mem::replace(&mut self.counted, true) {
            return;
        }
        if self
            .waiting
            .left
            .fetch_sub(1, std::sync::atomic::Ordering::AcqRel)
            == 1
        {
            self.waiting.all.send_replace(true);
        }
    }

    fn send(&self, note: WatchNote) -> bool {
        self.tx
            .send(WatchMsg {
                view: self.view,
                note,
            })
            .is_ok()
    }

    /// Replaces this cluster's rows with one row saying `text`.
    fn only(&self, text: String, tone: Tone) -> bool {
        self.send(WatchNote::Delta(Delta::ResetGroup {
            context: self.context.clone(),
            rows: vec![cluster_row(&self.context, text, tone)],
        }))
    }

    async fn run(mut self) {
        let ctx = self.context.to_string();
        if self.pool.get(&ctx).is_none() && session::needs_terminal(&self.set, &ctx) {
            // Fifty login prompts at once help nobody: the row says so, and `enter` on it logs in.
            self.settled();
            self.only(format!("{NEEDS_LOGIN} (enter to log in)"), Tone::Warning);
            return;
        }
        // A cluster connected before (an earlier merged view) lists at once, its rows (on a rewatch)
        // staying until the list replaces them; a new connection says so while it is set up.
        let fresh = self.pool.get(&ctx).is_none();
        if fresh && !self.only("connecting…".to_string(), Tone::Pending) {
            return;
        }
        let mut wait = RETRY_FIRST;
        let client = loop {
            match self.pool.connect(&self.set, &ctx).await {
                Ok(c) => {
                    if fresh && !self.only("listing…".to_string(), Tone::Pending) {
                        return;
                    }
                    break c;
                }
                Err(e) => {
                    self.settled();
                    let text = format!(
                        "unreachable (again in {}s): {}",
                        wait.as_secs(),
                        crate::error::chain(&e)
                    );
                    if !self.only(text, Tone::Error) {
                        return;
                    }
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(RETRY_MAX);
                }
            }
        };
        let (itx, mut irx) = tokio::sync::mpsc::unbounded_channel();
        // Lives as long as this task: aborting the merged view drops it, and the cluster's watch ends.
        let _watch = self.inner.start(client, self.peers.clone(), itx);
        let mut listed = false;
        let mut failing = false;
        while let Some(msg) = irx.recv().await {
            let note = match msg.note {
                WatchNote::Delta(d) => {
                    if matches!(d, Delta::Reset(_) | Delta::ResetGroup { .. }) {
                        listed = true;
                        failing = false;
                        self.settled();
                    }
                    WatchNote::Delta(self.tag_delta(d))
                }
                // 410 Gone is the watcher's cue to relist, as in a single view: not a failure.
                WatchNote::Error(f) if f.code == Some(410) => continue,
                WatchNote::Error(f) => {
                    self.settled();
                    let text = failure_text(&f);
                    if !listed || f.unusable {
                        // Nothing of this cluster to keep: its row says why.
                        if !self.only(text, Tone::Error) {
                            return;
                        }
                        continue;
                    }
                    // Its rows stay (the watcher retries and relists); one row says it is failing.
                    failing = true;
                    WatchNote::Delta(Delta::Upsert(cluster_row(
                        &self.context,
                        format!("{text} (retrying; rows may be stale)"),
                        Tone::Error,
                    )))
                }
                WatchNote::Recovered if failing => {
                    failing = false;
                    WatchNote::Delta(Delta::Remove(RowKey::cluster(self.context.clone())))
                }
                WatchNote::Recovered => continue,
                WatchNote::Columns(c) => WatchNote::Columns(c),
                WatchNote::Metrics { note, .. } => WatchNote::Metrics {
                    group: Some(self.context.clone()),
                    note: self.tag_metrics(note),
                },
            };
            if !self.send(note) {
                return;
            }
        }
    }

    fn tag_row(&self, mut row: Row) -> Row {
        row.key = row.key.in_context(self.context.clone());
        if let Some(o) = &row.object {
            let mut o = (**o).clone();
            o.target.context = Some(self.context.to_string());
            row.object = Some(Arc::new(o));
        }
        row
    }

    fn tag_delta(&self, d: Delta) -> Delta {
        match d {
            Delta::Reset(rows) | Delta::ResetGroup { rows, .. } => Delta::ResetGroup {
                context: self.context.clone(),
                rows: rows.into_iter().map(|r| self.tag_row(r)).collect(),
            },
            Delta::Upsert(r) => Delta::Upsert(self.tag_row(r)),
            Delta::Remove(k) => Delta::Remove(k.in_context(self.context.clone())),
        }
    }

    fn tag_metrics(&self, note: MetricsNote) -> MetricsNote {
        match note {
            MetricsNote::Usage(samples) => MetricsNote::Usage(Arc::new(
                samples
                    .iter()
                    .map(|(k, s)| (k.clone().in_context(self.context.clone()), *s))
                    .collect(),
            )),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_selection_is_all_a_glob_or_a_list_in_kubeconfig_order() {
        let ctx = names(&["prod-eu", "dev", "prod-us", "staging"]);
        assert_eq!(select("dev", &ctx), None, "one plain name is a switch");
        assert_eq!(select("all", &ctx), Some(Ok(ctx.clone())));
        assert_eq!(
            select("prod-*", &ctx),
            Some(Ok(names(&["prod-eu", "prod-us"])))
        );
        assert_eq!(
            select("staging,prod-eu", &ctx),
            Some(Ok(names(&["prod-eu", "staging"]))),
            "kubeconfig order"
        );
        assert_eq!(
            select("prod-*,prod-eu,dev", &ctx),
            Some(Ok(names(&["prod-eu", "dev", "prod-us"]))),
            "each once"
        );
        assert_eq!(
            select("dev,nope", &ctx),
            Some(Err("no context exists with the name: \"nope\"".into()))
        );
        assert_eq!(
            select("qa-*", &ctx),
            Some(Err("no context matches \"qa-*\"".into()))
        );
        assert!(matches!(select("dev,", &ctx), Some(Err(_))));
    }
}
