//! Watch tasks: one kube-runtime watcher per open view, turning objects into rows off the UI task and
//! sending [`Delta`]s over a channel. Dropping the [`WatchHandle`] stops the watch.
//!
//! Typed kinds use kube-runtime's watcher; each object is turned into a row as it arrives and then
//! dropped, so a view of 50k pods holds 50k rows, not 50k pod objects (managedFields and secret values
//! are stripped on ingest all the same). Actions that need a whole object GET it.
//! Generic kinds are watched as server-side Tables ([`super::table_watch`]) for their printer columns. The watcher relists on its own after a 410 or a
//! dropped stream; its `Init … InitDone` sequence becomes one `Delta::Reset`, so the store resyncs
//! atomically.

use std::fmt::Debug;
use std::hash::Hash;

use futures::{Stream, StreamExt};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::{ConfigMap, Event, Namespace, Node, Pod, Secret, Service};
use kube::Resource;
use kube::api::Api;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event as WEvent};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use super::columns::{core, key_of, pods, workloads};
use super::error::RequestError;
use super::kinds::{Builtin, KindSpec};
use super::metrics::{self, MetricsNote, MetricsTarget};
use super::rows::Row;
use super::store::Delta;

/// Page size of the initial list, as kubectl's default `--chunk-size`.
pub const PAGE_SIZE: u32 = 500;

/// What a watch task reports to the UI, tagged with the view it serves.
#[derive(Debug, Clone)]
pub struct WatchMsg {
    pub view: u64,
    pub note: WatchNote,
}

#[derive(Debug, Clone)]
pub enum WatchNote {
    Delta(Delta),
    /// The stream failed and the watcher is backing off before retrying.
    Error(WatchFailure),
    /// Events flow again after an error.
    Recovered,
    /// The server's printer columns for a generic kind (sent before its first rows).
    Columns(Vec<super::rows::Column>),
    /// CPU and memory use of the rows, polled from metrics.k8s.io while the view is open; `group` is
    /// the cluster the figures are for in a merged view (None: the view's only cluster).
    Metrics {
        group: Option<std::sync::Arc<str>>,
        note: MetricsNote,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchFailure {
    /// HTTP status when the server answered (403, 410, 500 …); None for transport errors.
    pub code: Option<u16>,
    pub message: String,
    /// The server answered, but with a body kdeck cannot read: retrying would get the same answer, so
    /// the watch stops and the view shows the error instead of reconnecting forever.
    pub unusable: bool,
}

/// What to watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchTarget {
    pub kind: KindSpec,
    /// None = all namespaces (or a cluster-scoped kind).
    pub namespace: Option<String>,
    pub labels: Option<String>,
    pub fields: Option<String>,
}

/// A running watch; dropping it aborts the task (and closes the HTTP stream).
#[derive(Debug)]
pub struct WatchHandle {
    task: JoinHandle<()>,
    /// The metrics poll of a view that shows usage: it lives exactly as long as the watch.
    metrics: Option<JoinHandle<()>>,
}

impl Drop for WatchHandle {
    fn drop(&mut self) {
        self.task.abort();
        if let Some(m) = &self.metrics {
            m.abort();
        }
    }
}

impl WatchHandle {
    /// A handle on a watch task of another module (the xray's).
    pub(crate) fn new(task: JoinHandle<()>) -> Self {
        WatchHandle {
            task,
            metrics: None,
        }
    }
}

/// Starts polling `target`'s usage for view `view`; with `listed`, only once the view's first list is
/// in (the list is what the user waits for; a big metrics answer must not compete with it).
fn spawn_metrics(
    client: kube::Client,
    target: MetricsTarget,
    view: u64,
    tx: UnboundedSender<WatchMsg>,
    listed: Option<tokio::sync::oneshot::Receiver<()>>,
    peers: Peers,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        if let Some(l) = listed {
            // A watch that ends before listing drops the sender: then there is nothing to show.
            if l.await.is_err() {
                return;
            }
        }
        if let Some(mut all) = peers.all_listed
            && all.wait_for(|listed| *listed).await.is_err()
        {
            return;
        }
        metrics::poll(client, target, peers.clusters, move |note| {
            tx.send(WatchMsg {
                view,
                note: WatchNote::Metrics { group: None, note },
            })
            .is_ok()
        })
        .await;
    })
}

pub(crate) fn failure(e: &watcher::Error) -> WatchFailure {
    match e {
        watcher::Error::InitialListFailed(kube::Error::Api(s))
        | watcher::Error::WatchStartFailed(kube::Error::Api(s))
        | watcher::Error::WatchFailed(kube::Error::Api(s))
        | watcher::Error::WatchError(s) => WatchFailure {
            code: Some(s.code),
            message: s.message.clone(),
            unusable: false,
        },
        watcher::Error::InitialListFailed(e)
        | watcher::Error::WatchStartFailed(e)
        | watcher::Error::WatchFailed(e) => WatchFailure {
            code: None,
            message: crate::error::chain(e),
            unusable: matches!(e, kube::Error::SerdeError(_)),
        },
        other => WatchFailure {
            code: None,
            message: crate::error::chain(other),
            unusable: false,
        },
    }
}

