//! The table row model shared by watchers (which build rows off the UI task) and the TUI (which only
//! formats the visible ones). Times are kept as Unix seconds so ages are rendered against the frame's
//! "now" instead of going stale in the store.

use std::collections::BTreeMap;
use std::sync::Arc;

/// Identity of a row inside one view: the context it came from (only in a view merged across
/// clusters; None for the connected one), namespace (empty for cluster-scoped objects) and name. Rows
/// order by these fields, so a merged view groups its rows by cluster.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RowKey {
    pub context: Option<Arc<str>>,
    pub namespace: Arc<str>,
    pub name: Arc<str>,
}

impl RowKey {
    pub fn new(namespace: &str, name: &str) -> Self {
        RowKey {
            context: None,
            namespace: Arc::from(namespace),
            name: Arc::from(name),
        }
    }

    /// The same key in a merged view, for a row of `context`.
    pub fn in_context(self, context: Arc<str>) -> Self {
        RowKey {
            context: Some(context),
            ..self
        }
    }

    /// The key of a merged view's row that stands for a whole cluster (connecting, unreachable,
    /// forbidden): no object has an empty name, so it never names one.
    pub fn cluster(context: Arc<str>) -> Self {
        RowKey::new("", "").in_context(context)
    }

    /// True for a [`RowKey::cluster`] row.
    pub fn is_cluster(&self) -> bool {
        self.name.is_empty()
    }
}

/// One cell. Time-relative cells are formatted at render time, only for visible rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    /// `kubectl`'s AGE: human duration since this Unix second, `<unknown>` when absent.
    Age(Option<i64>),
    /// `kubectl`'s RESTARTS: the count, with `(5m ago)` when a last restart time is known.
    Restarts {
        count: i64,
        last: Option<i64>,
    },
    /// A metrics.k8s.io figure (CPU/MEM columns). The row builder knows the base (a request, a limit,
    /// a node's allocatable); the view fills `used` when metrics arrive. `n/a` until then, without a
    /// metrics API, for a pod that has no metrics, and for a percentage of something unset.
    Usage {
        resource: Resource,
        share: Share,
        /// Millicores or bytes.
        used: Option<u64>,
    },
}

/// What a [`Cell::Usage`] measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    Cpu,
    Memory,
}

/// How a [`Cell::Usage`] shows its figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Share {
    /// The figure itself: `250m`, `128Mi` (as `kubectl top`).
    Absolute,
    /// Percent of this base, in the same unit (None: the base is not set, so `n/a`).
    Of(Option<u64>),
}

impl Cell {
    /// An empty usage cell; the view fills it.
    pub fn usage(resource: Resource, share: Share) -> Self {
        Cell::Usage {
            resource,
            share,
            used: None,
        }
    }

    /// The usage figure, as a number a sort can use: millicores or bytes, or a percentage.
    pub fn usage_value(&self) -> Option<u64> {
        match self {
            Cell::Usage {
                share: Share::Absolute,
                used,
                ..
            } => *used,
            Cell::Usage {
                share: Share::Of(Some(base)),
                used: Some(used),
                ..
            } if *base > 0 => Some(((*used as f64 / *base as f64) * 100.0).round() as u64),
            _ => None,
        }
    }
    pub fn text(s: impl Into<String>) -> Self {
        Cell::Text(s.into())
    }

    /// The cell as kubectl prints it, with ages measured at `now` (Unix seconds).
    pub fn render(&self, now: i64) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Age(Some(t)) => human_duration(now - t),
            Cell::Age(None) => "<unknown>".to_string(),
            Cell::Restarts { count, last } => match last {
                Some(t) if *count != 0 => format!("{count} ({} ago)", human_duration(now - t)),
                _ => count.to_string(),
            },
            Cell::Usage {
                resource, share, ..
            } => match (self.usage_value(), share) {
                (None, _) => "n/a".to_string(),
                (Some(v), Share::Of(_)) => v.to_string(),
                (Some(v), Share::Absolute) => match resource {
                    Resource::Cpu => format!("{v}m"),
                    Resource::Memory => format!("{}Mi", v / (1024 * 1024)),
                },
            },
        }
    }
}

