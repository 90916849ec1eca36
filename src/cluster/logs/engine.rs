//! The async side of the log engine: one task per container stream, plus, for a workload, a pod watch
//! that starts streams for pods as they appear and marks pods that go away.
//!
//! Every line is rendered into the spool before it is sent, so the spool is complete even if the
//! consumer lags. The channel is bounded: a slow consumer slows the readers (backpressure on the
//! network), never the other way round.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, LogParams};
use kube::runtime::{WatchStreamExt, watcher};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::resume::{LineIntake, since_time_for};
use super::spool::{SaveReport, Spool, SpoolError};
use super::{LineKind, LogEvent, LogLine, LogOptions};
use crate::cluster::error::{ApiStatus, RequestError};
use crate::cluster::selector::{container_has_log, container_names};

/// What to stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogSource {
    /// One pod; `container: None` means the pod's first container (kubectl's default without an
    /// annotation).
    Pod {
        namespace: String,
        pod: String,
        container: Option<String>,
    },
    /// Every pod matching a label selector (a workload's pods), all containers or the named one.
    Selector {
        namespace: String,
        selector: String,
        container: Option<String>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum LogEngineError {
    #[error(transparent)]
    Spool(#[from] SpoolError),
}

/// A running log stream. Dropping it stops every task; the spool file goes with it.
#[derive(Debug)]
pub struct LogSession {
    cancel: CancellationToken,
    spool: Arc<Mutex<Spool>>,
    multi_source: bool,
}

impl LogSession {
    /// Writes the whole stream so far (from its first line, whatever the ring holds) to `path`, 0600.
    pub fn save_all(&self, path: &std::path::Path) -> Result<SaveReport, SpoolError> {
        let mut spool = self.spool.lock().unwrap_or_else(|p| p.into_inner());
        spool.save_all(path)
    }

    /// Lines spooled so far.
    pub fn spooled_lines(&self) -> u64 {
        self.spool.lock().map(|s| s.lines()).unwrap_or(0)
    }

    /// Whether lines carry a `[pod/container]` prefix when saved (workload streams).
    pub fn is_multi_source(&self) -> bool {
        self.multi_source
    }

    pub fn stop(&self) {
        self.cancel.cancel();
    }
}

impl Drop for LogSession {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// Starts streaming. Needs a tokio runtime. `channel_capacity` bounds the events in flight.
pub fn start(
    client: kube::Client,
    source: LogSource,
    opts: LogOptions,
    channel_capacity: usize,
) -> Result<(LogSession, mpsc::Receiver<LogEvent>), LogEngineError> {
    start_with_spool(client, source, opts, channel_capacity, Spool::create()?)
}

pub(super) fn start_with_spool(
    client: kube::Client,
    source: LogSource,
    opts: LogOptions,
    channel_capacity: usize,
    spool: Spool,
) -> Result<(LogSession, mpsc::Receiver<LogEvent>), LogEngineError> {
    let (tx, rx) = mpsc::channel(channel_capacity.max(1));
    let cancel = CancellationToken::new();
    let spool = Arc::new(Mutex::new(spool));
    let multi_source = matches!(source, LogSource::Selector { .. });
    let emit = Emitter {
        tx,
        spool: spool.clone(),
        multi_source,
        show_timestamp: opts.timestamps,
        cancel: cancel.clone(),
    };
    let token = cancel.clone();
    tokio::spawn(async move {
        match source {
            LogSource::Pod {
                namespace,
                pod,
                container,
            } => {
                let api: Api<Pod> = Api::namespaced(client, &namespace);
                run_pod(api, pod, container, opts, emit.clone(), token).await;
            }
            LogSource::Selector {
                namespace,
                selector,
                container,
            } => {
                let api: Api<Pod> = Api::namespaced(client, &namespace);
                run_selector(api, selector, container, opts, emit.clone(), token).await;
            }
        }
        emit.finished().await;
    });
    Ok((
        LogSession {
            cancel,
            spool,
            multi_source,
        },
        rx,
    ))
}

#[derive(Clone)]
struct Emitter {
    tx: mpsc::Sender<LogEvent>,
    spool: Arc<Mutex<Spool>>,
    multi_source: bool,
    show_timestamp: bool,
    cancel: CancellationToken,
}

impl Emitter {
    async fn line(&self, line: LogLine) {
        if line.kind == LineKind::Log {
            let rendered = line.render(self.multi_source, self.show_timestamp);
            if let Ok(mut spool) = self.spool.lock() {
                spool.append(&rendered);
            }
        }
        tokio::select! {
            // Stopped while the consumer is not draining: give up the line rather than wait forever.
            () = self.cancel.cancelled() => {}
            sent = self.tx.send(LogEvent::Line(line)) => {
                if sent.is_err() {
                    // Nobody is listening any more: stop reading from the server.
                    self.cancel.cancel();
                }
            }
        }
    }

    async fn notice(&self, pod: &Arc<str>, container: &Arc<str>, kind: LineKind, text: String) {
        self.line(LogLine {
            pod: pod.clone(),
            container: container.clone(),
            timestamp: None,
            text,
            kind,
        })
        .await;
    }

    async fn finished(&self) {
        tokio::select! {
            () = self.cancel.cancelled() => {}
            _ = self.tx.send(LogEvent::Finished) => {}
        }
    }
}

async fn run_pod(
    api: Api<Pod>,
    pod: String,
    container: Option<String>,
    opts: LogOptions,
    emit: Emitter,
    cancel: CancellationToken,
) {
    let pod: Arc<str> = pod.into();
    let container = match container {
        Some(c) => c,
        None => match api.get(&pod).await {
            Ok(p) => match serde_json::to_value(&p)
                .ok()
                .and_then(|v| container_names(&v).into_iter().next())
            {
                Some(c) => c,
                None => {
                    let text = format!("pod {pod} has no containers");
                    emit.notice(&pod, &"".into(), LineKind::Failed, text).await;
                    return;
                }
            },
            Err(e) => {
                let text = RequestError::from(e).to_string();
                emit.notice(&pod, &"".into(), LineKind::Failed, text).await;
                return;
            }
        },
    };
    stream_container(&api, pod, container.into(), &opts, &emit, &cancel, true).await;
}

/// Streams one container until its log ends, the pod goes away or `cancel` fires, resuming after drops.
async fn stream_container(
    api: &Api<Pod>,
    pod: Arc<str>,
    container: Arc<str>,
    opts: &LogOptions,
    emit: &Emitter,
    cancel: &CancellationToken,
    announce_gone: bool,
) {
    let follow = opts.follow && !opts.previous;
    let mut intake = LineIntake::new(pod.clone(), container.clone());
    let mut first = true;
    let mut failures: u32 = 0;
    loop {
        let lp = LogParams {
            container: Some(container.to_string()),
            follow,
            previous: opts.previous,
            timestamps: true,
            tail_lines: if first { opts.tail_lines } else { None },
            since_seconds: if intake.resume().last().is_none() {
                opts.since_seconds
            } else {
                None
            },
            since_time: intake.resume().last().map(since_time_for),
            ..Default::default()
        };
        let opened = tokio::select! {
            () = cancel.cancelled() => return,
            r = api.log_stream(&pod, &lp) => r,
        };
        let mut got_lines = false;
        let mut refusal: Option<String> = None;
        match opened {
            Ok(reader) => {
                if !first {
                    intake.resume().reconnecting();
                }
                let mut lines = reader.lines();
                loop {
                    let next = tokio::select! {
                        () = cancel.cancelled() => return,
                        n = lines.next() => n,
                    };
                    let Some(Ok(raw)) = next else { break };
                    let Some(line) = intake.take(&raw) else {
                        continue;
                    };
                    got_lines = true;
                    emit.line(line).await;
                }
            }
            Err(kube::Error::Api(status)) if matches!(status.code, 401 | 403) => {
                let text = ApiStatus::from(status.as_ref()).to_string();
                emit.notice(&pod, &container, LineKind::Failed, text).await;
                return;
            }
            Err(kube::Error::Api(status)) if status.code == 404 => {
                if announce_gone {
                    let text = format!("pod {pod} is gone");
                    emit.notice(&pod, &container, LineKind::Gone, text).await;
                }
                return;
            }
            Err(kube::Error::Api(status)) if status.code == 400 && !follow => {
                emit.notice(&pod, &container, LineKind::Failed, status.message.clone())
                    .await;
                return;
            }
            // Any other answer from the server (a 500 when it cannot reach the kubelet: "dial tcp
            // …:10250: connect: connection refused") is shown, and retried below with the delay said.
            Err(kube::Error::Api(status)) if status.code != 400 => {
                refusal = Some(ApiStatus::from(status.as_ref()).to_string());
            }
            // 400 while following means the container is not running yet; anything else is a transport
            // failure. Both are retried below.
            Err(_) => {}
        }
        first = false;
        if !follow {
            if let Some(text) = refusal {
                emit.notice(&pod, &container, LineKind::Failed, text).await;
            }
            return;
        }
        match api.get_opt(&pod).await {
            Ok(None) => {
                if announce_gone {
                    let text = format!("pod {pod} is gone");
                    emit.notice(&pod, &container, LineKind::Gone, text).await;
                }
                return;
            }
            Ok(Some(p)) => {
                let phase = p.status.as_ref().and_then(|s| s.phase.as_deref());
                if matches!(phase, Some("Succeeded" | "Failed")) {
                    let text = format!("pod {pod} {}", phase.unwrap_or_default().to_lowercase());
                    emit.notice(&pod, &container, LineKind::Gone, text).await;
                    return;
                }
            }
            Err(_) => {}
        }
        failures = if got_lines {
            0
        } else {
            failures.saturating_add(1)
        };
        if got_lines {
            let text = "stream dropped; resumed without gaps".to_string();
            emit.notice(&pod, &container, LineKind::Resumed, text).await;
        }
        let delay = Duration::from_millis(100u64 << failures.min(6)).min(Duration::from_secs(5));
        if let Some(text) = refusal.take() {
            let text = format!("{text}; retrying in {}", retry_in(delay));
            emit.notice(&pod, &container, LineKind::Retrying, text)
                .await;
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(delay) => {}
        }
    }
}

/// The retry delay as a log notice says it: `400ms`, `5s`.
fn retry_in(delay: Duration) -> String {
    if delay < Duration::from_secs(1) {
        format!("{}ms", delay.as_millis())
    } else {
        format!("{}s", delay.as_secs())
    }
}

/// A workload's pods. Without follow: the pods that exist now, each to the end of its log. With follow:
/// a watch, so pods that appear later join and deleted pods are marked.
async fn run_selector(
    api: Api<Pod>,
    selector: String,
    container: Option<String>,
    opts: LogOptions,
    emit: Emitter,
    cancel: CancellationToken,
) {
    let wanted = |p: &Pod| -> Vec<String> {
        let v = serde_json::to_value(p).unwrap_or_default();
        container_names(&v)
            .into_iter()
            .filter(|c| container.as_deref().is_none_or(|w| w == c))
            .filter(|c| container_has_log(&v, c, opts.previous))
            .collect()
    };
    let mut tasks = tokio::task::JoinSet::new();
    if !opts.follow || opts.previous {
        let pods = match api.list(&ListParams::default().labels(&selector)).await {
            Ok(list) => list.items,
            Err(e) => {
                let text = RequestError::from(e).to_string();
                emit.notice(&"".into(), &"".into(), LineKind::Failed, text)
                    .await;
                return;
            }
        };
        for p in pods {
            let pod: Arc<str> = p.metadata.name.clone().unwrap_or_default().into();
            for c in wanted(&p) {
                let (api, opts, emit, cancel) =
                    (api.clone(), opts.clone(), emit.clone(), cancel.clone());
                let pod = pod.clone();
                tasks.spawn(async move {
                    stream_container(&api, pod, c.into(), &opts, &emit, &cancel, true).await;
                });
            }
        }
        while tasks.join_next().await.is_some() {}
        return;
    }

    // pod name -> (uid, per-pod token, containers streaming)
    let mut live: HashMap<String, (String, CancellationToken, HashSet<String>)> = HashMap::new();
    let mut listing: Option<HashSet<String>> = None;
    let stream =
        watcher(api.clone(), watcher::Config::default().labels(&selector)).default_backoff();
    futures::pin_mut!(stream);
    loop {
        let ev = tokio::select! {
            () = cancel.cancelled() => return,
            ev = stream.next() => ev,
        };
        let Some(ev) = ev else { return };
        let Ok(ev) = ev else { continue };
        let (applied, deleted): (Option<Pod>, Option<String>) = match ev {
            watcher::Event::Init => {
                listing = Some(HashSet::new());
                (None, None)
            }
            watcher::Event::InitApply(p) => {
                if let (Some(seen), Some(n)) = (listing.as_mut(), p.metadata.name.clone()) {
                    seen.insert(n);
                }
                (Some(p), None)
            }
            watcher::Event::InitDone => {
                // Pods deleted while the watch was down produce no Delete event: the re-list shows them.
                if let Some(seen) = listing.take() {
                    let gone: Vec<String> = live
                        .keys()
                        .filter(|n| !seen.contains(*n))
                        .cloned()
                        .collect();
                    for name in gone {
                        mark_gone(&mut live, &name, &emit).await;
                    }
                }
                (None, None)
            }
            watcher::Event::Apply(p) => (Some(p), None),
            watcher::Event::Delete(p) => (None, p.metadata.name.clone()),
        };
        if let Some(name) = deleted {
            mark_gone(&mut live, &name, &emit).await;
        }
        let Some(p) = applied else { continue };
        let Some(name) = p.metadata.name.clone() else {
            continue;
        };
        let uid = p.metadata.uid.clone().unwrap_or_default();
        if live.get(&name).is_some_and(|(u, _, _)| *u != uid) {
            // Same name, new pod (a StatefulSet replacement): the old one is gone.
            mark_gone(&mut live, &name, &emit).await;
        }
        let entry = live
            .entry(name.clone())
            .or_insert_with(|| (uid, cancel.child_token(), HashSet::new()));
        let pod: Arc<str> = name.into();
        for c in wanted(&p) {
            if !entry.2.insert(c.clone()) {
                continue;
            }
            let c: Arc<str> = c.into();
            emit.notice(&pod, &c, LineKind::Joined, format!("{pod}/{c} joined"))
                .await;
            let (api, opts, emit, token) =
                (api.clone(), opts.clone(), emit.clone(), entry.1.clone());
            let pod = pod.clone();
            tasks.spawn(async move {
                stream_container(&api, pod, c, &opts, &emit, &token, false).await;
            });
        }
        // Reap finished tasks so the set does not grow with churn.
        while tasks.try_join_next().is_some() {}
    }
}

async fn mark_gone(
    live: &mut HashMap<String, (String, CancellationToken, HashSet<String>)>,
    name: &str,
    emit: &Emitter,
) {
    if let Some((_, token, containers)) = live.remove(name) {
        token.cancel();
        let pod: Arc<str> = name.into();
        let container: Arc<str> = containers.into_iter().next().unwrap_or_default().into();
        emit.notice(
            &pod,
            &container,
            LineKind::Gone,
            format!("pod {name} deleted"),
        )
        .await;
    }
}
