//! The events table at the bottom of every describe, and the describer for Event objects themselves.

use serde_json::Value;

use super::writer::{Doc, int, s};

/// kubectl sorts by LastTimestamp (falling back to EventTime for events that only have that).
fn sort_key(e: &Value) -> String {
    let last = s(e.get("lastTimestamp"));
    if last.is_empty() {
        s(e.get("eventTime"))
    } else {
        last
    }
}

/// `DescribeEvents`.
pub(crate) fn describe_events(doc: &mut Doc, events: &[Value]) {
    if events.is_empty() {
        doc.w(0, "Events:\t<none>\n");
        return;
    }
    doc.flush();
    let mut sorted: Vec<&Value> = events.iter().collect();
    sorted.sort_by_key(|e| sort_key(e));
    doc.w(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
    doc.w(1, "----\t------\t----\t----\t-------\n");
    for e in sorted {
        let first = if e.get("eventTime").is_some_and(|v| !v.is_null()) {
            doc.age(e.get("eventTime"))
        } else {
            doc.age(e.get("firstTimestamp"))
        };
        let interval = if let Some(series) = e.get("series").filter(|v| !v.is_null()) {
            format!(
                "{} (x{} over {first})",
                doc.age(series.get("lastObservedTime")),
                int(series.get("count"))
            )
        } else if int(e.get("count")) > 1 {
            format!(
                "{} (x{} over {first})",
                doc.age(e.get("lastTimestamp")),
                int(e.get("count"))
            )
        } else {
            first
        };
        let mut source = s(e.pointer("/source/component"));
        if source.is_empty() {
            source = s(e.get("reportingComponent"));
        }
        doc.w(
            1,
            &format!(
                "{}\t{}\t{interval}\t{source}\t{}\n",
                s(e.get("type")),
                s(e.get("reason")),
                s(e.get("message")).trim()
            ),
        );
    }
}