/// How a row is coloured; the theme maps each tone to a style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Tone {
    #[default]
    Normal,
    /// Healthy and settled (Running and ready, Completed jobs are `Done`).
    Ok,
    /// Progressing: Pending, ContainerCreating, Init:…, Terminating.
    Pending,
    /// Broken: CrashLoopBackOff, Error, ImagePullBackOff, Failed, not-ready nodes.
    Error,
    /// Finished successfully and no longer running.
    Done,
    /// Warning events, NotReady pods.
    Warning,
}

/// One object as a table row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub key: RowKey,
    pub cells: Vec<Cell>,
    pub tone: Tone,
    pub labels: BTreeMap<String, String>,
    /// Extra facts drill-down needs (a deployment's selector, a pod's node) without keeping the object.
    pub selector: Option<String>,
    /// The object this row shows when it is not the view's kind at `key` (an xray tree mixes kinds).
    pub object: Option<Arc<RowObject>>,
}

/// What one row of a mixed view (an xray tree) shows: an object, or one container of a pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowObject {
    pub target: crate::cluster::actions::ObjectRef,
    /// Set on a container's row: `target` is its pod.
    pub container: Option<String>,
}

impl Row {
    /// The text the `/` filter matches against: the name, and the namespace when it is set.
    pub fn filter_text(&self) -> &str {
        match &self.object {
            Some(o) => o.container.as_deref().unwrap_or(&o.target.name),
            None => &self.key.name,
        }
    }
}

/// A column header, whether it may be dropped first when the terminal is narrow, and whether it is
/// shown only in wide mode (a server column of priority > 0: what `kubectl get -o wide` adds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub wide: bool,
    pub wide_only: bool,
    /// Dropped before every other wide column (the usage percentages go before NODE and IP).
    pub extra: bool,
}

impl Column {
    pub fn new(name: &str) -> Self {
        Column {
            name: name.to_string(),
            wide: false,
            wide_only: false,
            extra: false,
        }
    }
    pub fn wide(name: &str) -> Self {
        Column {
            wide: true,
            ..Column::new(name)
        }
    }
    /// A wide column that goes first when the terminal is narrow.
    pub fn extra(name: &str) -> Self {
        Column {
            wide: true,
            extra: true,
            ..Column::new(name)
        }
    }
    /// Shown only in wide mode (`ctrl-w`), as `-o wide` shows it.
    pub fn wide_only(name: &str) -> Self {
        Column {
            wide: true,
            wide_only: true,
            ..Column::new(name)
        }
    }
}

pub use crate::duration::human_duration;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_duration_matches_apimachinery() {
        let cases = [
            (-5, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (119, "119s"),
            (120, "2m"),
            (125, "2m5s"),
            (600, "10m"),
            (179 * 60, "179m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 5 * 60, "3h5m"),
            (10 * 3600, "10h"),
            (50 * 3600, "2d2h"),
            (48 * 3600, "2d"),
            (30 * 86400, "30d"),
            (800 * 86400, "2y70d"),
            (9 * 365 * 86400, "9y"),
        ];
        for (s, want) in cases {
            assert_eq!(human_duration(s), want, "{s}s");
        }
    }

    #[test]
    fn restarts_cell_shows_last_restart() {
        let c = Cell::Restarts {
            count: 5,
            last: Some(1000),
        };
        assert_eq!(c.render(1300), "5 (5m ago)");
        let c = Cell::Restarts {
            count: 0,
            last: Some(1000),
        };
        assert_eq!(c.render(1300), "0");
        assert_eq!(Cell::Age(None).render(0), "<unknown>");
    }
}
