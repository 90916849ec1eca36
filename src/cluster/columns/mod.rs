//! Per-kind row builders: how each built-in kind looks as a table row, matching kubectl's printers.

pub mod containers;
pub mod core;
pub mod pods;
pub mod workloads;

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};

pub(crate) fn secs(t: Option<&Time>) -> Option<i64> {
    t.map(|t| t.0.as_second())
}

pub(crate) fn labels_of(meta: &ObjectMeta) -> BTreeMap<String, String> {
    meta.labels.clone().unwrap_or_default()
}

pub(crate) fn key_of(meta: &ObjectMeta) -> crate::cluster::rows::RowKey {
    crate::cluster::rows::RowKey::new(
        meta.namespace.as_deref().unwrap_or_default(),
        meta.name.as_deref().unwrap_or_default(),
    )
}

pub(crate) fn name_of(meta: &ObjectMeta) -> String {
    meta.name.clone().unwrap_or_default()
}
