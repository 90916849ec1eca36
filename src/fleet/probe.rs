//! One cluster's health, as the fleet table shows it: reachability and API latency, server version and
//! kubectl skew, nodes ready/total, pods not ready and crashlooping, warning events of the last 15
//! minutes, CPU/MEM use from metrics.k8s.io, and whether the credential works.
//!
//! Every request has its own deadline, so a hung or dead server costs only its own row.

use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Event, Node, Pod};
use kube::api::{Api, ListParams};
use serde::Serialize;

use crate::cluster::metrics;
use crate::kubeconfig::KubeconfigSet;

/// How long one request may take before the cluster counts as unreachable.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const WARNING_WINDOW_SECS: i64 = 15 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Ok,
    Unreachable,
    Unauthorized,
    Forbidden,
    /// An interactive login plugin must run first: not probed, so fifty clusters do not prompt at once.
    NeedsLogin,
    Error,
}

impl State {
    pub fn label(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::Unreachable => "unreachable",
            State::Unauthorized => "unauthorized",
            State::Forbidden => "forbidden",
            State::NeedsLogin => "needs login",
            State::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    pub context: String,
    pub state: State,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub latency_ms: Option<u64>,
    pub version: Option<String>,
    /// kubectl's skew against this server, when it is outside the supported ±1 minor.
    pub skew: Option<String>,
    pub nodes_ready: Option<u32>,
    pub nodes_total: Option<u32>,
    pub pods_not_ready: Option<u32>,
    pub crashlooping: Option<u32>,
    pub warnings: Option<u32>,
    pub cpu_percent: Option<u32>,
    pub mem_percent: Option<u32>,
    pub credentials: &'static str,
    pub readonly: bool,
    pub guarded: bool,
    /// How long this row took, from the start of its probe to its last answer.
    pub probe_ms: u64,
}

impl Health {
    fn new(context: &str, state: State) -> Self {
        Health {
            context: context.to_string(),
            state,
            error: None,
            latency_ms: None,
            version: None,
            skew: None,
            nodes_ready: None,
            nodes_total: None,
            pods_not_ready: None,
            crashlooping: None,
            warnings: None,
            cpu_percent: None,
            mem_percent: None,
            credentials: "valid",
            readonly: false,
            guarded: false,
            probe_ms: 0,
        }
    }

