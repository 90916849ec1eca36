//! Watch streams: initial events, resuming from a resourceVersion in the history window (410 Expired as
//! an ERROR event when it is too old), bookmarks, timeouts, Table frames, and injected drops.
//!
//! Each change is serialized once by the store; a watcher that asks for plain JSON forwards that shared
//! frame as is. A watcher that falls behind the broadcast buffer is closed, as the apiserver closes slow
//! watchers, and the client resumes from its last resourceVersion.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Response, StatusCode, header};
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};

use super::Sim;
use super::resources::ResourceType;
use super::selectors::{FieldSelector, LabelSelector, LabelSelectorExt};
use super::server::{Body, Query, ResourceRoute, channel_body};
use super::status::ApiError;
use super::store::{EventType, WatchEvent, meta_str};
use super::table::{self, IncludeObject};

/// How often a watch that allows bookmarks gets one.
const BOOKMARK_EVERY: Duration = Duration::from_secs(5);

struct Filter {
    res: usize,
    rt: Arc<ResourceType>,
    ns: Option<String>,
    labels: LabelSelector,
    fields: FieldSelector,
    table: Option<IncludeObject>,
}

impl Filter {
    /// Whether frames must be built from the parsed object (selectors or Table output).
    fn needs_object(&self) -> bool {
        self.table.is_some() || !self.labels.is_empty() || !self.fields.is_empty()
    }

    fn matches(&self, obj: &Value) -> bool {
        self.labels.matches_object(obj) && self.fields.matches(obj)
    }

    fn frame(&self, kind: EventType, obj: &Value) -> Bytes {
        match self.table {
            None => encode(kind.as_str(), obj),
            Some(include) => {
                let now = jiff::Timestamp::now().as_second();
                let t = json!({
                    "kind": "Table",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": {"resourceVersion": meta_str(obj, "resourceVersion")},
                    "columnDefinitions": table::column_definitions(&self.rt),
                    "rows": [table::row(&self.rt, obj, include, now)],
                });
                encode(kind.as_str(), &t)
            }
        }
    }
}

fn encode(kind: &str, obj: &Value) -> Bytes {
    let mut v = serde_json::to_vec(&json!({"type": kind, "object": obj})).unwrap_or_default();
    v.push(b'\n');
    Bytes::from(v)
}

