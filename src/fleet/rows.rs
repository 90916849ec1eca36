//! The `:fleet` view's rows: one per context (the merged kubeconfig's, and those of the kubeconfig files
//! under the configured directories), with the health `kdeck fleet` reports. Rows arrive as each
//! cluster answers, so a hung one holds back only its own row; the whole fleet is probed again every
//! few seconds while the view is open.

use std::path::Path;

use crate::cluster::rows::{Cell, Column, Row, RowKey, Tone};
use crate::fleet::probe::{Health, State};
use crate::fleet::sources::Source;

/// The label that names a row's context in its own kubeconfig file (it may be shown as `FOLDER/NAME`).
pub const CONTEXT_LABEL: &str = "kdeck.dev/context";

pub fn columns() -> Vec<Column> {
    crate::fleet::HEADERS
        .iter()
        .map(|h| match *h {
            "SKEW" | "WARNINGS" | "CREDENTIALS" | "MARKS" | "LATENCY" => Column::wide(h),
            _ => Column::new(h),
        })
        .collect()
}

fn row_of(source: &Source, cells: Vec<String>, tone: Tone) -> Row {
    Row {
        key: RowKey::new("", &source.name),
        cells: cells.into_iter().map(Cell::Text).collect(),
        tone,
        labels: [(CONTEXT_LABEL.to_string(), source.context.clone())].into(),
        // A context found under a kubeconfig directory is opened from its own file.
        selector: source.file.as_deref().map(|f| f.display().to_string()),
        object: None,
    }
}

/// A context whose probe has not answered yet.
pub fn probing(source: &Source) -> Row {
    let mut cells = vec!["-".to_string(); crate::fleet::HEADERS.len()];
    cells[0] = source.name.clone();
    cells[1] = "probing…".into();
    row_of(source, cells, Tone::Pending)
}

/// A probed context.
pub fn row(source: &Source, h: &Health) -> Row {
    let tone = match h.state {
        State::Ok if h.healthy() => Tone::Ok,
        State::Ok | State::NeedsLogin => Tone::Warning,
        State::Unreachable | State::Unauthorized | State::Forbidden | State::Error => Tone::Error,
    };
    row_of(source, crate::fleet::cells(h), tone)
}

/// A kubeconfig file that could not be read: a row of its own, so the problem is seen where the
/// contexts would have been.
pub fn problem(problem: &str) -> Row {
    let (file, why) = problem.split_once(": ").unwrap_or((problem, ""));
    let name = Path::new(file)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(file);
    let mut cells = vec!["-".to_string(); crate::fleet::HEADERS.len()];
    cells[0] = format!("!{name}");
    cells[1] = format!("unreadable: {why}");
    Row {
        key: RowKey::new("", &format!("!{file}")),
        cells: cells.into_iter().map(Cell::Text).collect(),
        tone: Tone::Error,
        labels: Default::default(),
        selector: None,
        object: None,
    }
}
