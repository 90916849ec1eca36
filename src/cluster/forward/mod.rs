//! Port-forwards run natively through kube-rs (`pods/portforward` over WebSocket): one local listener per
//! forward, one forwarded stream per accepted connection, with traffic counters.
//!
//! Owns: resolving a target (a pod, a Service through its selector and targetPort, a workload through its
//! selector) to a ready pod and port ([`resolve`]), the listener and byte pumps ([`tunnel`]), and
//! following the pod so a Service or workload forward moves to another ready pod when its pod goes away
//! ([`follow`]). Whether a forward may be opened at all is [`crate::safety`]'s call, made by the caller.
//! It never draws anything: the `:pf` view reads [`ForwardManager::list`].

mod follow;
pub mod resolve;
mod tunnel;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::{Api, DynamicObject};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::cluster::error::RequestError;

pub use resolve::{PortChoice, PortRef, ResolveError, forwardable_ports};

/// What a forward points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardTarget {
    Pod {
        namespace: String,
        name: String,
    },
    Service {
        namespace: String,
        name: String,
    },
    /// A Deployment, StatefulSet, ReplicaSet or DaemonSet: any ready pod of it.
    Workload {
        kind: String,
        namespace: String,
        name: String,
    },
}

impl ForwardTarget {
    pub fn namespace(&self) -> &str {
        match self {
            ForwardTarget::Pod { namespace, .. }
            | ForwardTarget::Service { namespace, .. }
            | ForwardTarget::Workload { namespace, .. } => namespace,
        }
    }
}

impl std::fmt::Display for ForwardTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ForwardTarget::Pod { namespace, name } => write!(f, "pod/{name} -n {namespace}"),
            ForwardTarget::Service { namespace, name } => write!(f, "svc/{name} -n {namespace}"),
            ForwardTarget::Workload {
                kind,
                namespace,
                name,
            } => write!(f, "{}/{name} -n {namespace}", kind.to_lowercase()),
        }
    }
}

/// What the user asked for: target, remote port (a number or a name), local address and port (0 picks a
/// free one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardSpec {
    pub target: ForwardTarget,
    pub port: PortRef,
    pub local_addr: IpAddr,
    pub local_port: u16,
}

impl ForwardSpec {
    pub fn new(target: ForwardTarget, port: PortRef, local_port: u16) -> Self {
        ForwardSpec {
            target,
            port,
            local_addr: IpAddr::V4(Ipv4Addr::LOCALHOST),
            local_port,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardState {
    /// Connections go to `pod`.
    Active,
    /// The pod went away and no other ready pod exists yet; new connections wait for one.
    Waiting(String),
    /// A pod target was deleted; there is nothing to move to.
    PodGone,
    Stopped,
}

/// A snapshot of one forward for the `:pf` view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardInfo {
    pub id: u64,
    pub spec: ForwardSpec,
    pub local: SocketAddr,
    pub pod: Option<String>,
    pub pod_port: Option<u16>,
    pub state: ForwardState,
    /// Bytes from the pod to local clients.
    pub bytes_in: u64,
    /// Bytes from local clients to the pod.
    pub bytes_out: u64,
    pub connections: u64,
    pub active_connections: u64,
    /// How many times the forward moved to another pod, and how long the last move took from noticing
    /// the loss to having a ready pod.
    pub reresolves: u64,
    pub last_reresolve: Option<Duration>,
    pub last_error: Option<String>,
    /// The context it forwards into, when that is not the connected one.
    pub context: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    #[error(
        "local port {addr} is already in use ({source}); choose another port, or 0 for any free one"
    )]
    LocalPortInUse {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(
        "cannot listen on {addr}: {source}; ports below 1024 need root or CAP_NET_BIND_SERVICE, choose a port above 1023"
    )]
    LocalPortDenied {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    #[error(
        "cannot forward to {kind}: only pods, services and deployments/statefulsets/replicasets/daemonsets"
    )]
    UnsupportedKind { kind: String },
    #[error("pod {pod} is not running (phase {phase})")]
    PodNotRunning { pod: String, phase: String },
    /// The server refused (its Status, verbatim) or could not be asked.
    #[error("{what}: {source}")]
    Request { what: String, source: RequestError },
    #[error("port-forward stopped while starting")]
    StoppedWhileStarting,
}

impl ForwardError {
    fn from_kube(what: String, e: kube::Error) -> Self {
        ForwardError::Request {
            what,
            source: RequestError::from(e),
        }
    }
}

