//! `:xray KIND [NS]`: a live tree of a kind's objects and what they own and use.
//!
//! One task per open xray view watches every kind the tree needs (kube-runtime watchers into
//! reflector stores), and after each burst of changes rebuilds the whole tree ([`tree::build`]) and
//! sends it as one `Delta::Reset`: the rows' keys are tree paths, so the cursor stays on its node.
//! The kinds the tree is made of must list (a refusal shows in the view like any watch's); the ones it
//! only points at (ConfigMaps, Secrets, ServiceAccounts, PVCs) may be refused, and then their nodes
//! read as unchecked instead of missing. Secrets and the other referenced kinds are watched as
//! metadata only, so no secret value is ever read.

mod refs;
pub mod tree;

use std::collections::HashSet;
use std::fmt::Debug;
use std::hash::Hash;
use std::time::Duration;

use futures::stream::BoxStream;
use futures::{Stream, StreamExt};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    ConfigMap, PersistentVolumeClaim, Pod, Secret, Service, ServiceAccount,
};
use kube::api::{Api, PartialObjectMeta};
use kube::runtime::WatchStreamExt;
use kube::runtime::reflector::{self, Store};
use kube::runtime::watcher::{self, Event};
use kube::{Resource, ResourceExt};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc::UnboundedSender;

use super::store::Delta;
use super::watch::{WatchFailure, WatchHandle, WatchMsg, WatchNote};
pub use tree::Root;

/// How long after a change the tree waits for more before it is rebuilt.
const SETTLE: Duration = Duration::from_millis(200);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Source {
    Deployments,
    StatefulSets,
    DaemonSets,
    ReplicaSets,
    Jobs,
    CronJobs,
    Pods,
    Services,
    ConfigMaps,
    Secrets,
    ServiceAccounts,
    Claims,
}

impl Source {
    /// The kinds the tree of `root` is made of (they must list before anything is shown).
    fn essential(root: Root) -> &'static [Source] {
        use Source::*;
        match root {
            Root::Deployments => &[Deployments, ReplicaSets, Pods, Services],
            Root::StatefulSets => &[StatefulSets, Pods, Services],
            Root::DaemonSets => &[DaemonSets, Pods, Services],
            Root::ReplicaSets => &[ReplicaSets, Pods],
            Root::Jobs => &[Jobs, Pods],
            Root::CronJobs => &[CronJobs, Jobs, Pods],
            Root::Pods => &[Pods],
            Root::Services => &[Services, Pods],
        }
    }
}

const REFERENCED: [Source; 4] = [
    Source::ConfigMaps,
    Source::Secrets,
    Source::ServiceAccounts,
    Source::Claims,
];

enum Change {
    Ready(Source),
    Changed(Source),
    Failed(Source, WatchFailure),
}