    /// Unreachable, refused, nodes not ready, pods not ready or crashlooping.
    pub fn healthy(&self) -> bool {
        self.state == State::Ok
            && self.nodes_ready == self.nodes_total
            && self.pods_not_ready.unwrap_or(0) == 0
            && self.crashlooping.unwrap_or(0) == 0
    }
}

/// What a failed request says about the cluster.
fn classify(e: &kube::Error) -> (State, &'static str) {
    match e {
        kube::Error::Api(s) if s.code == 401 => (State::Unauthorized, "invalid"),
        kube::Error::Api(s) if s.code == 403 => (State::Forbidden, "valid"),
        kube::Error::Api(_) => (State::Error, "valid"),
        kube::Error::Auth(_) => (State::Unauthorized, "invalid"),
        _ => (State::Unreachable, "unknown"),
    }
}

async fn timed<T>(
    f: impl std::future::Future<Output = Result<T, kube::Error>>,
) -> Result<T, (State, &'static str, String)> {
    match tokio::time::timeout(REQUEST_TIMEOUT, f).await {
        Err(_) => Err((
            State::Unreachable,
            "unknown",
            format!("no answer within {}s", REQUEST_TIMEOUT.as_secs()),
        )),
        Ok(Err(e)) => {
            let (state, cred) = classify(&e);
            Err((state, cred, crate::error::chain(&e)))
        }
        Ok(Ok(v)) => Ok(v),
    }
}

/// Probes `context` of `set`. `setup` bounds how many connections are being set up at once; the
/// lists that follow run without it.
pub async fn probe(set: &KubeconfigSet, context: &str, setup: &tokio::sync::Semaphore) -> Health {
    let started = Instant::now();
    let mut h = probe_inner(set, context, setup).await;
    h.probe_ms = started.elapsed().as_millis() as u64;
    h
}

async fn probe_inner(set: &KubeconfigSet, context: &str, setup: &tokio::sync::Semaphore) -> Health {
    if crate::cluster::session::needs_terminal(set, context) {
        let mut h = Health::new(context, State::NeedsLogin);
        h.credentials = "needs login";
        return h;
    }
    let fail = |state: State, cred: &'static str, msg: String| {
        let mut h = Health::new(context, state);
        h.error = Some(msg);
        h.credentials = cred;
        h
    };
    let permit = setup.acquire().await.ok();
    let mut config = match crate::cluster::client_config(set, Some(context)).await {
        Ok(c) => c,
        Err(e) => return fail(State::Error, "invalid", crate::error::chain(&e)),
    };
    config.connect_timeout = Some(CONNECT_TIMEOUT);
    config.read_timeout = Some(REQUEST_TIMEOUT);
    let client = match kube::Client::try_from(config) {
        Ok(c) => c,
        Err(e) => return fail(State::Error, "invalid", crate::error::chain(&e)),
    };
    let started = Instant::now();
    let version = match timed(client.apiserver_version()).await {
        Ok(v) => v,
        Err((s, c, m)) => return fail(s, c, m),
    };
    drop(permit);
    let mut h = Health::new(context, State::Ok);
    h.latency_ms = Some(started.elapsed().as_millis() as u64);
    h.version = Some(version.git_version.clone());
    h.skew = tokio::task::spawn_blocking(move || crate::kubectl::skew_note(&version.minor))
        .await
        .ok()
        .flatten()
        .and_then(|n| n.skew_warning);
    let all = ListParams::default();
    let warnings = ListParams::default().fields("type=Warning");
    let (node_api, pod_api, event_api) = (
        Api::<Node>::all(client.clone()),
        Api::<Pod>::all(client.clone()),
        Api::<Event>::all(client.clone()),
    );
    let (nodes, pods, events, metrics) = tokio::join!(
        timed(node_api.list(&all)),
        timed(pod_api.list(&all)),
        timed(event_api.list(&warnings)),
        crate::cluster::metrics::node_totals(&client),
    );
    match nodes {
        Ok(list) => {
            h.nodes_total = Some(list.items.len() as u32);
            h.nodes_ready = Some(list.items.iter().filter(|n| node_ready(n)).count() as u32);
            if let Ok(Some((cpu, mem))) = &metrics {
                let (cap_cpu, cap_mem) = metrics::allocatable(&list.items);
                h.cpu_percent = metrics::percent(*cpu, cap_cpu);
                h.mem_percent = metrics::percent(*mem, cap_mem);
            }
        }
        Err((s, c, m)) => return fail(s, c, m),
    }
    match pods {
        Ok(list) => {
            h.pods_not_ready = Some(list.items.iter().filter(|p| !pod_ready(p)).count() as u32);
            h.crashlooping = Some(list.items.iter().filter(|p| crashlooping(p)).count() as u32);
        }
        Err((s, c, m)) => {
            h.state = s;
            h.error = Some(m);
            h.credentials = c;
        }
    }
    if let Ok(list) = events {
        let now = jiff::Timestamp::now().as_second();
        h.warnings = Some(
            list.items
                .iter()
                .filter(|e| last_seen(e).is_some_and(|t| now - t <= WARNING_WINDOW_SECS))
                .count() as u32,
        );
    }
    h
}

fn node_ready(n: &Node) -> bool {
    n.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// Running with every container ready, or finished: anything else needs a look.
fn pod_ready(p: &Pod) -> bool {
    let Some(status) = &p.status else {
        return false;
    };
    match status.phase.as_deref() {
        Some("Succeeded") => true,
        Some("Running") => status
            .conditions
            .as_ref()
            .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True")),
        _ => false,
    }
}

fn crashlooping(p: &Pod) -> bool {
    p.status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                c.state
                    .as_ref()
                    .and_then(|s| s.waiting.as_ref())
                    .and_then(|w| w.reason.as_deref())
                    == Some("CrashLoopBackOff")
            })
        })
}

fn last_seen(e: &Event) -> Option<i64> {
    e.last_timestamp
        .as_ref()
        .map(|t| t.0.as_second())
        .or_else(|| e.event_time.as_ref().map(|t| t.0.as_second()))
        .or_else(|| {
            e.metadata
                .creation_timestamp
                .as_ref()
                .map(|t| t.0.as_second())
        })
}