/// Where new connections go right now.
#[derive(Debug, Clone, Default)]
pub(crate) struct Route {
    pod: Option<String>,
    port: Option<u16>,
}

#[derive(Debug)]
pub(crate) struct Shared {
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    connections: AtomicU64,
    active: AtomicU64,
    reresolves: AtomicU64,
    route: Mutex<Route>,
    state: Mutex<ForwardState>,
    last_reresolve: Mutex<Option<Duration>>,
    last_error: Mutex<Option<String>>,
    route_changed: tokio::sync::Notify,
}

impl Shared {
    fn set_route(&self, pod: Option<String>, port: Option<u16>, state: ForwardState) {
        *lock(&self.route) = Route { pod, port };
        *lock(&self.state) = state;
        self.route_changed.notify_waiters();
    }

    fn set_error(&self, e: String) {
        *lock(&self.last_error) = Some(e);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

struct Forward {
    spec: ForwardSpec,
    local: SocketAddr,
    shared: Arc<Shared>,
    cancel: CancellationToken,
}

/// Forward ids, unique across every manager (the `:pf` page lists the forwards of several contexts).
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The running forwards of one client (one context). Dropping it stops them all.
pub struct ForwardManager {
    client: kube::Client,
    /// The context, when it is not the connected one (forwards from a merged view's rows).
    context: Option<String>,
    forwards: Mutex<BTreeMap<u64, Forward>>,
}

/// The pods a forward may use: the target pod itself, or the pods of a selector.
#[derive(Debug, Clone)]
pub(crate) enum Candidates {
    One(String),
    Selector { what: String, selector: String },
}

impl ForwardManager {
    pub fn new(client: kube::Client) -> Self {
        ForwardManager {
            client,
            context: None,
            forwards: Mutex::new(BTreeMap::new()),
        }
    }

    /// A manager for the forwards into `context`, which is not the connected one.
    pub fn in_context(client: kube::Client, context: &str) -> Self {
        ForwardManager {
            client,
            context: Some(context.to_string()),
            forwards: Mutex::new(BTreeMap::new()),
        }
    }

    /// Resolves the target, binds the local port and starts forwarding. Needs a tokio runtime.
    pub async fn start(&self, spec: ForwardSpec) -> Result<ForwardInfo, ForwardError> {
        let ns = spec.target.namespace().to_string();
        let pods: Api<Pod> = Api::namespaced(self.client.clone(), &ns);
        let (candidates, pod_port_ref) = self.plan(&spec).await?;
        let first = match &candidates {
            Candidates::One(name) => {
                let pod = pods
                    .get(name)
                    .await
                    .map_err(|e| ForwardError::from_kube(format!("pod {ns}/{name}"), e))?;
                let phase = pod
                    .status
                    .as_ref()
                    .and_then(|s| s.phase.clone())
                    .unwrap_or_default();
                if phase != "Running" {
                    return Err(ForwardError::PodNotRunning {
                        pod: name.clone(),
                        phase,
                    });
                }
                to_json(&pod)
            }
            Candidates::Selector { what, selector } => {
                let list = pods
                    .list(&kube::api::ListParams::default().labels(selector))
                    .await
                    .map_err(|e| ForwardError::from_kube(what.clone(), e))?;
                let values: Vec<Value> = list.items.iter().map(to_json).collect();
                resolve::pick_ready_pod(&values, None)
                    .cloned()
                    .ok_or_else(|| ResolveError::NoReadyPod {
                        what: what.clone(),
                        selector: selector.clone(),
                    })?
            }
        };
        let port = resolve::pod_port(&first, &pod_port_ref)?;
        let pod_name = resolve::name_of(&first);

        let addr = SocketAddr::new(spec.local_addr, spec.local_port);
        let listener = tunnel::bind(addr).await?;
        let local = listener
            .local_addr()
            .map_err(|source| ForwardError::Bind { addr, source })?;

        let shared = Arc::new(Shared {
            bytes_in: AtomicU64::new(0),
            bytes_out: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            active: AtomicU64::new(0),
            reresolves: AtomicU64::new(0),
            route: Mutex::new(Route {
                pod: Some(pod_name),
                port: Some(port),
            }),
            state: Mutex::new(ForwardState::Active),
            last_reresolve: Mutex::new(None),
            last_error: Mutex::new(None),
            route_changed: tokio::sync::Notify::new(),
        });
        let cancel = CancellationToken::new();
        tokio::spawn(tunnel::accept_loop(
            listener,
            pods.clone(),
            shared.clone(),
            cancel.clone(),
        ));
        tokio::spawn(follow::follow(
            pods,
            candidates,
            pod_port_ref,
            shared.clone(),
            cancel.clone(),
        ));
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        lock(&self.forwards).insert(
            id,
            Forward {
                spec,
                local,
                shared,
                cancel,
            },
        );
        self.info(id).ok_or(ForwardError::StoppedWhileStarting)
    }

    /// Which pods may serve the forward, and the port to ask each of them for.
    async fn plan(&self, spec: &ForwardSpec) -> Result<(Candidates, PortRef), ForwardError> {
        let ns = spec.target.namespace();
        match &spec.target {
            ForwardTarget::Pod { name, .. } => {
                Ok((Candidates::One(name.clone()), spec.port.clone()))
            }
            ForwardTarget::Service { name, .. } => {
                let api: Api<Service> = Api::namespaced(self.client.clone(), ns);
                let what = format!("service {ns}/{name}");
                let svc = api
                    .get(name)
                    .await
                    .map_err(|e| ForwardError::from_kube(what.clone(), e))?;
                let svc = to_json(&svc);
                let target_port = resolve::service_target(&svc, &spec.port)?;
                let selector = crate::cluster::selector::selector_query("Service", &svc)
                    .ok_or_else(|| ResolveError::NoSelector { what: what.clone() })?;
                Ok((Candidates::Selector { what, selector }, target_port))
            }
            ForwardTarget::Workload { kind, name, .. } => {
                let known = crate::cluster::known_kinds::known_kind(kind)
                    .filter(|k| {
                        matches!(
                            k.kind,
                            "Deployment" | "StatefulSet" | "ReplicaSet" | "DaemonSet"
                        )
                    })
                    .ok_or_else(|| ForwardError::UnsupportedKind { kind: kind.clone() })?;
                let api: Api<DynamicObject> =
                    Api::namespaced_with(self.client.clone(), ns, &known.api_resource());
                let what = format!("{} {ns}/{name}", known.kind.to_lowercase());
                let obj = api
                    .get(name)
                    .await
                    .map_err(|e| ForwardError::from_kube(what.clone(), e))?;
                let obj = to_json(&obj);
                let selector = crate::cluster::selector::selector_query(known.kind, &obj)
                    .ok_or_else(|| ResolveError::NoSelector { what: what.clone() })?;
                Ok((Candidates::Selector { what, selector }, spec.port.clone()))
            }
        }
    }

    pub fn info(&self, id: u64) -> Option<ForwardInfo> {
        lock(&self.forwards)
            .get(&id)
            .map(|f| snapshot(id, f, self.context.clone()))
    }

    /// Every running forward, by id.
    pub fn list(&self) -> Vec<ForwardInfo> {
        lock(&self.forwards)
            .iter()
            .map(|(id, f)| snapshot(*id, f, self.context.clone()))
            .collect()
    }

    /// Stops one forward: its listener closes and its open connections end. `false` if unknown.
    pub fn stop(&self, id: u64) -> bool {
        match lock(&self.forwards).remove(&id) {
            Some(f) => {
                f.cancel.cancel();
                true
            }
            None => false,
        }
    }

    /// Stops every forward (on quit).
    pub fn stop_all(&self) {
        let all = std::mem::take(&mut *lock(&self.forwards));
        for f in all.into_values() {
            f.cancel.cancel();
        }
    }
}

impl Drop for ForwardManager {
    fn drop(&mut self) {
        self.stop_all();
    }
}

fn snapshot(id: u64, f: &Forward, context: Option<String>) -> ForwardInfo {
    let s = &f.shared;
    let route = lock(&s.route).clone();
    ForwardInfo {
        id,
        spec: f.spec.clone(),
        local: f.local,
        pod: route.pod,
        pod_port: route.port,
        state: if f.cancel.is_cancelled() {
            ForwardState::Stopped
        } else {
            lock(&s.state).clone()
        },
        bytes_in: s.bytes_in.load(Ordering::Relaxed),
        bytes_out: s.bytes_out.load(Ordering::Relaxed),
        connections: s.connections.load(Ordering::Relaxed),
        active_connections: s.active.load(Ordering::Relaxed),
        reresolves: s.reresolves.load(Ordering::Relaxed),
        last_reresolve: *lock(&s.last_reresolve),
        last_error: lock(&s.last_error).clone(),
        context,
    }
}

pub(crate) fn to_json<T: serde::Serialize>(obj: &T) -> Value {
    serde_json::to_value(obj).unwrap_or(Value::Null)
}
