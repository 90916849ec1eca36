//! Generic kinds (anything discovery finds, CRDs included) watched as server-side Tables, so their
//! columns are the printer columns the server reports, as `kubectl get` shows them.
//!
//! kube-runtime's watcher decodes objects, not Tables, so this is a small list-then-watch loop of its
//! own: a paged list with `as=Table`, then a watch from its resourceVersion with `as=Table`; a 410 or
//! a failed watch start relists (one `Delta::Reset`), a stream that ends re-watches from the last
//! version, and failures back off exponentially. AGE cells are kept as timestamps so they stay live.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::TryStreamExt;
use kube::core::WatchEvent;
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;

use super::error::RequestError;
use super::rows::{Cell, Column, Row, RowKey, Tone};
use super::store::Delta;
use super::watch::{PAGE_SIZE, WatchFailure, WatchMsg, WatchNote, WatchTarget};

const ACCEPT: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ColumnDefinition {
    name: String,
    #[serde(default)]
    priority: i32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TableRow {
    #[serde(default, deserialize_with = "null_as_default")]
    cells: Vec<Value>,
    #[serde(default)]
    object: Value,
}

/// A `meta.k8s.io/v1` Table. A real apiserver sends `"rows": null` for an empty list of a kind without a
/// printer of its own (roles, limitranges, CRDs with no columns: ../shared/apiserver-1.28), so every list
/// field takes null as empty.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Table {
    #[serde(default, deserialize_with = "null_as_default")]
    column_definitions: Vec<ColumnDefinition>,
    #[serde(default, deserialize_with = "null_as_default")]
    rows: Vec<TableRow>,
    #[serde(default, deserialize_with = "null_as_default")]
    metadata: ListMeta,
}

/// Decodes a Table body as the watch does and returns how many rows it holds (for replaying captured
/// server answers in tests).
pub fn decode_rows(body: &Value) -> Result<usize, serde_json::Error> {
    Table::deserialize(body).map(|t| t.rows.len())
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListMeta {
    resource_version: Option<String>,
    #[serde(rename = "continue")]
    cont: Option<String>,
}

fn path(t: &WatchTarget) -> String {
    let k = &t.kind;
    let base = if k.group.is_empty() {
        format!("/api/{}", k.version)
    } else {
        format!("/apis/{}/{}", k.group, k.version)
    };
    match (&t.namespace, k.namespaced) {
        (Some(ns), true) => format!("{base}/namespaces/{ns}/{}", k.plural),
        _ => format!("{base}/{}", k.plural),
    }
}

fn query(t: &WatchTarget, extra: &[(&str, &str)]) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("includeObject", "Metadata");
    if let Some(l) = &t.labels {
        q.append_pair("labelSelector", l);
    }
    if let Some(f) = &t.fields {
        q.append_pair("fieldSelector", f);
    }
    for (k, v) in extra {
        q.append_pair(k, v);
    }
    q.finish()
}

fn request(url: String) -> Result<http::Request<Vec<u8>>, WatchFailure> {
    http::Request::get(url)
        .header(http::header::ACCEPT, ACCEPT)
        .body(Vec::new())
        .map_err(|e| WatchFailure {
            code: None,
            message: e.to_string(),
            unusable: false,
        })
}

fn failure(e: kube::Error) -> WatchFailure {
    WatchFailure::from(RequestError::from(e))
}

/// Printer columns, upper-cased: priority 0 as kubectl shows them by default, the others only in wide
/// mode (`ctrl-w`), as `-o wide` adds them.
fn columns(defs: &[ColumnDefinition]) -> Vec<Column> {
    defs.iter()
        .map(|d| {
            let name = d.name.to_uppercase();
            if d.priority == 0 {
                Column::new(&name)
            } else {
                Column::wide_only(&name)
            }
        })
        .collect()
}

fn cell_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "<none>".to_string(),
        Value::Array(a) => a.iter().map(cell_text).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

fn to_row(defs: &[ColumnDefinition], r: &TableRow) -> Option<Row> {
    let meta = r.object.get("metadata")?;
    let s = |k: &str| meta.get(k).and_then(Value::as_str).unwrap_or_default();
    let created = s("creationTimestamp")
        .parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_second());
    let labels: BTreeMap<String, String> = meta
        .get("labels")
        .and_then(|l| serde_json::from_value(l.clone()).ok())
        .unwrap_or_default();
    let cells = defs
        .iter()
        .zip(&r.cells)
        .map(|(d, v)| {
            if d.name.eq_ignore_ascii_case("age") && created.is_some() {
                Cell::Age(created)
            } else {
                Cell::Text(cell_text(v))
            }
        })
        .collect();
    Some(Row {
        key: RowKey::new(s("namespace"), s("name")),
        cells,
        tone: Tone::Normal,
        labels,
        selector: None,
        object: None,
    })
}

struct Pump {
    client: kube::Client,
    target: WatchTarget,
    view: u64,
    tx: UnboundedSender<WatchMsg>,
    defs: Vec<ColumnDefinition>,
}

impl Pump {
    fn send(&self, note: WatchNote) -> bool {
        self.tx
            .send(WatchMsg {
                view: self.view,
                note,
            })
            .is_ok()
    }

