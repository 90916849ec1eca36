//! Keeping a forward on a live pod. A pod target is watched so its deletion is reported; a Service or
//! workload target watches the selector's pods and, when the current pod is deleted, starts terminating
//! or stops being ready, moves new connections to another ready pod without user action.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use kube::runtime::{WatchStreamExt, reflector, watcher};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::resolve::{PortRef, name_of, pick_ready_pod, pod_port};
use super::{Candidates, ForwardState, Shared, lock, to_json};
use crate::cluster::selector::pod_is_ready;

pub(super) async fn follow(
    pods: Api<Pod>,
    candidates: Candidates,
    port: PortRef,
    shared: Arc<Shared>,
    cancel: CancellationToken,
) {
    let config = match &candidates {
        Candidates::One(name) => {
            watcher::Config::default().fields(&format!("metadata.name={name}"))
        }
        Candidates::Selector { selector, .. } => watcher::Config::default().labels(selector),
    };
    let (reader, writer) = reflector::store();
    let stream = reflector(writer, watcher(pods, config).default_backoff());
    futures::pin_mut!(stream);
    // When the current pod was first seen unusable, for the re-resolve figure.
    let mut lost_at: Option<Instant> = None;
    loop {
        let ev = tokio::select! {
            () = cancel.cancelled() => return,
            ev = stream.next() => ev,
        };
        match ev {
            None => return,
            Some(Err(e)) => {
                shared.set_error(format!("watching pods: {e}"));
                continue;
            }
            Some(Ok(watcher::Event::Init | watcher::Event::InitApply(_))) => continue,
            Some(Ok(_)) => {}
        }
        let state: Vec<Value> = reader.state().iter().map(|p| to_json(p.as_ref())).collect();
        let current = lock(&shared.route).pod.clone();
        let usable = current.as_deref().is_some_and(|cur| {
            state.iter().any(|p| {
                name_of(p) == cur
                    && (pod_is_ready(p) || matches!(candidates, Candidates::One(_)) && alive(p))
            })
        });
        if usable {
            continue;
        }
        match &candidates {
            Candidates::One(name) => {
                if !state.iter().any(|p| name_of(p) == *name) {
                    shared.set_error(format!("pod {name} was deleted"));
                    shared.set_route(None, None, ForwardState::PodGone);
                    return;
                }
            }
            Candidates::Selector { what, .. } => {
                let lost = *lost_at.get_or_insert_with(Instant::now);
                let next = pick_ready_pod(&state, current.as_deref())
                    .and_then(|p| pod_port(p, &port).ok().map(|port| (name_of(p), port)));
                match next {
                    Some((pod, port)) => {
                        shared.set_route(Some(pod), Some(port), ForwardState::Active);
                        shared.reresolves.fetch_add(1, Ordering::Relaxed);
                        *lock(&shared.last_reresolve) = Some(lost.elapsed());
                        lost_at = None;
                    }
                    None => {
                        let msg = format!("no ready pod for {what}");
                        shared.set_route(None, None, ForwardState::Waiting(msg));
                    }
                }
            }
        }
    }
}

/// A pod target stays usable while it exists and is not terminating, ready or not (kubectl forwards to
/// a named pod regardless of readiness).
fn alive(pod: &Value) -> bool {
    pod.pointer("/metadata/deletionTimestamp").is_none()
}
