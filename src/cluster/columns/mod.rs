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

/// A container's (or a pod's summed) CPU and memory requests and limits, in millicores and bytes;
/// None where nothing sets them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Budget {
    pub cpu_request: Option<u64>,
    pub cpu_limit: Option<u64>,
    pub memory_request: Option<u64>,
    pub memory_limit: Option<u64>,
}

impl Budget {
    /// Reads the quantities through `get(section, resource)` (`requests`/`limits`, `cpu`/`memory`).
    pub fn read<'a>(get: impl Fn(&str, &str) -> Option<&'a str>) -> Budget {
        let milli = |s, r| get(s, r).and_then(crate::cluster::metrics::milli);
        let bytes = |s, r| get(s, r).and_then(crate::cluster::metrics::bytes);
        Budget {
            cpu_request: milli("requests", "cpu"),
            cpu_limit: milli("limits", "cpu"),
            memory_request: bytes("requests", "memory"),
            memory_limit: bytes("limits", "memory"),
        }
    }

    /// A container's resources as JSON (`{"requests": {...}, "limits": {...}}`).
    pub fn of_json(resources: &serde_json::Value) -> Budget {
        Budget::read(|s, r| resources[s][r].as_str())
    }

    /// Two budgets summed; a side that sets nothing adds nothing (as k9s sums a pod's containers).
    pub fn plus(self, o: Budget) -> Budget {
        let sum = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
        Budget {
            cpu_request: sum(self.cpu_request, o.cpu_request),
            cpu_limit: sum(self.cpu_limit, o.cpu_limit),
            memory_request: sum(self.memory_request, o.memory_request),
            memory_limit: sum(self.memory_limit, o.memory_limit),
        }
    }

    /// k9s's usage columns of pods and containers.
    pub fn columns() -> [crate::cluster::rows::Column; 6] {
        use crate::cluster::rows::Column;
        [
            Column::new("CPU"),
            Column::new("MEM"),
            Column::extra("%CPU/R"),
            Column::extra("%CPU/L"),
            Column::extra("%MEM/R"),
            Column::extra("%MEM/L"),
        ]
    }

    /// The cells under [`Budget::columns`], empty until the view fills them from metrics.k8s.io.
    pub fn cells(self) -> [crate::cluster::rows::Cell; 6] {
        use crate::cluster::rows::{Cell, Resource, Share};
        [
            Cell::usage(Resource::Cpu, Share::Absolute),
            Cell::usage(Resource::Memory, Share::Absolute),
            Cell::usage(Resource::Cpu, Share::Of(self.cpu_request)),
            Cell::usage(Resource::Cpu, Share::Of(self.cpu_limit)),
            Cell::usage(Resource::Memory, Share::Of(self.memory_request)),
            Cell::usage(Resource::Memory, Share::Of(self.memory_limit)),
        ]
    }
}
