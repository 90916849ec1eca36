//! What the store tells watchers: one change as a shared, pre-serialized watch frame, and a watch's
//! starting point (backlog plus live receiver).

use std::sync::Arc;

use bytes::Bytes;
use serde_json::Value;
use tokio::sync::broadcast;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change, shared by every watcher that receives it.
#[derive(Debug)]
pub struct WatchEvent {
    pub res: usize,
    pub kind: EventType,
    pub rv: u64,
    pub namespace: String,
    /// `{"type":..,"object":..}\n`, serialized once.
    pub frame: Bytes,
    /// The object's JSON, a slice of `frame`.
    pub raw: Bytes,
    /// For MODIFIED: the stored JSON before the change, so a selector watch can tell an object that
    /// entered or left its selector (the apiserver's cacher turns those into ADDED and DELETED).
    pub prev_raw: Option<Bytes>,
}

impl WatchEvent {
    /// The object, parsed.
    pub fn object(&self) -> Value {
        serde_json::from_slice(&self.raw).unwrap_or(Value::Null)
    }

    /// The object before a MODIFIED change, parsed.
    pub fn previous(&self) -> Option<Value> {
        self.prev_raw
            .as_ref()
            .and_then(|raw| serde_json::from_slice(raw).ok())
    }
}

/// A watch's starting point: the events after `rv` that are still in the history window, plus a receiver
/// for everything after them, taken atomically so nothing is lost or repeated.
pub struct Subscription {
    pub backlog: Vec<Arc<WatchEvent>>,
    pub rx: broadcast::Receiver<Arc<WatchEvent>>,
    pub rv: u64,
}

/// The watch frame of a change and the object's JSON inside it.
pub(super) fn frame(kind: EventType, raw: &[u8]) -> (Bytes, Bytes) {
    let mut out = Vec::with_capacity(raw.len() + 32);
    out.extend_from_slice(b"{\"type\":\"");
    out.extend_from_slice(kind.as_str().as_bytes());
    out.extend_from_slice(b"\",\"object\":");
    let start = out.len();
    out.extend_from_slice(raw);
    let end = out.len();
    out.extend_from_slice(b"}\n");
    let frame = Bytes::from(out);
    let raw = frame.slice(start..end);
    (frame, raw)
}
