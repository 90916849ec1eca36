//! The contexts view: rows built from kubeconfig (no server involved), like `kubectl config
//! get-contexts`. `*` marks the context kdeck is using.

use crate::cluster::rows::{Cell, Column, Row, RowKey, Tone};
use crate::kubeconfig::KubeconfigSet;

pub fn columns() -> Vec<Column> {
    ["CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"]
        .into_iter()
        .map(Column::new)
        .collect()
}

pub fn rows(set: &KubeconfigSet, active: Option<&str>) -> Vec<Row> {
    let active = active.or(set.current_context());
    set.context_names()
        .into_iter()
        .filter_map(|name| set.context(&name))
        .map(|c| {
            let current = active == Some(c.name.as_str());
            Row {
                key: RowKey::new("", &c.name),
                cells: vec![
                    Cell::text(if current { "*" } else { "" }),
                    Cell::text(c.name.clone()),
                    Cell::Text(c.cluster.unwrap_or_default()),
                    Cell::Text(c.user.unwrap_or_default()),
                    Cell::Text(c.namespace.unwrap_or_default()),
                ],
                tone: if current { Tone::Ok } else { Tone::Normal },
                labels: Default::default(),
                selector: None,
                object: None,
            }
        })
        .collect()
}