fn api<K>(client: &kube::Client, ns: Option<&str>) -> Api<K>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    K::DynamicType: Default,
{
    match ns {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

/// Turns one kind's watch into store updates and [`Change`]s. A referenced kind the user may not
/// list stops quietly (its nodes read as unchecked); anything else is reported and retried.
fn feed<K, S>(
    stream: S,
    writer: reflector::store::Writer<K>,
    source: Source,
    essential: bool,
) -> BoxStream<'static, Change>
where
    K: Resource + Clone + Debug + Send + Sync + 'static,
    K::DynamicType: Eq + Hash + Clone + Default,
    S: Stream<Item = watcher::Result<Event<K>>> + Send + 'static,
{
    stream
        .default_backoff()
        .modify(|o: &mut K| o.meta_mut().managed_fields = None)
        .reflect(writer)
        .filter_map(move |r| {
            futures::future::ready(match r {
                Ok(Event::InitDone) => Some(Change::Ready(source)),
                Ok(Event::Init | Event::InitApply(_)) => None,
                Ok(Event::Apply(_) | Event::Delete(_)) => Some(Change::Changed(source)),
                Err(e) => Some(Change::Failed(source, super::watch::failure(&e))),
            })
        })
        .take_while(move |c| {
            let refused = matches!(c, Change::Failed(_, f) if f.code == Some(403));
            futures::future::ready(essential || !refused)
        })
        .boxed()
}

fn typed<K>(
    client: &kube::Client,
    ns: Option<&str>,
    source: Source,
    essential: bool,
) -> (Store<K>, BoxStream<'static, Change>)
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + Debug
        + DeserializeOwned
        + Send
        + Sync
        + 'static,
    K::DynamicType: Eq + Hash + Clone + Default,
{
    let (store, writer) = reflector::store();
    let stream = watcher::watcher(api::<K>(client, ns), watcher::Config::default());
    (store, feed(stream, writer, source, essential))
}

/// The stores of one xray.
struct Stores {
    deployments: Store<Deployment>,
    statefulsets: Store<StatefulSet>,
    daemonsets: Store<DaemonSet>,
    replicasets: Store<ReplicaSet>,
    jobs: Store<Job>,
    cronjobs: Store<CronJob>,
    pods: Store<Pod>,
    services: Store<Service>,
    configmaps: Store<PartialObjectMeta<ConfigMap>>,
    secrets: Store<PartialObjectMeta<Secret>>,
    serviceaccounts: Store<PartialObjectMeta<ServiceAccount>>,
    claims: Store<PersistentVolumeClaim>,
}

impl Stores {
    fn objects(&self, ready: &HashSet<Source>) -> tree::Objects {
        fn names<K>(s: &Store<K>, on: bool) -> tree::Names
        where
            K: Resource + Clone,
            K::DynamicType: Eq + Hash + Clone,
        {
            on.then(|| {
                s.state()
                    .iter()
                    .map(|o| (o.namespace().unwrap_or_default(), o.name_any()))
                    .collect()
            })
        }
        tree::Objects {
            deployments: self.deployments.state(),
            statefulsets: self.statefulsets.state(),
            daemonsets: self.daemonsets.state(),
            replicasets: self.replicasets.state(),
            jobs: self.jobs.state(),
            cronjobs: self.cronjobs.state(),
            pods: self.pods.state(),
            services: self.services.state(),
            configmaps: names(&self.configmaps, ready.contains(&Source::ConfigMaps)),
            secrets: names(&self.secrets, ready.contains(&Source::Secrets)),
            serviceaccounts: names(
                &self.serviceaccounts,
                ready.contains(&Source::ServiceAccounts),
            ),
            pvcs: ready.contains(&Source::Claims).then(|| {
                self.claims
                    .state()
                    .iter()
                    .map(|c| refs::pvc_phase(c))
                    .collect()
            }),
        }
    }
}

/// Starts the xray of `root` in `namespace` (None: all) for view `view`.
pub fn spawn(
    client: kube::Client,
    root: Root,
    namespace: Option<String>,
    view: u64,
    tx: UnboundedSender<WatchMsg>,
) -> WatchHandle {
    WatchHandle::new(tokio::spawn(run(client, root, namespace, view, tx)))
}

async fn run(
    client: kube::Client,
    root: Root,
    namespace: Option<String>,
    view: u64,
    tx: UnboundedSender<WatchMsg>,
) {
    let ns = namespace.as_deref();
    let essential: HashSet<Source> = Source::essential(root).iter().copied().collect();
    let mut streams: Vec<BoxStream<'static, Change>> = Vec::new();
    // Kinds the tree does not use are not watched: their stores stay empty.
    let mut watch = |s: Source, stream: BoxStream<'static, Change>| {
        if essential.contains(&s) || REFERENCED.contains(&s) {
            streams.push(stream);
        }
    };
    let e = |s: Source| essential.contains(&s);
    macro_rules! typed_source {
        ($k:ty, $s:expr) => {{
            let (store, stream) = typed::<$k>(&client, ns, $s, e($s));
            watch($s, stream);
            store
        }};
    }
    let deployments = typed_source!(Deployment, Source::Deployments);
    let statefulsets = typed_source!(StatefulSet, Source::StatefulSets);
    let daemonsets = typed_source!(DaemonSet, Source::DaemonSets);
    let replicasets = typed_source!(ReplicaSet, Source::ReplicaSets);
    let jobs = typed_source!(Job, Source::Jobs);
    let cronjobs = typed_source!(CronJob, Source::CronJobs);
    let pods = typed_source!(Pod, Source::Pods);
    let services = typed_source!(Service, Source::Services);
    let claims = typed_source!(PersistentVolumeClaim, Source::Claims);
    // Metadata only (an `Api` of `PartialObjectMeta` asks for nothing else): no secret value is read.
    let configmaps = typed_source!(PartialObjectMeta<ConfigMap>, Source::ConfigMaps);
    let secrets = typed_source!(PartialObjectMeta<Secret>, Source::Secrets);
    let serviceaccounts = typed_source!(PartialObjectMeta<ServiceAccount>, Source::ServiceAccounts);
    let stores = Stores {
        deployments,
        statefulsets,
        daemonsets,
        replicasets,
        jobs,
        cronjobs,
        pods,
        services,
        configmaps,
        secrets,
        serviceaccounts,
        claims,
    };

    let send = |note| tx.send(WatchMsg { view, note }).is_ok();
    let mut changes = futures::stream::select_all(streams);
    let mut ready: HashSet<Source> = HashSet::new();
    let mut failing: HashSet<Source> = HashSet::new();
    let mut due: Option<tokio::time::Instant> = None;
    loop {
        let next = match due {
            Some(at) if essential.is_subset(&ready) => {
                match tokio::time::timeout_at(at, changes.next()).await {
                    Ok(c) => c,
                    Err(_) => {
                        due = None;
                        let rows = tree::build(root, &stores.objects(&ready), ns.is_none());
                        if !send(WatchNote::Delta(Delta::Reset(rows))) {
                            return;
                        }
                        continue;
                    }
                }
            }
            _ => changes.next().await,
        };
        let Some(change) = next else {
            return;
        };
        let source = match change {
            Change::Ready(s) => {
                ready.insert(s);
                s
            }
            Change::Changed(s) => s,
            Change::Failed(s, f) => {
                // A referenced kind that fails keeps its last names; only the tree's own kinds
                // put the view in error.
                if essential.contains(&s) {
                    failing.insert(s);
                    if !send(WatchNote::Error(f)) {
                        return;
                    }
                }
                continue;
            }
        };
        if failing.remove(&source) && failing.is_empty() && !send(WatchNote::Recovered) {
            return;
        }
        due.get_or_insert_with(|| tokio::time::Instant::now() + SETTLE);
    }
}