    /// A complete paged list; returns its resourceVersion.
    async fn list(&mut self) -> Result<String, WatchFailure> {
        let mut rows = Vec::new();
        let mut cont = String::new();
        let limit = PAGE_SIZE.to_string();
        loop {
            let mut extra = vec![("limit", limit.as_str())];
            if !cont.is_empty() {
                extra.push(("continue", cont.as_str()));
            }
            let url = format!("{}?{}", path(&self.target), query(&self.target, &extra));
            let table: Table = self.client.request(request(url)?).await.map_err(failure)?;
            if !table.column_definitions.is_empty() && rows.is_empty() {
                self.defs = table.column_definitions.clone();
                if !self.send(WatchNote::Columns(columns(&self.defs))) {
                    return Ok(String::new());
                }
            }
            rows.extend(table.rows.iter().filter_map(|r| to_row(&self.defs, r)));
            match table.metadata.cont.filter(|c| !c.is_empty()) {
                Some(c) => cont = c,
                None => {
                    self.send(WatchNote::Delta(Delta::Reset(rows)));
                    return Ok(table.metadata.resource_version.unwrap_or_default());
                }
            }
        }
    }

    /// Watches from `rv` until the stream ends (Ok, with the last version) or fails.
    async fn watch(&mut self, rv: &mut String) -> Result<(), WatchFailure> {
        let url = format!(
            "{}?{}",
            path(&self.target),
            query(
                &self.target,
                &[
                    ("watch", "1"),
                    ("resourceVersion", rv),
                    ("timeoutSeconds", "290")
                ]
            )
        );
        let stream = self
            .client
            .request_events::<Table>(request(url)?)
            .await
            .map_err(failure)?;
        futures::pin_mut!(stream);
        while let Some(ev) = stream.try_next().await.map_err(failure)? {
            let (table, delete) = match ev {
                WatchEvent::Added(t) | WatchEvent::Modified(t) => (t, false),
                WatchEvent::Deleted(t) => (t, true),
                WatchEvent::Bookmark(b) => {
                    *rv = b.metadata.resource_version;
                    continue;
                }
                WatchEvent::Error(e) => {
                    return Err(WatchFailure {
                        code: Some(e.code),
                        message: e.message,
                        unusable: false,
                    });
                }
            };
            for r in &table.rows {
                if let Some(v) = r
                    .object
                    .pointer("/metadata/resourceVersion")
                    .and_then(Value::as_str)
                {
                    *rv = v.to_string();
                }
                let Some(row) = to_row(&self.defs, r) else {
                    continue;
                };
                let d = if delete {
                    Delta::Remove(row.key)
                } else {
                    Delta::Upsert(row)
                };
                if !self.send(WatchNote::Delta(d)) {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    async fn run(mut self) {
        let mut backoff = Duration::from_millis(500);
        let mut rv: Option<String> = None;
        let mut failing = false;
        loop {
            let step = match rv.take() {
                None => self.list().await.map(Some),
                Some(mut v) => self.watch(&mut v).await.map(|()| Some(v)),
            };
            if self.tx.is_closed() {
                return;
            }
            match step {
                Ok(next) => {
                    if failing {
                        failing = false;
                        self.send(WatchNote::Recovered);
                    }
                    backoff = Duration::from_millis(500);
                    rv = next;
                }
                Err(f) if f.unusable => {
                    // Asking again would get the same answer: say so in the view and stop.
                    self.send(WatchNote::Error(f));
                    return;
                }
                Err(f) => {
                    // 410: our version is too old; relist at once. Anything else: back off, relist.
                    let gone = f.code == Some(410);
                    if !gone {
                        failing = true;
                    }
                    if !self.send(WatchNote::Error(f)) {
                        return;
                    }
                    if !gone {
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(30));
                    }
                    rv = None;
                }
            }
        }
    }
}

/// Starts a Table watch for a generic kind.
pub fn spawn(
    client: kube::Client,
    target: &WatchTarget,
    view: u64,
    tx: UnboundedSender<WatchMsg>,
) -> tokio::task::JoinHandle<()> {
    let pump = Pump {
        client,
        target: target.clone(),
        view,
        tx,
        defs: Vec::new(),
    };
    tokio::spawn(pump.run())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn table_rows_become_rows_with_live_age() {
        let t: Table = serde_json::from_value(json!({
            "kind": "Table", "apiVersion": "meta.k8s.io/v1",
            "metadata": {"resourceVersion": "42"},
            "columnDefinitions": [
                {"name": "Name", "type": "string", "priority": 0},
                {"name": "Size", "type": "integer", "priority": 0},
                {"name": "Owner", "type": "string", "priority": 1},
                {"name": "Age", "type": "date", "priority": 0}
            ],
            "rows": [{"cells": ["w1", 3, null, "5m"], "object": {"kind": "PartialObjectMetadata",
                "metadata": {"name": "w1", "namespace": "ns", "creationTimestamp": "2026-01-01T00:00:00Z",
                             "labels": {"a": "b"}}}}]
        }))
        .unwrap();
        let cols = columns(&t.column_definitions);
        assert_eq!(cols[0], Column::new("NAME"));
        assert!(cols[2].wide);
        let r = to_row(&t.column_definitions, &t.rows[0]).unwrap();
        assert_eq!(r.key, RowKey::new("ns", "w1"));
        assert_eq!(r.cells[1], Cell::text("3"));
        assert_eq!(r.cells[2], Cell::text("<none>"));
        assert_eq!(r.cells[3].render(1767225600 + 3600), "60m");
        assert_eq!(r.labels.get("a").map(String::as_str), Some("b"));
    }
}
