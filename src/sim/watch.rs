//! Watch streams: initial events, resuming from a resourceVersion in the history window (410 Expired as
//! an ERROR event when it is too old), bookmarks, timeouts, Table and metadata-only frames, and injected
//! drops.
//!
//! Each change is serialized once by the store; a watcher that asks for plain JSON forwards that shared
//! frame as is. A watcher that falls behind the broadcast buffer is closed, as the apiserver closes slow
//! watchers, and the client resumes from its last resourceVersion.
//!
//! Bookmarks follow the watch cache (../shared/apiserver-1.28 README, quirk 6): a watch that allows them
//! gets one only once its kind has changed (in any namespace) since the watch started, periodically and
//! 2 s before its timeout; a quiet kind sends none.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::{Response, StatusCode, header};
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};

use super::Sim;
use super::api::{As, checked_selectors, partial_metadata};
use super::resources::ResourceType;
use super::selectors::{FieldSelector, LabelSelector, LabelSelectorExt};
use super::server::{Body, Query, ResourceRoute, channel_body};
use super::status::ApiError;
use super::store::{EventType, WatchEvent, meta_str};
use super::table::{self, IncludeObject};

/// How often a watch that allows bookmarks may get one.
const BOOKMARK_EVERY: Duration = Duration::from_secs(5);
/// How long before its timeout a watch gets its last bookmark.
const BOOKMARK_BEFORE_END: Duration = Duration::from_secs(2);

struct Filter {
    res: usize,
    rt: Arc<ResourceType>,
    ns: Option<String>,
    labels: LabelSelector,
    fields: FieldSelector,
    as_: As,
    include: IncludeObject,
    /// A Table watch sends the column definitions with its first event only (later ones carry
    /// `columnDefinitions: null`).
    columns_sent: AtomicBool,
}

impl Filter {
    /// Whether frames must be built from the parsed object (selectors, Table or metadata output).
    fn needs_object(&self) -> bool {
        self.as_ != As::Object || !self.labels.is_empty() || !self.fields.is_empty()
    }

    fn matches(&self, obj: &Value) -> bool {
        self.labels.matches_object(obj) && self.fields.matches(obj)
    }

    fn frame(&self, kind: EventType, obj: &Value) -> Bytes {
        match self.as_ {
            As::Object => encode(kind.as_str(), obj),
            As::Metadata => encode(kind.as_str(), &partial_metadata(obj)),
            As::Table(api_version) => {
                let now = jiff::Timestamp::now().as_second();
                let columns = if self.columns_sent.swap(true, Ordering::Relaxed) {
                    Value::Null
                } else {
                    table::column_definitions(&self.rt)
                };
                let t = json!({
                    "kind": "Table",
                    "apiVersion": api_version,
                    "metadata": {"resourceVersion": meta_str(obj, "resourceVersion")},
                    "columnDefinitions": columns,
                    "rows": [table::row(&self.rt, obj, self.include, now)],
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

/// A bookmark: the kind's empty object at `rv` (metadata-only watches get it as metadata).
fn bookmark(filter: &Filter, rv: u64, initial_end: bool) -> Bytes {
    let mut meta = json!({"resourceVersion": rv.to_string(), "creationTimestamp": null});
    if initial_end {
        meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    let rt: &ResourceType = &filter.rt;
    let obj = match filter.as_ {
        As::Metadata => partial_metadata(&json!({"metadata": meta})),
        _ => json!({"kind": rt.kind, "apiVersion": rt.api_version(), "metadata": meta}),
    };
    encode("BOOKMARK", &obj)
}

fn error_frame(e: &ApiError) -> Bytes {
    encode("ERROR", &e.to_status())
}

pub async fn serve(
    sim: &Arc<Sim>,
    r: &ResourceRoute,
    q: &Query,
    as_: As,
) -> Result<Response<Body>, ApiError> {
    let rt = sim.store.kind(r.res);
    let (labels, mut fields) = checked_selectors(&rt, q)?;
    if let Some(name) = &r.name {
        fields = FieldSelector::parse(&format!("metadata.name={name}"))?;
    }
    let filter = Filter {
        res: r.res,
        rt,
        ns: r.ns.clone(),
        labels,
        fields,
        as_,
        include: IncludeObject::parse(q.get("includeObject").map(String::as_str)),
        columns_sent: AtomicBool::new(false),
    };
    // A Table watch has no row to put a bookmark in.
    let bookmarks =
        q.get("allowWatchBookmarks").is_some_and(|v| v == "true") && !matches!(as_, As::Table(_));
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
    // The version the watch starts from: a bookmark is due once its kind has moved past it.
    let start_rv = rv.unwrap_or(sub.rv).min(sub.rv);
    let sim = sim.clone();
    let drop_after = sim.faults.watch_drop_after();
    tokio::spawn(async move {
        let mut shutdown = sim.shutdown.clone();
        let end = drop_after.map_or(timeout, |d| d.min(timeout));
        let deadline = tokio::time::sleep(end);
        tokio::pin!(deadline);
        let last_bookmark = tokio::time::sleep(end.saturating_sub(BOOKMARK_BEFORE_END));
        tokio::pin!(last_bookmark);
        let mut last_bookmark_due = bookmarks && end > BOOKMARK_BEFORE_END;
        let mut rx = sub.rx;
        let mut kind_rv = start_rv;
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
        if send_initial && tx.send(bookmark(&filter, sub.rv, true)).await.is_err() {
            return;
        }
        for ev in sub.backlog {
            if ev.res == filter.res {
                kind_rv = kind_rv.max(ev.rv);
            }
            if !forward(&filter, &tx, &ev).await {
                return;
            }
        }
        let mut tick = tokio::time::interval(BOOKMARK_EVERY);
        tick.tick().await;
        loop {
            let bookmark_now = tokio::select! {
                _ = &mut deadline => return,
                _ = shutdown.changed() => return,
                _ = &mut last_bookmark, if last_bookmark_due => {
                    last_bookmark_due = false;
                    true
                }
                _ = tick.tick(), if bookmarks => true,
                ev = rx.recv() => match ev {
                    Ok(ev) => {
                        if ev.res == filter.res {
                            kind_rv = kind_rv.max(ev.rv);
                        }
                        if !forward(&filter, &tx, &ev).await { return; }
                        false
                    }
                    Err(_) => return,
                },
            };
            if !bookmark_now || kind_rv <= start_rv {
                continue;
            }
            // Everything up to the current version is already in our receiver; deliver it before
            // promising the client it has seen that version.
            let rv = sim.store.current_rv();
            loop {
                match rx.try_recv() {
                    Ok(ev) => {
                        if !forward(&filter, &tx, &ev).await {
                            return;
                        }
                    }
                    Err(broadcast::error::TryRecvError::Empty) => break,
                    Err(_) => return,
                }
            }
            if tx.send(bookmark(&filter, rv, false)).await.is_err() {
                return;
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
