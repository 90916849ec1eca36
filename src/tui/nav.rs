//! What a view shows ([`ViewSpec`]) and the navigation stack `esc` walks back along.

use crate::cluster::kinds::KindSpec;
use crate::cluster::watch::WatchTarget;

// Few of these exist at once (the current view and the back stack), so boxing buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewSpec {
    /// The kubeconfig's contexts (local; no watch).
    Contexts,
    Resource {
        kind: KindSpec,
        /// None = all namespaces (always None for cluster-scoped kinds).
        namespace: Option<String>,
        labels: Option<String>,
        fields: Option<String>,
        /// Where a drill-down came from, e.g. `deployment/web`, shown next to the title.
        origin: Option<String>,
        /// Merged across these clusters (`:pods @all`); None: the connected one.
        clusters: Option<Clusters>,
    },
    /// The containers of one pod (drill-down from a pod), live from a watch on that pod.
    Containers {
        namespace: String,
        pod: String,
        /// The pod's cluster when it is not the connected one (a drill-down from a merged view).
        clusters: Option<Clusters>,
    },
    /// `:fleet`: every context's health, one row each.
    Fleet,
    /// `:xray KIND [NS]`: a tree of KIND's objects with what they own and use.
    Xray {
        kind: KindSpec,
        /// None = all namespaces.
        namespace: Option<String>,
        /// Merged across these clusters (`:xray deploy @all`); None: the connected one.
        clusters: Option<Clusters>,
    },
}

/// The clusters a merged view spans: the `@` selection as typed (`all`, `prod-*`, `a,b`) and the
/// contexts it chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clusters {
    pub label: String,
    pub contexts: Vec<String>,
}

impl Clusters {
    /// One cluster: where a drill-down from a merged view's row goes.
    pub fn one(context: &str) -> Self {
        Clusters {
            label: context.to_string(),
            contexts: vec![context.to_string()],
        }
    }
}

impl ViewSpec {
    pub fn resource(kind: KindSpec, namespace: Option<String>) -> Self {
        let namespace = if kind.namespaced { namespace } else { None };
        ViewSpec::Resource {
            kind,
            namespace,
            labels: None,
            fields: None,
            origin: None,
            clusters: None,
        }
    }

    /// The clusters the view spans when it is not (only) the connected one.
    pub fn clusters(&self) -> Option<&Clusters> {
        match self {
            ViewSpec::Resource { clusters, .. }
            | ViewSpec::Containers { clusters, .. }
            | ViewSpec::Xray { clusters, .. } => clusters.as_ref(),
            ViewSpec::Contexts | ViewSpec::Fleet => None,
        }
    }

    /// The same view, in `clusters` (a drill-down from a merged view's row stays in the row's cluster).
    pub fn in_clusters(mut self, new: Option<Clusters>) -> Self {
        if let ViewSpec::Resource { clusters, .. }
        | ViewSpec::Containers { clusters, .. }
        | ViewSpec::Xray { clusters, .. } = &mut self
        {
            *clusters = new;
        }
        self
    }

    pub fn kind(&self) -> Option<&KindSpec> {
        match self {
            ViewSpec::Resource { kind, .. } => Some(kind),
            ViewSpec::Contexts
            | ViewSpec::Fleet
            | ViewSpec::Containers { .. }
            | ViewSpec::Xray { .. } => None,
        }
    }

    /// Where a drill-down came from, shown next to the title.
    pub fn origin(&self) -> Option<String> {
        match self {
            ViewSpec::Resource { origin, .. } => origin.clone(),
            ViewSpec::Containers { pod, .. } => Some(format!("pod/{pod}")),
            ViewSpec::Xray { kind, .. } => Some(kind.plural.clone()),
            ViewSpec::Contexts | ViewSpec::Fleet => None,
        }
    }

    /// The plural shown in the title.
    pub fn title_kind(&self) -> &str {
        match self {
            ViewSpec::Contexts => "contexts",
            ViewSpec::Containers { .. } => "containers",
            ViewSpec::Xray { .. } => "xray",
            ViewSpec::Fleet => "fleet",
            ViewSpec::Resource { kind, .. } => &kind.plural,
        }
    }

    /// The title's scope: the namespace, or `all`.
    pub fn title_scope(&self) -> &str {
        match self {
            ViewSpec::Resource {
                namespace: Some(ns),
                ..
            } => ns,
            ViewSpec::Containers { namespace, .. } => namespace,
            ViewSpec::Xray {
                namespace: Some(ns),
                ..
            } => ns,
            _ => "all",
        }
    }

    /// True when rows come from different namespaces, so the table shows a NAMESPACE column.
    pub fn spans_namespaces(&self) -> bool {
        matches!(self, ViewSpec::Resource { kind, namespace: None, .. } if kind.namespaced)
    }

    /// The watch of a Kubernetes-object view; None for local views and for the containers view, which
    /// has its own watch (see the app's `show`).
    pub fn watch_target(&self) -> Option<WatchTarget> {
        match self {
            ViewSpec::Contexts
            | ViewSpec::Fleet
            | ViewSpec::Containers { .. }
            | ViewSpec::Xray { .. } => None,
            ViewSpec::Resource {
                kind,
                namespace,
                labels,
                fields,
                ..
            } => Some(WatchTarget {
                kind: kind.clone(),
                namespace: namespace.clone(),
                labels: labels.clone(),
                fields: fields.clone(),
            }),
        }
    }

    /// The same view in another namespace (drill-down filters are kept).
    pub fn with_namespace(&self, ns: Option<String>) -> ViewSpec {
        match self {
            ViewSpec::Resource {
                kind,
                labels,
                fields,
                origin,
                clusters,
                ..
            } => ViewSpec::Resource {
                namespace: if kind.namespaced { ns } else { None },
                kind: kind.clone(),
                labels: labels.clone(),
                fields: fields.clone(),
                origin: origin.clone(),
                clusters: clusters.clone(),
            },
            ViewSpec::Xray { kind, clusters, .. } => ViewSpec::Xray {
                kind: kind.clone(),
                namespace: ns,
                clusters: clusters.clone(),
            },
            other => other.clone(),
        }
    }
}

/// A view left behind, with the filter it had, so `esc` returns to exactly what was on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavEntry {
    pub spec: ViewSpec,
    pub filter: String,
}

/// Views left behind by drill-downs and commands; `esc` returns to the last one.
#[derive(Debug, Clone, Default)]
pub struct NavStack {
    stack: Vec<NavEntry>,
}

impl NavStack {
    const MAX: usize = 32;

    pub fn push(&mut self, entry: NavEntry) {
        if self.stack.last() == Some(&entry) {
            return;
        }
        self.stack.push(entry);
        if self.stack.len() > Self::MAX {
            self.stack.remove(0);
        }
    }

    pub fn pop(&mut self) -> Option<NavEntry> {
        self.stack.pop()
    }

    pub fn clear(&mut self) {
        self.stack.clear();
    }

    pub fn len(&self) -> usize {
        self.stack.len()
    }

    pub fn is_empty(&self) -> bool {
        self.stack.is_empty()
    }
}