impl From<RequestError> for WatchFailure {
    fn from(e: RequestError) -> Self {
        match e {
            RequestError::Refused(s) => WatchFailure {
                code: Some(s.code),
                message: s.message,
                unusable: false,
            },
            other => WatchFailure {
                code: None,
                unusable: other.is_undecodable(),
                message: other.to_string(),
            },
        }
    }
}

/// Forwards a watcher stream to the UI as deltas, buffering a relist until it is complete.
async fn pump<K, S>(
    stream: S,
    to_row: fn(&K) -> Row,
    view: u64,
    tx: UnboundedSender<WatchMsg>,
    mut listed: Option<tokio::sync::oneshot::Sender<()>>,
) where
    S: Stream<Item = Result<WEvent<K>, watcher::Error>>,
    K: Resource,
{
    futures::pin_mut!(stream);
    let mut init: Option<Vec<Row>> = None;
    let mut failing = false;
    let send = |note| tx.send(WatchMsg { view, note }).is_ok();
    while let Some(ev) = stream.next().await {
        let note = match ev {
            Err(e) => {
                failing = true;
                let f = failure(&e);
                if f.unusable {
                    // The same request would get the same answer: report it once and stop.
                    send(WatchNote::Error(f));
                    return;
                }
                WatchNote::Error(f)
            }
            Ok(ev) => {
                if failing {
                    failing = false;
                    if !send(WatchNote::Recovered) {
                        return;
                    }
                }
                match ev {
                    WEvent::Init => {
                        init = Some(Vec::new());
                        continue;
                    }
                    WEvent::InitApply(o) => {
                        init.get_or_insert_with(Vec::new).push(to_row(&o));
                        continue;
                    }
                    WEvent::InitDone => {
                        if let Some(l) = listed.take() {
                            let _ = l.send(());
                        }
                        WatchNote::Delta(Delta::Reset(init.take().unwrap_or_default()))
                    }
                    WEvent::Apply(o) => WatchNote::Delta(Delta::Upsert(to_row(&o))),
                    WEvent::Delete(o) => WatchNote::Delta(Delta::Remove(key_of(o.meta()))),
                }
            }
        };
        if !send(note) {
            return;
        }
    }
}

fn config(t: &WatchTarget) -> watcher::Config {
    let mut c = watcher::Config::default().page_size(PAGE_SIZE);
    if let Some(l) = &t.labels {
        c = c.labels(l);
    }
    if let Some(f) = &t.fields {
        c = c.fields(f);
    }
    c
}

fn api<K>(client: kube::Client, t: &WatchTarget) -> Api<K>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    K::DynamicType: Default,
{
    match &t.namespace {
        Some(ns) => Api::namespaced(client, ns),
        None => Api::all(client),
    }
}

fn typed<K>(
    api: Api<K>,
    t: &WatchTarget,
    to_row: fn(&K) -> Row,
    strip: fn(&mut K),
    view: u64,
    tx: UnboundedSender<WatchMsg>,
    listed: Option<tokio::sync::oneshot::Sender<()>>,
) -> JoinHandle<()>
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    K::DynamicType: Default + Eq + Hash + Clone,
{
    let stream = watcher::watcher(api, config(t))
        .default_backoff()
        .modify(move |o: &mut K| {
            o.meta_mut().managed_fields = None;
            strip(o);
        });
    tokio::spawn(pump(stream, to_row, view, tx, listed))
}

fn keep<K>(_: &mut K) {}

/// Watches one pod and reports its containers as rows (the containers view). Every change of the pod
/// resends the whole (short) list; the pod going away empties it.
pub fn spawn_containers(
    client: kube::Client,
    namespace: &str,
    pod: &str,
    view: u64,
    tx: UnboundedSender<WatchMsg>,
) -> WatchHandle {
    let metrics = spawn_metrics(
        client.clone(),
        MetricsTarget::Containers {
            namespace: namespace.to_string(),
            pod: pod.to_string(),
        },
        view,
        tx.clone(),
        None,
        Peers::default(),
    );
    let api: Api<Pod> = Api::namespaced(client, namespace);
    let cfg = watcher::Config::default().fields(&format!("metadata.name={pod}"));
    let stream = watcher::watcher(api, cfg).default_backoff();
    let task = tokio::spawn(async move {
        futures::pin_mut!(stream);
        let mut latest: Vec<Row> = Vec::new();
        let mut failing = false;
        let send = |note| tx.send(WatchMsg { view, note }).is_ok();
        let rows = |p: &Pod| {
            serde_json::to_value(p)
                .map(|v| super::columns::containers::rows(&v))
                .unwrap_or_default()
        };
        while let Some(ev) = stream.next().await {
            let note = match ev {
                Err(e) => {
                    failing = true;
                    WatchNote::Error(failure(&e))
                }
                Ok(ev) => {
                    if std::mem::take(&mut failing) && !send(WatchNote::Recovered) {
                        return;
                    }
                    match ev {
                        WEvent::Init => {
                            latest.clear();
                            continue;
                        }
                        WEvent::InitApply(p) => {
                            latest = rows(&p);
                            continue;
                        }
                        WEvent::InitDone => WatchNote::Delta(Delta::Reset(latest.clone())),
                        WEvent::Apply(p) => WatchNote::Delta(Delta::Reset(rows(&p))),
                        WEvent::Delete(_) => WatchNote::Delta(Delta::Reset(Vec::new())),
                    }
                }
            };
            if !send(note) {
                return;
            }
        }
    });
    WatchHandle {
        task,
        metrics: Some(metrics),
    }
}

