//! Resuming a dropped log stream without losing or repeating lines.
//!
//! The engine always asks the server for timestamps. After a drop it reconnects with `sinceTime` = the
//! last timestamp seen, floored to the second (the API only takes seconds, and rounding up would skip
//! lines). The server then resends everything from that second on; [`Resume`] drops the part already
//! seen: every line older than the last timestamp, and at the last timestamp itself each line whose
//! content was already taken (counted, so two identical lines at the same instant both survive once).
//! This relies on what the kubelet guarantees: one container's timestamps never go backwards.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

/// Splits a `timestamps=true` line into its RFC3339(Nano) timestamp and the text. Lines without a
/// leading timestamp come back whole.
pub fn split_timestamp(line: &str) -> (Option<&str>, &str) {
    match line.split_once(' ') {
        Some((ts, rest)) if looks_like_rfc3339(ts) => (Some(ts), rest),
        None if looks_like_rfc3339(line) => (Some(line), ""),
        _ => (None, line),
    }
}

fn looks_like_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && (b[b.len() - 1] == b'Z' || b.contains(&b'+') || b[19..].contains(&b'-'))
}

/// The timestamp as an instant; `None` if it does not parse.
pub fn parse_timestamp(ts: &str) -> Option<jiff::Timestamp> {
    ts.parse().ok()
}

/// `sinceTime` for a reconnect: the last timestamp floored to the second.
pub fn since_time_for(last: jiff::Timestamp) -> jiff::Timestamp {
    jiff::Timestamp::from_second(last.as_second()).unwrap_or(last)
}

fn content_hash(text: &str) -> u64 {
    let mut h = DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// Dedup state of one container's stream.
#[derive(Debug, Default, Clone)]
pub struct Resume {
    last: Option<jiff::Timestamp>,
    /// Hashes of the lines taken at `last`.
    at_last: Vec<u64>,
    /// While replaying after a reconnect: the hashes at `last` still expected again.
    replay: Option<Vec<u64>>,
}

impl Resume {
    /// The last timestamp taken.
    pub fn last(&self) -> Option<jiff::Timestamp> {
        self.last
    }

    /// Call when reconnecting: the next lines may repeat what was taken since `since_time_for(last)`.
    pub fn reconnecting(&mut self) {
        if self.last.is_some() {
            self.replay = Some(self.at_last.clone());
        }
    }

    /// Whether to take a line with this timestamp and text (and record it if so).
    pub fn accept(&mut self, ts: Option<jiff::Timestamp>, text: &str) -> bool {
        let Some(ts) = ts else {
            // No timestamp: nothing to compare against. Only possible if the server ignores
            // `timestamps=true`; such lines are taken as they come.
            return true;
        };
        if let (Some(last), Some(replay)) = (self.last, self.replay.as_mut()) {
            if ts < last {
                return false;
            }
            if ts == last {
                let h = content_hash(text);
                if let Some(pos) = replay.iter().position(|x| *x == h) {
                    replay.swap_remove(pos);
                    return false;
                }
            } else {
                self.replay = None;
            }
        }
        let h = content_hash(text);
        if self.last == Some(ts) {
            self.at_last.push(h);
        } else {
            self.last = Some(ts);
            self.at_last.clear();
            self.at_last.push(h);
        }
        true
    }
}

/// One container's line intake: splits the server timestamp off, drops what a resume repeats, and builds
/// the [`LogLine`](super::LogLine). The engine runs every received line through this; benchmarks do too.
#[derive(Debug)]
pub struct LineIntake {
    pod: std::sync::Arc<str>,
    container: std::sync::Arc<str>,
    resume: Resume,
}

impl LineIntake {
    pub fn new(pod: std::sync::Arc<str>, container: std::sync::Arc<str>) -> Self {
        LineIntake {
            pod,
            container,
            resume: Resume::default(),
        }
    }

    pub fn resume(&mut self) -> &mut Resume {
        &mut self.resume
    }

    /// The line to emit for a raw `timestamps=true` line, or `None` when it repeats one already taken.
    pub fn take(&mut self, raw: &str) -> Option<super::LogLine> {
        let (ts, text) = split_timestamp(raw);
        if !self.resume.accept(ts.and_then(parse_timestamp), text) {
            return None;
        }
        Some(super::LogLine {
            pod: self.pod.clone(),
            container: self.container.clone(),
            timestamp: ts.map(std::sync::Arc::from),
            text: text.to_string(),
            kind: super::LineKind::Log,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Option<jiff::Timestamp> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn splits_timestamp() {
        assert_eq!(
            split_timestamp("2024-01-02T03:04:05.123456789Z hello world"),
            (Some("2024-01-02T03:04:05.123456789Z"), "hello world")
        );
        assert_eq!(
            split_timestamp("2024-01-02T03:04:05Z"),
            (Some("2024-01-02T03:04:05Z"), "")
        );
        assert_eq!(split_timestamp("plain line"), (None, "plain line"));
        assert_eq!(
            split_timestamp("2024-01-02T03:04:05+02:00 x"),
            (Some("2024-01-02T03:04:05+02:00"), "x")
        );
    }

    #[test]
    fn since_time_floors() {
        let t: jiff::Timestamp = "2024-01-02T03:04:05.999Z".parse().unwrap();
        assert_eq!(since_time_for(t).to_string(), "2024-01-02T03:04:05Z");
    }

    #[test]
    fn replay_after_reconnect_drops_exactly_the_overlap() {
        let mut r = Resume::default();
        assert!(r.accept(ts("2024-01-01T00:00:05.1Z"), "a seq=1"));
        assert!(r.accept(ts("2024-01-01T00:00:05.5Z"), "b seq=2"));
        assert!(r.accept(ts("2024-01-01T00:00:05.5Z"), "c seq=3"));
        r.reconnecting();
        // The server resends from 00:00:05.
        assert!(!r.accept(ts("2024-01-01T00:00:05.1Z"), "a seq=1"));
        assert!(!r.accept(ts("2024-01-01T00:00:05.5Z"), "b seq=2"));
        assert!(!r.accept(ts("2024-01-01T00:00:05.5Z"), "c seq=3"));
        // A new line at the same instant that was not seen before is taken.
        assert!(r.accept(ts("2024-01-01T00:00:05.5Z"), "d seq=4"));
        assert!(r.accept(ts("2024-01-01T00:00:06Z"), "e seq=5"));
        // Outside a replay, repeats are real log lines and are kept.
        assert!(r.accept(ts("2024-01-01T00:00:06Z"), "e seq=5"));
    }

    #[test]
    fn identical_lines_at_one_instant_are_counted() {
        let mut r = Resume::default();
        assert!(r.accept(ts("2024-01-01T00:00:01Z"), "same"));
        assert!(r.accept(ts("2024-01-01T00:00:01Z"), "same"));
        r.reconnecting();
        assert!(!r.accept(ts("2024-01-01T00:00:01Z"), "same"));
        assert!(!r.accept(ts("2024-01-01T00:00:01Z"), "same"));
        assert!(r.accept(ts("2024-01-01T00:00:01Z"), "same"));
    }
}
