//! The runner's one-shot requests, each answering with one message: an object (with its events and
//! related objects) for a page, kubeconfig's current-context written for `:use`, and the header's
//! cluster usage, polled for as long as the connection lives.

use kube::api::{Api, DynamicObject};
use tokio::sync::mpsc::UnboundedSender;

use super::super::msg::{Fetched, Msg};
use crate::cluster::actions::ObjectRef;
use crate::cluster::error::RequestError;
use crate::kubeconfig::KubeconfigSet;

/// Polls the cluster's CPU/MEM use for the header: as often as metrics-server refreshes, less often
/// without a metrics API, backing off while requests fail (the header keeps its last figures).
pub(super) async fn poll_cluster_usage(
    client: kube::Client,
    context: String,
    tx: UnboundedSender<Msg>,
) {
    use crate::cluster::metrics::{ABSENT_INTERVAL, ClusterUsage, INTERVAL};
    let mut failures = 0u32;
    loop {
        let wait = match crate::cluster::metrics::cluster_usage(&client).await {
            Ok(usage) => {
                failures = 0;
                let msg = Msg::ClusterUsage {
                    context: context.clone(),
                    usage,
                };
                if tx.send(msg).is_err() {
                    return;
                }
                match usage {
                    ClusterUsage::Unavailable => ABSENT_INTERVAL,
                    ClusterUsage::Percent { .. } => INTERVAL,
                }
            }
            Err(_) => {
                failures += 1;
                INTERVAL.saturating_mul(1 << failures.min(3))
            }
        };
        tokio::time::sleep(wait).await;
    }
}

/// GETs one object (and, for describe, its events and related objects) as JSON.
pub(super) async fn fetch_object(
    client: &kube::Client,
    target: &ObjectRef,
    with_related: bool,
) -> Result<Fetched, String> {
    let api: Api<DynamicObject> = target.api(client);
    let obj = api
        .get(&target.name)
        .await
        .map_err(|e| match RequestError::from(e) {
            RequestError::Refused(status) => status.to_string(),
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

/// kubeconfig's current-context := `name` (locked, atomic, in the file kubectl would write), and the
/// previous one into kubectx's history so `kdeck ctx -` goes back.
pub(super) fn save_context(set: &mut KubeconfigSet, name: &str) -> Result<String, String> {
    let previous = set.current_context().map(str::to_string);
    let files = set.use_context(name).map_err(|e| e.to_string())?;
    if let Some(prev) = previous.filter(|p| p != name) {
        crate::switch::history::save_previous_context(&prev).map_err(|e| e.to_string())?;
    }
    Ok(match files.first() {
        Some(f) => format!("current-context is now \"{name}\" in {}", f.display()),
        None => format!("\"{name}\" already is the current-context"),
    })
}