/// Starts watching `target` for view `view`. Must be called inside a tokio runtime.
pub fn spawn(
    client: kube::Client,
    target: &WatchTarget,
    view: u64,
    tx: UnboundedSender<WatchMsg>,
) -> WatchHandle {
    spawn_in(client, target, view, tx, Peers::default())
}

/// The other clusters feeding the same view, for a watch's usage poll.
#[derive(Debug, Clone)]
pub struct Peers {
    /// How many clusters feed the view (their polls are spaced for the size of the whole view).
    pub clusters: usize,
    /// Turns true once every cluster has listed (or failed to): the polls wait for it, so no cluster's
    /// usage competes with another's first list.
    pub all_listed: Option<tokio::sync::watch::Receiver<bool>>,
}

impl Default for Peers {
    fn default() -> Self {
        Peers {
            clusters: 1,
            all_listed: None,
        }
    }
}

/// [`spawn`] for one of the clusters of a merged view.
pub fn spawn_in(
    client: kube::Client,
    target: &WatchTarget,
    view: u64,
    tx: UnboundedSender<WatchMsg>,
    peers: Peers,
) -> WatchHandle {
    let t = target;
    let usage = match t.kind.builtin {
        Some(Builtin::Pods) => Some(MetricsTarget::Pods {
            namespace: t.namespace.clone(),
            labels: t.labels.clone(),
        }),
        Some(Builtin::Nodes) => Some(MetricsTarget::Nodes {
            labels: t.labels.clone(),
        }),
        _ => None,
    };
    let (listed_tx, listed_rx) = tokio::sync::oneshot::channel();
    let mut listed = Some(listed_tx);
    let metrics =
        usage.map(|u| spawn_metrics(client.clone(), u, view, tx.clone(), Some(listed_rx), peers));
    let task = match t.kind.builtin {
        Some(Builtin::Pods) => {
            typed::<Pod>(api(client, t), t, pods::row, keep, view, tx, listed.take())
        }
        Some(Builtin::Deployments) => typed::<Deployment>(
            api(client, t),
            t,
            workloads::deployment_row,
            keep,
            view,
            tx,
            listed.take(),
        ),
        Some(Builtin::StatefulSets) => typed::<StatefulSet>(
            api(client, t),
            t,
            workloads::statefulset_row,
            keep,
            view,
            tx,
            listed.take(),
        ),
        Some(Builtin::DaemonSets) => typed::<DaemonSet>(
            api(client, t),
            t,
            workloads::daemonset_row,
            keep,
            view,
            tx,
            listed.take(),
        ),
        Some(Builtin::ReplicaSets) => typed::<ReplicaSet>(
            api(client, t),
            t,
            workloads::replicaset_row,
            keep,
            view,
            tx,
            listed.take(),
        ),
        Some(Builtin::Services) => typed::<Service>(
            api(client, t),
            t,
            core::service_row,
            keep,
            view,
            tx,
            listed.take(),
        ),
        Some(Builtin::ConfigMaps) => typed::<ConfigMap>(
            api(client, t),
            t,
            core::configmap_row,
            keep,
            view,
            tx,
            listed.take(),
        ),
        Some(Builtin::Secrets) => typed::<Secret>(
            api(client, t),
            t,
            core::secret_row,
            core::strip_secret_values,
            view,
            tx,
            listed.take(),
        ),
        Some(Builtin::Events) => typed::<Event>(
            api(client, t),
            t,
            core::event_row,
            keep,
            view,
            tx,
            listed.take(),
        ),
        Some(Builtin::Nodes) => typed::<Node>(
            Api::all(client),
            t,
            core::node_row,
            keep,
            view,
            tx,
            listed.take(),
        ),
        Some(Builtin::Namespaces) => typed::<Namespace>(
            Api::all(client),
            t,
            core::namespace_row,
            keep,
            view,
            tx,
            listed.take(),
        ),
        None => super::table_watch::spawn(client, t, view, tx),
    };
    WatchHandle { task, metrics }
}
