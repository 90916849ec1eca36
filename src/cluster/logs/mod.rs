//! The log engine: one container's log, or the merged log of every pod of a workload, as a stream of
//! tagged lines on a tokio channel.
//!
//! Owns: streaming `pods/log` through kube-rs with follow/tail/since/previous, reconnecting after a drop
//! without losing or duplicating lines ([`resume`]), following pods that join or leave a selector
//! ([`engine`]), the bounded [`LogRing`] the view reads, the on-disk [`spool`] that lets `save_all` write
//! the whole stream, and pure search / JSON helpers ([`text`]). It never draws anything: the TUI owns a
//! ring, drains the channel into it on its own schedule and renders.

mod engine;
pub mod resume;
pub mod ring;
pub mod spool;
pub mod text;

use std::sync::Arc;

pub use engine::{LogEngineError, LogSession, LogSource, start};
pub use ring::LogRing;
pub use spool::{SaveReport, Spool};

/// The "since" presets the view offers, as `sinceSeconds`.
pub const SINCE_PRESETS: &[(&str, i64)] = &[
    ("1m", 60),
    ("5m", 300),
    ("15m", 900),
    ("1h", 3600),
    ("6h", 6 * 3600),
    ("24h", 24 * 3600),
];

/// What to ask the server for. Timestamps are always requested (they drive the reconnect); `timestamps`
/// here only says whether the view shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogOptions {
    pub follow: bool,
    pub tail_lines: Option<i64>,
    pub since_seconds: Option<i64>,
    pub timestamps: bool,
    pub previous: bool,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions {
            follow: true,
            tail_lines: Some(100),
            since_seconds: None,
            timestamps: false,
            previous: false,
        }
    }
}

/// What a line is: log output, or a notice the engine inserts so the view can show pods joining or going.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineKind {
    Log,
    /// A pod/container started streaming.
    Joined,
    /// A pod went away (deleted) or its container's log ended; the text says which.
    Gone,
    /// The stream dropped and was resumed; nothing was lost or repeated.
    Resumed,
    /// The source failed and will not be retried (e.g. 403); the text is the server's message.
    Failed,
    /// The server refused the stream (a kubelet it cannot reach answers 500); the text is its message
    /// and when the next attempt is.
    Retrying,
}

/// One line of the merged stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub pod: Arc<str>,
    pub container: Arc<str>,
    /// The server's RFC3339Nano timestamp, when it sent one.
    pub timestamp: Option<Arc<str>>,
    pub text: String,
    pub kind: LineKind,
}

impl LogLine {
    /// The line as shown or saved: `[pod/container] ` when the stream merges several sources, the server
    /// timestamp when the user asked for timestamps, then the text.
    pub fn render(&self, show_source: bool, show_timestamp: bool) -> String {
        let mut out = String::with_capacity(self.text.len() + 64);
        if show_source {
            out.push('[');
            out.push_str(&self.pod);
            out.push('/');
            out.push_str(&self.container);
            out.push_str("] ");
        }
        if show_timestamp && let Some(ts) = &self.timestamp {
            out.push_str(ts);
            out.push(' ');
        }
        out.push_str(&self.text);
        out
    }
}

/// Everything that flows out of the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogEvent {
    Line(LogLine),
    /// Every source has ended (no follow, or all pods gone without a selector to wait on).
    Finished,
}