fn bookmark(rt: &ResourceType, rv: u64, initial_end: bool) -> Bytes {
    let mut meta = json!({"resourceVersion": rv.to_string(), "creationTimestamp": null});
    if initial_end {
        meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    encode(
        "BOOKMARK",
        &json!({"kind": rt.kind, "apiVersion": rt.api_version(), "metadata": meta}),
    )
}

fn error_frame(e: &ApiError) -> Bytes {
    encode("ERROR", &e.to_status())
}

pub async fn serve(
    sim: &Arc<Sim>,
    r: &ResourceRoute,
    q: &Query,
    table: bool,
) -> Result<Response<Body>, ApiError> {
    let (labels, mut fields) = super::api::selectors(q)?;
    if let Some(name) = &r.name {
        fields = FieldSelector::parse(&format!("metadata.name={name}"))?;
    }
    let filter = Filter {
        res: r.res,
        rt: sim.store.kind(r.res),
        ns: r.ns.clone(),
        labels,
        fields,
        table: table.then(|| IncludeObject::parse(q.get("includeObject").map(String::as_str))),
    };
    let bookmarks = q.get("allowWatchBookmarks").is_some_and(|v| v == "true") && !table;
    let send_initial = q.get("sendInitialEvents").is_some_and(|v| v == "true");
    let timeout = q
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(30 * 60));
    let rv: Option<u64> = match q.get("resourceVersion").map(String::as_str) {
        None | Some("") | Some("0") => None,
        Some(s) => Some(
            s.parse()
                .map_err(|_| ApiError::bad_request(format!("invalid resource version \"{s}\"")))?,
        ),
    };
    let (tx, rx) = mpsc::channel::<Bytes>(256);
    let mut resp = Response::new(channel_body(rx));
    *resp.status_mut() = StatusCode::OK;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-cache, private"),
    );

    if sim.faults.watch_gone() {
        let e = ApiError::gone(format!(
            "too old resource version: {} ({})",
            rv.unwrap_or(0),
            sim.store.current_rv()
        ));
        let _ = tx.try_send(error_frame(&e));
        return Ok(resp);
    }
    let mut initial = Vec::new();
    let sub = if rv.is_none() || send_initial {
        let (items, sub) = sim.store.snapshot_and_subscribe(r.res, r.ns.as_deref());
        initial = items;
        sub
    } else {
        match sim.store.subscribe(rv) {
            Ok(s) => s,
            Err(e) => {
                let _ = tx.try_send(error_frame(&e));
                return Ok(resp);
            }
        }
    };
    let sim = sim.clone();
    let drop_after = sim.faults.watch_drop_after();
    tokio::spawn(async move {
        let mut shutdown = sim.shutdown.clone();
        let deadline = tokio::time::sleep(drop_after.map_or(timeout, |d| d.min(timeout)));
        tokio::pin!(deadline);
        let mut rx = sub.rx;
        let mut last_rv = sub.rv;
        for raw in &initial {
            let frame = if filter.needs_object() {
                let obj: Value = serde_json::from_slice(raw).unwrap_or(Value::Null);
                if !filter.matches(&obj) {
                    continue;
                }
                filter.frame(EventType::Added, &obj)
            } else {
                let mut f = Vec::with_capacity(raw.len() + 32);
                f.extend_from_slice(b"{\"type\":\"ADDED\",\"object\":");
                f.extend_from_slice(raw);
                f.extend_from_slice(b"}\n");
                Bytes::from(f)
            };
            if tx.send(frame).await.is_err() {
                return;
            }
        }
        if send_initial && tx.send(bookmark(&filter.rt, sub.rv, true)).await.is_err() {
            return;
        }
        for ev in sub.backlog {
            if !forward(&filter, &tx, &ev).await {
                return;
            }
            last_rv = ev.rv;
        }
        let mut tick = tokio::time::interval(BOOKMARK_EVERY);
        tick.tick().await;
        loop {
            tokio::select! {
                _ = &mut deadline => {
                    if bookmarks {
                        let _ = tx.send(bookmark(&filter.rt, last_rv, false)).await;
                    }
                    return;
                }
                _ = shutdown.changed() => return,
                _ = tick.tick(), if bookmarks => {
                    // Everything up to the current version is already in our receiver; deliver it
                    // before promising the client it has seen that version.
                    let rv = sim.store.current_rv();
                    loop {
                        match rx.try_recv() {
                            Ok(ev) => {
                                if !forward(&filter, &tx, &ev).await { return; }
                            }
                            Err(broadcast::error::TryRecvError::Empty) => break,
                            Err(_) => return,
                        }
                    }
                    last_rv = rv;
                    if tx.send(bookmark(&filter.rt, rv, false)).await.is_err() {
                        return;
                    }
                }
                ev = rx.recv() => match ev {
                    Ok(ev) => {
                        if !forward(&filter, &tx, &ev).await { return; }
                        last_rv = ev.rv;
                    }
                    Err(_) => return,
                },
            }
        }
    });
    Ok(resp)
}

async fn forward(filter: &Filter, tx: &mpsc::Sender<Bytes>, ev: &Arc<WatchEvent>) -> bool {
    if ev.res != filter.res || filter.ns.as_deref().is_some_and(|ns| ev.namespace != ns) {
        return true;
    }
    let frame = if filter.needs_object() {
        let obj = ev.object();
        let now = filter.matches(&obj);
        let before = match (ev.kind, ev.previous()) {
            (EventType::Modified, Some(prev)) => filter.matches(&prev).then_some(prev),
            _ => now.then(|| obj.clone()),
        };
        match (before, now) {
            (None, false) => return true,
            // Entered the selector: the watcher has never seen it.
            (None, true) => filter.frame(EventType::Added, &obj),
            // Left the selector: the watcher must drop it. Like the apiserver, send the last state it
            // matched in, at the new resourceVersion.
            (Some(mut prev), false) => {
                prev["metadata"]["resourceVersion"] = serde_json::json!(ev.rv.to_string());
                filter.frame(EventType::Deleted, &prev)
            }
            (Some(_), true) => filter.frame(ev.kind, &obj),
        }
    } else {
        ev.frame.clone()
    };
    tx.send(frame).await.is_ok()
}
